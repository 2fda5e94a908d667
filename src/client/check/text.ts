// How `check` reads: one line per check, ✓ passed, ! passed with a warning, ✗ failed with the fix.
import type { TextStyle } from '../status/text';
import type { CheckReport, CheckStatus } from './result';

const MARKS: Record<CheckStatus, { mark: string; color: number }> = {
  pass: { mark: '✓', color: 32 },
  warn: { mark: '!', color: 33 },
  fail: { mark: '✗', color: 31 },
};

export function checkText(report: CheckReport, style: TextStyle): string {
  const lines = report.checks.map((check) => {
    const { mark, color } = MARKS[check.status];
    return `${style.color ? `\x1b[${color}m${mark}\x1b[0m` : mark} ${check.name}: ${check.message}`;
  });
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  lines.push(failed === 0 ? 'All checks passed.' : `${failed} of ${report.checks.length} checks failed.`);
  return lines.join('\n');
}
