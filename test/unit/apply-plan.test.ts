// covers: src/client/schedules/plan.ts (ruleChanges), src/client/status/text.ts (planText, planJson, applyText's changes)
import { ruleChanges, type ApplyPlan } from '../../src/client/schedules';
import { applyText, planJson, planText } from '../../src/client/status/text';
import type { RuleSpec } from '../../src/model/types';

const RULE: RuleSpec = {
  id: 'acme-audit',
  displayName: 'acme-audit',
  connection: {
    name: 'acme',
    orgId: '4c2f5d0e-9b1a-4e57-8d3c-2f6a0b7e91c4',
    apiKeyRef: 'env:ATLASSIAN_API_KEY',
    baseUrl: 'https://api.atlassian.com',
  },
  destination: { bucket: 'audit-logs', prefix: 'atlassian/audit/' },
  interval: '5m',
  startFrom: '7d',
};

test('ruleChanges names each changed field, added and removed ones included', () => {
  expect(ruleChanges({ before: RULE, after: RULE })).toEqual([]);
  const after: RuleSpec = {
    ...RULE,
    interval: '10m',
    destination: { ...RULE.destination, layout: 'hive' },
    warnNoDataAfter: '3d',
  };
  expect(ruleChanges({ before: { ...RULE, heartbeatTimeout: '30s' }, after })).toEqual([
    'destination.layout: (none) -> hive',
    'heartbeatTimeout: 30s -> (none)',
    'interval: 5m -> 10m',
    'warnNoDataAfter: (none) -> 3d',
  ]);
});

test('the dry run reads as what would happen, per rule', () => {
  const options = {} as ApplyPlan['rules'][number]['options'];
  const plan: ApplyPlan = {
    ruleSet: 'security-prod',
    rules: [
      { ruleId: 'a', action: 'unchanged', taskQueue: 'q', options, paused: false },
      { ruleId: 'b', action: 'update', changes: ['interval: 5m -> 10m', 'taskQueue: q -> r'], taskQueue: 'r', options, paused: false },
      { ruleId: 'c', action: 'create', taskQueue: 'q', options, paused: false },
    ],
    prune: ['d'],
    unlabeled: [],
    problems: [],
  };
  expect(planText(plan).split('\n')).toEqual([
    'unchanged     a',
    'would update  b: interval: 5m -> 10m; taskQueue: q -> r',
    'would create  c (task queue q, rule set security-prod)',
    'would delete  d (rule set security-prod, not in the file)',
  ]);
  expect(planJson(plan)).toEqual([
    { ruleId: 'a', action: 'unchanged', taskQueue: 'q', ruleSet: 'security-prod' },
    { ruleId: 'b', action: 'update', taskQueue: 'r', ruleSet: 'security-prod', changes: ['interval: 5m -> 10m', 'taskQueue: q -> r'] },
    { ruleId: 'c', action: 'create', taskQueue: 'q', ruleSet: 'security-prod' },
    { ruleId: 'd', action: 'delete', ruleSet: 'security-prod' },
  ]);
  expect(applyText([{ ruleId: 'b', action: 'updated', changes: ['interval: 5m -> 10m'] }])).toBe('updated   b: interval: 5m -> 10m');
});
