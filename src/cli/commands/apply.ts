// audit-collect apply: one schedule per rule in the rules file.
import { runChecks } from '../../client/check/run';
import { checkText } from '../../client/check/text';
import { defineCommand } from '../command';
import { connectClient } from '../../temporal/client';
import { EXIT } from '../exit-codes';
import { RulesError, checkApiHosts, checkSecretReferences, loadRulesFile } from '../../client/rules';
import { applyPlan, planApply } from '../../client/schedules';
import { TASK_QUEUE } from '../../model/ids';
import { applyText, planJson, planText, styleFor } from '../../client/status/text';
import { JSON_OPTION, TEMPORAL_ENVIRONMENT, print } from './common';
import { endRunsOf, openRunOptions } from './open-run-options';

const TERMINATE_REASON = "ended with audit-collect apply --terminate: the rule's schedule was re-created or pruned";

export const apply = defineCommand({
  name: 'apply',
  summary: 'create or update one schedule per rule; idempotent',
  description: `Creates or updates one Temporal Schedule per rule in the file. Idempotent: applying the same file
again reports 'unchanged'; an update names the fields that change. The whole file is checked first,
with the schedules it would touch; a file with errors names every problem, exits 2 and changes no
schedule. A rule whose schedule does not exist yet must start (startFrom) within the 180 days
Atlassian keeps. Every connection's baseUrl must name a host in AUDIT_COLLECT_ALLOWED_API_HOSTS
(default api.atlassian.com) or a loopback host: the API key is sent there. It also checks that the
connections' API-key references resolve here (the variable is set, the file readable and
AUDIT_COLLECT_SECRETS_DIR set for a file:). --dry-run prints what would change and changes nothing.

Each schedule belongs to the file's rule set (top-level ruleSet, default 'default'); --prune deletes
only schedules of that set whose rule the file no longer has, and says which before deleting. A
rule's runs go to the task queue the file names (the rule's taskQueue, else the file's), else
--task-queue, else AUDIT_COLLECT_TASK_QUEUE, else 'audit-collect'.

Never two live writers for one rule: before it creates a rule's schedule while a collect run of
the rule is still open (left by a deleted schedule), or deletes one with --prune (pausing it first),
apply waits for that run to finish, or terminates it with --terminate. --wait bounds the waiting
of the whole apply; a rule whose run is still open then is 'refused' with the run named (a pruned
schedule stays paused), the other rules are applied, and apply exits 1. Backfills are not touched.`,
  args: [{ name: 'rules.yaml', description: 'the rules file (see the README)' }],
  options: {
    'dry-run': { type: 'boolean', description: 'print what would be created, updated (which fields) or deleted; change nothing' },
    prune: { type: 'boolean', description: "also delete the schedules of the file's rule set whose rules are no longer in it" },
    'task-queue': {
      type: 'string',
      value: 'QUEUE',
      description: 'the task queue of rules whose file names none (default AUDIT_COLLECT_TASK_QUEUE, else audit-collect)',
    },
    'skip-secret-check': { type: 'boolean', description: "do not check here that the connections' API-key references resolve" },
    check: { type: 'boolean', description: "first run 'audit-collect check' (on stderr); apply only if every check passes" },
    ...openRunOptions({ wait: 'how long apply waits in all for open runs of rules whose schedule it creates or deletes' }),
    json: { ...JSON_OPTION, description: 'print the outcomes as JSON' },
  },
  examples: [
    'audit-collect apply rules.yaml --dry-run',
    'audit-collect apply rules.yaml',
    'audit-collect apply rules.yaml --prune --json',
    'audit-collect apply rules.yaml --check --task-queue audit-collect-prod',
    'audit-collect apply rules.yaml --prune --terminate',
  ],
  environment: TEMPORAL_ENVIRONMENT,
  async run({ options, args }) {
    const file = args['rules.yaml'];
    const json = options.json ?? false;
    const endRuns = () => endRunsOf({ wait: options.wait, terminate: options.terminate, reason: TERMINATE_REASON, nowMs: Date.now() });
    endRuns(); // a bad --wait is a usage error before anything runs
    const rulesFile = loadRulesFile(file); // validated before any schedule is touched
    const { rules } = rulesFile;
    // Where API keys may go is checked even with --skip-secret-check.
    const problems = [...checkApiHosts({ rules }), ...(options['skip-secret-check'] ? [] : checkSecretReferences(rules))];
    if (problems.length > 0) throw new RulesError(file, problems);
    const defaultTaskQueue = process.env.AUDIT_COLLECT_TASK_QUEUE || TASK_QUEUE;
    if (options.check) {
      // On stderr, so that stdout stays apply's own output (and its --json).
      const preflight = await runChecks({ rules, taskQueue: options['task-queue'] });
      console.error(checkText(preflight, styleFor(process.stderr)));
      if (!preflight.ok) {
        console.error('audit-collect apply: a check failed; no schedule was changed.');
        return EXIT.failed;
      }
    }
    const client = await connectClient();
    const plan = await planApply({
      client,
      file: rulesFile,
      prune: options.prune ?? false,
      taskQueue: options['task-queue'],
      defaultTaskQueue,
      nowMs: Date.now(),
    });
    if (plan.problems.length > 0) throw new RulesError(file, plan.problems);
    if (plan.unlabeled.length > 0) {
      console.error(
        `audit-collect apply: --prune leaves alone ${plan.unlabeled.length} schedule${plan.unlabeled.length === 1 ? '' : 's'} that name no rule set ` +
          `(made before rule sets, or unreadable here): ${plan.unlabeled.join(', ')}. Apply their rules file once to label them, or delete them.`,
      );
    }
    if (options['dry-run']) {
      print({ json, value: planJson(plan), text: () => planText(plan) });
      return EXIT.ok;
    }
    if (plan.prune.length > 0) {
      console.error(
        `audit-collect apply: --prune deletes the schedules of ${plan.prune.length} rule${plan.prune.length === 1 ? '' : 's'} of rule set ` +
          `'${plan.ruleSet}' that ${file} no longer has: ${plan.prune.join(', ')}`,
      );
    }
    const outcomes = await applyPlan({ client, plan, end: endRuns() }); // --wait counts from here, after the checks
    print({ json, value: outcomes, text: () => applyText(outcomes) });
    const refused = outcomes.filter((o) => o.action === 'refused').length;
    if (refused === 0) return EXIT.ok;
    console.error(`audit-collect apply: ${refused} rule${refused === 1 ? '' : 's'} refused (see above); the others were applied.`);
    return EXIT.failed;
  },
});
