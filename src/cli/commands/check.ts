// audit-collect check: a preflight of everything the rules need, starting nothing.
import { runChecks } from '../../client/check/run';
import { checkText } from '../../client/check/text';
import { defineCommand } from '../command';
import { EXIT } from '../exit-codes';
import { loadRules } from '../../client/rules';
import { styleFor } from '../../client/status/text';
import { JSON_OPTION, TEMPORAL_ENVIRONMENT, print } from './common';

export const check = defineCommand({
  name: 'check',
  summary: 'preflight: API keys, buckets and Temporal, one line per check',
  description: `Checks everything the rules need, without starting or scheduling anything: for each connection,
that its API key resolves here and one events-stream request (limit=1) answers 200, and when the
key expires; for each bucket, PutObject, GetObject, ListObjectsV2 and DeleteObject of a probe
object under _audit-collect/probe/ (each denied permission named with the IAM action to grant);
and that Temporal is reachable, the namespace exists with the RuleId search attribute, and a worker
polls each task queue the rules' runs go to (the rules file's taskQueue, else AUDIT_COLLECT_TASK_QUEUE). One line per check: ✓ passed, ! a warning, ✗ failed with the fix. Exits 1
when a check fails. Run it where the worker runs, with the worker's environment.`,
  args: [{ name: 'rules.yaml', description: 'the rules file (see the README)' }],
  options: { json: { ...JSON_OPTION, description: 'print {ok, checks: [{name, status, message}]} as JSON' } },
  examples: ['audit-collect check rules.yaml', 'audit-collect check rules.yaml --json'],
  environment: `${TEMPORAL_ENVIRONMENT}
The API keys, S3 and the task queue are reached as the worker reaches them (see 'audit-collect worker --help').`,
  async run({ options, args }) {
    const json = options.json ?? false;
    const result = await runChecks({ rules: loadRules(args['rules.yaml']) });
    print({ json, value: result, text: () => checkText(result, styleFor(process.stdout)) });
    return result.ok ? EXIT.ok : EXIT.failed;
  },
});
