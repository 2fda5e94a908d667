// audit-collect verify: an audit of completeness of what a rule wrote.
import type { RuleSpec } from '../../model/types';
import { defineCommand } from '../command';
import { connectClient } from '../../temporal/client';
import { EXIT } from '../exit-codes';
import { loadRules } from '../../client/rules';
import { RuleNotFoundError, scheduledRule } from '../../client/schedules';
import { UsageError } from '../usage-error';
import { verifyText } from '../../client/verify/verify';
import { verifyWithLocalAccess } from '../../client/verify/local-access';
import { JSON_OPTION, RULE_ID_ARG, TEMPORAL_ENVIRONMENT, print } from './common';

function isoOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms))
    throw new UsageError(`--${name} must be an ISO date such as 2026-11-01 or 2026-11-01T12:00:00Z, not '${value}'`);
  return ms;
}

function ruleFromFile(file: string, ruleId: string): RuleSpec {
  const found = loadRules(file).find((r) => r.spec.id === ruleId);
  if (!found) throw new RuleNotFoundError(ruleId);
  return found.spec;
}

export const verify = defineCommand({
  name: 'verify',
  summary: 'audit completeness: duplicates, malformed lines, events S3 lacks',
  description: `Audits completeness: decodes every object under the rule's prefix and reports objects, events,
duplicate event IDs and malformed lines, and (when the API key resolves here) the events the
source has that S3 lacks, by processedAt range (default: from the rule's start point to its
cursor). Exits 3 on any loss, duplicate or malformed line.`,
  args: [RULE_ID_ARG],
  options: {
    from: { type: 'string', value: 'ISO', description: 'only events processed at or after this ISO date or date-time' },
    to: { type: 'string', value: 'ISO', description: 'only events processed at or before this ISO date or date-time' },
    rules: { type: 'string', value: 'FILE', description: 'read the rule from this rules file instead of its schedule' },
    json: JSON_OPTION,
  },
  examples: ['audit-collect verify acme-audit --from 2026-05-01 --to 2026-05-08'],
  environment: `${TEMPORAL_ENVIRONMENT}
S3 and the API key are reached as the worker reaches them (see 'audit-collect worker --help').`,
  async run({ options, args }) {
    const json = options.json ?? false;
    const fromMs = isoOption('from', options.from);
    const toMs = isoOption('to', options.to);
    const rule = options.rules
      ? ruleFromFile(options.rules, args.ruleId)
      : await scheduledRule({ client: await connectClient(), ruleId: args.ruleId });
    const report = await verifyWithLocalAccess({ rule, fromMs, toMs, progress: !json && Boolean(process.stderr.isTTY) });
    print({ json, value: report, text: () => verifyText(report) });
    return report.ok ? EXIT.ok : EXIT.problemsFound;
  },
});
