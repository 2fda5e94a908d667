// How `status` and `list` read in a terminal. Colour only on a TTY (and never with NO_COLOR), so
// piped output stays plain text.
import { humanSeconds, type HealthState } from './health';
import type { ApplyOutcome, ApplyPlan } from '../schedules';
import type { RuleStatus } from './status';

export interface TextStyle {
  color: boolean;
}

export function styleFor(stream: NodeJS.WriteStream): TextStyle {
  return { color: Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb' };
}

const COLORS: Record<HealthState, number> = { ok: 32, warning: 33, paused: 33, failing: 31 };

function state(s: HealthState, style: TextStyle, width = 0): string {
  const text = s.toUpperCase().padEnd(width);
  return style.color ? `\x1b[${COLORS[s]}m${text}\x1b[0m` : text;
}

export function statusText(s: RuleStatus, style: TextStyle): string {
  if (s.unreadable) return unreadableText(s, style);
  const h = s.health;
  const lines = [
    `rule        ${s.ruleId} (${s.displayName})`,
    `health      ${state(h.state, style)}`,
    s.source ? `source      ${s.source}` : `org         ${s.orgId}`,
    `destination s3://${s.bucket}/${s.prefix}`,
    `schedule    ${s.scheduleId}, every ${s.interval}, ${s.paused ? `PAUSED: ${s.note ?? ''}` : s.running ? 'running now' : `next run ${s.nextRunAt ?? '-'}`}`,
    `task queue  ${s.taskQueue}${s.ruleSet ? ` (rule set ${s.ruleSet})` : ''}`,
    `cursor      last processedAt ${s.lastProcessedAt ?? '(no events yet)'}; lag ${humanSeconds(h.lagSeconds)}`,
    `written     ${s.totals.events} events in ${s.totals.objects} objects (${s.totals.bytes} bytes compressed); ${h.eventsLast24h} events in the last 24h`,
  ];
  if (s.lastRun) lines.push(`last run    ${s.lastRun.status} ${s.lastRun.closedAt ?? s.lastRun.startedAt} ${s.lastRun.workflowId}`);
  if (h.lastError)
    lines.push(`last error  ${h.lastError.type}${h.lastError.attempt ? ` (attempt ${h.lastError.attempt})` : ''}: ${h.lastError.message}`);
  if (s.lastSuccess)
    lines.push(
      `last ok     ${s.lastSuccess.closedAt}: ${s.lastSuccess.result.run.events} events, ${s.lastSuccess.result.run.objects} objects`,
    );
  else lines.push('last ok     never');
  if (h.apiKeyExpiresAt) lines.push(`api key     expires ${h.apiKeyExpiresAt} (in ${h.apiKeyExpiresInDays} days)`);
  for (const warning of h.warnings) lines.push(`warning     ${warning}`);
  if (h.state === 'failing' && h.retryingForSeconds !== null && !s.paused) {
    lines.push('next step   fix the cause above; the run keeps retrying and carries on by itself once it passes');
  } else if (h.state === 'failing' || h.state === 'paused') {
    lines.push(`next step   fix the cause above, then: audit-collect resume ${s.ruleId}`);
  }
  return lines.join('\n');
}

/** A rule whose payloads this process cannot decrypt: only what the schedule says in the clear. */
function unreadableText(s: RuleStatus, style: TextStyle): string {
  return [
    `rule        ${s.ruleId}`,
    `health      ${state(s.health.state, style)}`,
    `schedule    ${s.scheduleId}, ${s.paused ? `PAUSED: ${s.note ?? ''}` : s.running ? 'running now' : `next run ${s.nextRunAt ?? '-'}`}`,
    `task queue  ${s.taskQueue}`,
    `unreadable  ${s.unreadable!.reason}`,
    `next step   give this process key '${s.unreadable!.keyId}' as the worker has it; if that key is lost: audit-collect delete ${s.ruleId}, then apply the rules file again (the checkpoint in S3 keeps the rule's place)`,
  ].join('\n');
}

/** One line per rule: health, lag, events in the last 24 hours, last success, and what is wrong. */
export function listText(statuses: RuleStatus[], style: TextStyle): string {
  if (statuses.length === 0) return 'no rules; create them with: audit-collect apply rules.yaml';
  const header = `${'RULE'.padEnd(24)} ${'HEALTH'.padEnd(8)} ${'LAG'.padStart(6)} ${'24H EVENTS'.padStart(10)}  ${'LAST OK'.padEnd(24)} NOTE`;
  const rows = statuses.map((s) => {
    const h = s.health;
    const note = s.unreadable?.reason ?? h.pauseReason ?? h.warnings[0] ?? '';
    return `${s.ruleId.padEnd(24)} ${state(h.state, style, 8)} ${humanSeconds(h.lagSeconds).padStart(6)} ${String(h.eventsLast24h).padStart(10)}  ${(h.lastSuccessAt ?? 'never').padEnd(24)} ${note}`;
  });
  return [header, ...rows].join('\n');
}

/** One line per rule `apply` looked at, e.g. `updated   acme-audit (re-encrypted: key 'k1' -> 'k2')`. */
export function applyText(outcomes: ApplyOutcome[]): string {
  return outcomes
    .map((o) => {
      const line = `${o.action.padEnd(9)} ${o.ruleId}${o.changes?.length ? `: ${o.changes.join('; ')}` : ''}`;
      if (o.reason) return `${line}: ${o.reason}`;
      if (o.openRuns) {
        const runs = o.openRuns.workflowIds.join(', ');
        return `${line} (${o.openRuns.how === 'terminated' ? `terminated ${runs}` : `after ${runs} finished`})`;
      }
      if (!o.reencrypted) return line;
      const { from, to } = o.reencrypted;
      return from.length > 0
        ? `${line} (re-encrypted: key ${from.map((id) => `'${id}'`).join(', ')} -> '${to}')`
        : `${line} (encrypted with key '${to}')`;
    })
    .join('\n');
}

/** What `apply --dry-run` would do, one line per rule, e.g. `would update  acme-audit: interval: 5m -> 10m`. */
export function planText(plan: ApplyPlan): string {
  const lines = plan.rules.map((r) => {
    if (r.action === 'create') return `would create  ${r.ruleId} (task queue ${r.taskQueue}, rule set ${plan.ruleSet})`;
    if (r.action === 'unchanged') return `unchanged     ${r.ruleId}`;
    const reencrypted = r.reencrypted ? ` (re-encrypt with key '${r.reencrypted.to}')` : '';
    return `would update  ${r.ruleId}${r.changes?.length ? `: ${r.changes.join('; ')}` : ''}${reencrypted}`;
  });
  for (const ruleId of plan.prune) lines.push(`would delete  ${ruleId} (rule set ${plan.ruleSet}, not in the file)`);
  return lines.join('\n');
}

/** `apply --dry-run --json`: one entry per rule, the action it would take. */
export function planJson(plan: ApplyPlan): Array<Record<string, unknown>> {
  return [
    ...plan.rules.map(({ ruleId, action, changes, taskQueue, reencrypted }) => ({
      ruleId,
      action,
      taskQueue,
      ruleSet: plan.ruleSet,
      ...(changes && { changes }),
      ...(reencrypted && { reencrypted }),
    })),
    ...plan.prune.map((ruleId) => ({ ruleId, action: 'delete', ruleSet: plan.ruleSet })),
  ];
}
