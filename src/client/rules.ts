// The rules file: connections (org + API key reference) and rules (connection → S3 destination).
// Parsed once with a schema; every bad field is named in the error.
import { accessSync, constants, readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { DEFAULT_SECRET_ENV_PATTERN, apiBaseUrlProblem, baseUrlProblem, parseAllowedApiHosts } from '../secrets/api-keys';
import { RETENTION_MS, parseDuration, resolveStartFrom } from '../model/duration';
import type { ConnectionSpec, RuleSpec } from '../model/types';
import { SOURCE_KINDS, STATE_PREFIX } from '../model/types';
import { siteKeyOf } from '../sites/site-url';
import { overlappingDestinations } from './rules-overlap';

/** The rule set of a rules file that names none (see the README: one set per rules file). */
export const DEFAULT_RULE_SET = 'default';

export const DEFAULT_BASE_URL = 'https://api.atlassian.com';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BUCKET = /^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const MIN_INTERVAL_MS = 60_000;

const REFERENCE = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:\/.+)$/;
const reference = (secret: string) =>
  z.string().regex(REFERENCE, `must be a reference, env:VARIABLE or file:/absolute/path, never the ${secret} itself`);
// The site itself, or the gateway path scoped API tokens use.
const SITE_PATH = /^\/(?:ex\/(?:jira|confluence)\/[^/]+)?\/?$/;

const Connection = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'must be 1-63 letters, digits, - or _'),
    source: z
      .enum(SOURCE_KINDS, {
        errorMap: () => ({ message: 'must be org (the organization events stream), jira-site or confluence-site' }),
      })
      .default('org'),
    orgId: z
      .string({ invalid_type_error: 'must be the organization UUID shown in Atlassian Administration' })
      .regex(UUID, 'must be the organization UUID shown in Atlassian Administration')
      .optional(),
    apiKey: reference('key').optional(),
    email: z.string().email('must be the email of the Atlassian account the API token belongs to').optional(),
    apiToken: reference('token').optional(),
    baseUrl: z
      .string()
      .url('must be a URL such as https://api.atlassian.com')
      .refine(
        (v) => baseUrlProblem(v) === undefined,
        'must start with https://, the API key is sent to it (http:// only to a loopback host: 127.0.0.0/8, localhost, [::1])',
      )
      .optional(),
    expiresAt: z
      .string()
      .refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO date')
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const issue = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
    if (c.source === 'org') {
      if (c.orgId === undefined) issue('orgId', 'Required');
      if (c.apiKey === undefined) issue('apiKey', 'Required');
      for (const field of ['email', 'apiToken'] as const)
        if (c[field] !== undefined) issue(field, 'only for a site connection (source: jira-site or confluence-site)');
      return;
    }
    const site = 'for a site connection';
    if (c.baseUrl === undefined) issue('baseUrl', `Required ${site}: the site's URL, such as https://acme.atlassian.net`);
    else if (!SITE_PATH.test(new URL(c.baseUrl).pathname))
      issue(
        'baseUrl',
        `must be the site's URL without a path, such as https://acme.atlassian.net (or https://api.atlassian.com/ex/jira/<cloudId> for a scoped token)`,
      );
    if (c.email === undefined) issue('email', `Required ${site}: the email of the account the API token belongs to`);
    if (c.apiToken === undefined)
      issue('apiToken', `Required ${site}: a reference to the account's API token, env:VARIABLE or file:/absolute/path`);
    if (c.orgId !== undefined) issue('orgId', `not ${site}: the site is named by its baseUrl`);
    if (c.apiKey !== undefined) issue('apiKey', `not ${site}: it takes apiToken (an account's API token) and email`);
  });

const Destination = z
  .object({
    bucket: z.string().regex(BUCKET, 'must be a valid S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens'),
    prefix: z
      .string()
      .min(1, 'must not be empty: objects go under a prefix such as atlassian/audit/')
      .refine((p) => !p.startsWith('/'), 'must not start with /')
      .refine((p) => p.endsWith('/'), 'must end with /')
      .refine((p) => !p.split('/').includes('..') && !p.split('/').includes('.'), 'must not contain . or .. segments')
      .refine((p) => !p.includes('//'), 'must not contain an empty segment (//)')
      .refine(
        (p) => !p.startsWith(STATE_PREFIX.split('/')[0] + '/'),
        `must not be under ${STATE_PREFIX.split('/')[0]}/, where checkpoints live`,
      ),
    layout: z
      .enum(['hourly', 'hive'], {
        errorMap: () => ({ message: 'must be hourly (<prefix>YYYY/MM/DD/HH/) or hive (<prefix>dt=YYYY-MM-DD/hour=HH/)' }),
      })
      .optional(),
  })
  .strict();

const TaskQueue = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/, 'must be a task queue name: up to 200 letters, digits, ., _, :, / or -');

const Rule = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1-63 lowercase letters, digits or hyphens, starting with a letter or digit'),
    displayName: z.string().min(1).max(200).optional(),
    connection: z.string().min(1),
    destination: Destination,
    interval: z
      .string()
      .refine((v) => parseDuration(v) !== undefined, 'must be a duration such as 5m, 1h')
      .refine((v) => (parseDuration(v) ?? MIN_INTERVAL_MS) >= MIN_INTERVAL_MS, 'must be at least 1m')
      .default('5m'),
    startFrom: z
      .string()
      .refine((v) => resolveStartFrom(v, Date.now()) !== undefined, 'must be a duration back from now such as 7d, or an ISO date')
      // Within retention is checked by apply, and only for a rule it creates (startFromRetentionProblem).
      .refine((v) => (resolveStartFrom(v, Date.now()) ?? 0) <= Date.now(), 'must not be in the future')
      .default('7d'),
    paused: z.boolean().default(false),
    taskQueue: TaskQueue.optional(),
    heartbeatTimeout: z
      .string()
      .refine((v) => parseDuration(v) !== undefined, 'must be a duration such as 30s')
      .refine((v) => {
        const ms = parseDuration(v) ?? 5_000;
        return ms >= 5_000 && ms <= 600_000;
      }, 'must be from 5s to 10m')
      .optional(),
    warnNoDataAfter: z
      .string()
      .refine((v) => parseDuration(v) !== undefined, 'must be a duration such as 24h or 3d')
      .refine((v) => (parseDuration(v) ?? MIN_INTERVAL_MS) >= MIN_INTERVAL_MS, 'must be at least 1m')
      .optional(),
  })
  .strict();

const RulesFile = z
  .object({
    ruleSet: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1-63 lowercase letters, digits or hyphens, starting with a letter or digit')
      .default(DEFAULT_RULE_SET),
    taskQueue: TaskQueue.optional(),
    connections: z.array(Connection).min(1, 'must list at least one connection'),
    rules: z.array(Rule).min(1, 'must list at least one rule'),
  })
  .strict()
  .superRefine((file, ctx) => {
    const names = new Set<string>();
    file.connections.forEach((c, i) => {
      if (names.has(c.name))
        ctx.addIssue({ code: 'custom', path: ['connections', i, 'name'], message: `duplicate connection name '${c.name}'` });
      names.add(c.name);
    });
    const ids = new Set<string>();
    file.rules.forEach((r, i) => {
      if (ids.has(r.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id '${r.id}'` });
      ids.add(r.id);
      if (!names.has(r.connection)) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'connection'],
          message: `unknown connection '${r.connection}'; connections are: ${[...names].join(', ')}`,
        });
      }
    });
  });

/** A connection as schedules carry it; an org connection keeps the shape it had before site sources. */
function connectionSpec(c: z.infer<typeof Connection>): ConnectionSpec {
  const baseUrl = (c.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  if (c.source === 'org') return { name: c.name, orgId: c.orgId!.toLowerCase(), apiKeyRef: c.apiKey!, baseUrl };
  return { name: c.name, source: c.source, orgId: siteKeyOf(baseUrl), apiKeyRef: c.apiToken!, baseUrl, email: c.email! };
}

/** A rule as the rules file states it: what schedules carry, plus whether it starts paused. */
export interface RuleDefinition {
  spec: RuleSpec;
  paused: boolean;
  /** The task queue its runs go to, if the file names one (the rule's own, else the file's). */
  taskQueue?: string;
}

/** A whole rules file: its rule set (the schedules `apply --prune` may delete) and its rules. */
export interface RulesFileDefinition {
  ruleSet: string;
  rules: RuleDefinition[];
}

export class RulesError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

function pathText(path: PropertyKey[]): string {
  return path.reduce<string>(
    (text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part)),
    '',
  );
}

/** Parses and validates rules-file text; throws RulesError naming every bad field. */
export function parseRules(text: string, file = 'rules file'): RuleDefinition[] {
  return parseRulesFile(text, file).rules;
}

/** Parses and validates rules-file text, rule set included; throws RulesError naming every bad field. */
export function parseRulesFile(text: string, file = 'rules file'): RulesFileDefinition {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0)
    throw new RulesError(
      file,
      doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`),
    );
  const parsed = RulesFile.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new RulesError(
      file,
      parsed.error.issues.map((issue) => {
        const unknown = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
        return `${pathText(issue.path) || '(top level)'}: ${issue.message}${unknown}`;
      }),
    );
  }
  const connections = new Map(parsed.data.connections.map((c) => [c.name, c]));
  const rules = parsed.data.rules.map((rule): RuleDefinition => {
    const c = connections.get(rule.connection)!;
    const spec: RuleSpec = {
      id: rule.id,
      displayName: rule.displayName ?? rule.id,
      connection: connectionSpec(c),
      // hourly is the default: naming it changes no schedule that predates layouts.
      destination: {
        bucket: rule.destination.bucket,
        prefix: rule.destination.prefix,
        ...(rule.destination.layout === 'hive' ? { layout: rule.destination.layout } : {}),
      },
      interval: rule.interval,
      startFrom: rule.startFrom,
    };
    if (rule.heartbeatTimeout) spec.heartbeatTimeout = rule.heartbeatTimeout;
    if (rule.warnNoDataAfter) spec.warnNoDataAfter = rule.warnNoDataAfter;
    if (c.expiresAt) spec.connection.apiKeyExpiresAt = new Date(c.expiresAt).toISOString();
    const taskQueue = rule.taskQueue ?? parsed.data.taskQueue;
    return { spec, paused: rule.paused, ...(taskQueue !== undefined && { taskQueue }) };
  });
  const overlaps = overlappingDestinations(rules);
  if (overlaps.length > 0) throw new RulesError(file, overlaps);
  return { ruleSet: parsed.data.ruleSet, rules };
}

/**
 * A rule whose schedule does not exist yet starts at its startFrom, which must be within the 180
 * days Atlassian keeps. Checked only then: an existing rule resumes from its runs and checkpoint,
 * so a file with an ISO date stays appliable after the date leaves the window.
 */
export function startFromRetentionProblem(params: { def: RuleDefinition; index: number; nowMs: number }): string | undefined {
  const { startFrom } = params.def.spec;
  const at = resolveStartFrom(startFrom, params.nowMs);
  if (at === undefined || at >= params.nowMs - RETENTION_MS - 60_000) return undefined;
  return `rules[${params.index}].startFrom: must be within the 180 days Atlassian keeps (${startFrom}; checked for a rule whose schedule does not exist yet)`;
}

/**
 * Checks that every connection's API-key reference resolves here (the variable is set and matches
 * the worker's AUDIT_COLLECT_SECRET_ENV_PATTERN, the file is readable), without reading the value
 * into any message. Run where the worker's environment is; the worker checks again.
 */
export function checkSecretReferences(rules: RuleDefinition[], env: NodeJS.ProcessEnv = process.env): string[] {
  const skip = "pass --skip-secret-check when applying from a host other than the worker's";
  const pattern = envPattern(env);
  const problems = new Map<string, string>();
  for (const { spec } of rules) {
    const { name, apiKeyRef } = spec.connection;
    const apiKey = spec.connection.source ? 'apiToken' : 'apiKey';
    const variable = apiKeyRef.startsWith('env:') ? apiKeyRef.slice(4) : undefined;
    if (variable !== undefined && variable.search(pattern) < 0) {
      problems.set(
        name,
        `connection '${name}': ${apiKey} ${apiKeyRef}: the worker resolves only variables matching AUDIT_COLLECT_SECRET_ENV_PATTERN (${pattern.source}); rename the variable to match, set AUDIT_COLLECT_SECRET_ENV_PATTERN on the worker, or ${skip}`,
      );
    } else if (variable !== undefined && !env[variable]) {
      problems.set(
        name,
        `connection '${name}': ${apiKey} ${apiKeyRef}: the environment variable ${variable} is not set (set it, or ${skip})`,
      );
    }
    if (apiKeyRef.startsWith('file:') && !env.AUDIT_COLLECT_SECRETS_DIR) {
      problems.set(
        name,
        `connection '${name}': ${apiKey} ${apiKeyRef}: the worker resolves file: references only inside AUDIT_COLLECT_SECRETS_DIR, which is not set here; set it (here and on the worker) to the directory that holds the key file, or ${skip}`,
      );
    } else if (apiKeyRef.startsWith('file:')) {
      try {
        accessSync(apiKeyRef.slice(5), constants.R_OK);
      } catch {
        problems.set(
          name,
          `connection '${name}': ${apiKey} ${apiKeyRef}: the file does not exist or is not readable (create it, or ${skip})`,
        );
      }
    }
  }
  return [...problems.values()];
}

/**
 * Checks that every connection's baseUrl names a host the API key may be sent to:
 * AUDIT_COLLECT_ALLOWED_API_HOSTS as this environment sets it, or loopback. The worker checks again
 * with its own setting, before it resolves any key.
 */
export function checkApiHosts(params: { rules: RuleDefinition[]; env?: NodeJS.ProcessEnv }): string[] {
  const allowed = parseAllowedApiHosts((params.env ?? process.env).AUDIT_COLLECT_ALLOWED_API_HOSTS);
  if ('problem' in allowed) return [`AUDIT_COLLECT_ALLOWED_API_HOSTS ${allowed.problem}`];
  const problems = new Map<string, string>();
  for (const { spec } of params.rules) {
    const { name, baseUrl } = spec.connection;
    const problem = apiBaseUrlProblem({ baseUrl, allowedHosts: allowed.hosts, source: spec.connection.source });
    if (problem) problems.set(name, `connection '${name}': ${problem}.`);
  }
  return [...problems.values()];
}

/** The worker's pattern as this environment sets it; the worker itself rejects an invalid one. */
function envPattern(env: NodeJS.ProcessEnv): RegExp {
  try {
    return new RegExp(env.AUDIT_COLLECT_SECRET_ENV_PATTERN || DEFAULT_SECRET_ENV_PATTERN);
  } catch {
    return new RegExp(DEFAULT_SECRET_ENV_PATTERN);
  }
}

export function loadRules(file: string): RuleDefinition[] {
  return loadRulesFile(file).rules;
}

export function loadRulesFile(file: string): RulesFileDefinition {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new RulesError(file, [`cannot read the file (${(error as { code?: string }).code ?? 'error'})`]);
  }
  return parseRulesFile(text, file);
}
