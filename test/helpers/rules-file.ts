// Rules files for tests, built from typed parameters (the README's format), so each test states only
// what it is about. Values are written as given, even invalid ones, for tests of bad input.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface ConnectionParams {
  name: string;
  /** Absent: the org's events stream. */
  source?: 'org' | 'jira-site' | 'confluence-site';
  orgId?: string;
  /** A reference such as `env:NAME` (or, to test refusals, anything else). */
  apiKey?: string;
  /** Site connections: the account and a reference to its API token. */
  email?: string;
  apiToken?: string;
  baseUrl?: string;
  expiresAt?: string;
}

export interface RuleParams {
  id: string;
  connection: string;
  bucket: string;
  prefix: string;
  layout?: 'hive' | 'hourly';
  displayName?: string;
  interval?: string;
  startFrom?: string;
  paused?: boolean;
  warnNoDataAfter?: string;
  heartbeatTimeout?: string;
  taskQueue?: string;
}

export interface RulesParams {
  ruleSet?: string;
  taskQueue?: string;
  connections: ConnectionParams[];
  rules: RuleParams[];
}

export function rulesYaml({ ruleSet, taskQueue, connections, rules }: RulesParams): string {
  return stringify({
    ruleSet,
    taskQueue,
    connections,
    rules: rules.map(({ id, displayName, connection, bucket, prefix, layout, ...rest }) => ({
      id,
      displayName,
      connection,
      destination: { bucket, prefix, layout },
      ...rest,
    })),
  });
}

/** Writes the rules to `file`, or to rules.yaml in a new temporary directory; returns the path. */
export function writeRulesFile(
  params: RulesParams,
  file = join(mkdtempSync(join(tmpdir(), 'audit-collect-rules-')), 'rules.yaml'),
): string {
  writeFileSync(file, rulesYaml(params));
  return file;
}
