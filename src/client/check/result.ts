// What one preflight check found: passed, passed with a warning, or failed with the fix.

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  /** What was checked, e.g. `connection 'acme' events-stream` or `bucket audit-logs s3:PutObject`. */
  name: string;
  status: CheckStatus;
  /** What was found; for a warning or a failure, also what to do. */
  message: string;
}

export interface CheckReport {
  ok: boolean;
  checks: CheckResult[];
}

export const pass = (name: string, message: string): CheckResult => ({ name, status: 'pass', message });
export const warn = (name: string, message: string): CheckResult => ({ name, status: 'warn', message });
export const fail = (name: string, message: string): CheckResult => ({ name, status: 'fail', message });

/** Warnings pass: only a failed check fails the preflight. */
export function report(checks: CheckResult[]): CheckReport {
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}

/**
 * A classified failure's message (src/common/errors.ts) as advice for someone who has not applied
 * the rules yet: without "then resume the rule" and the worker's "retrying".
 */
export function adviceFrom(message: string): string {
  return message
    .replace(/,? (?:then|and) resume the rule(?:; nothing written is lost)?/g, '')
    .replace(/; retrying(?= in \d+s|\.|$)(?: in \d+s)?/, '')
    .trim();
}
