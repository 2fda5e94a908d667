// covers: src/client/rules.ts (expiresAt, warnNoDataAfter)
import { RulesError, parseRules } from '../../src/client/rules';

const file = (extraConnection: string, extraRule: string) => `connections:
  - name: acme
    orgId: 4c2f5d0e-9b1a-4e57-8d3c-2f6a0b7e91c4
    apiKey: env:ATLASSIAN_API_KEY
${extraConnection}
rules:
  - id: acme-audit
    connection: acme
    destination: { bucket: audit-logs, prefix: atlassian/audit/ }
${extraRule}
`;

test("a connection's expiresAt and a rule's warnNoDataAfter reach the schedule's rule (no secret)", () => {
  const rules = parseRules(file('    expiresAt: 2027-03-01', '    warnNoDataAfter: 3d'));
  expect(rules).toHaveLength(1);
  const { spec } = rules[0]!;
  expect(spec.connection.apiKeyExpiresAt).toBe('2027-03-01T00:00:00.000Z');
  expect(spec.warnNoDataAfter).toBe('3d');
  expect(spec.connection.apiKeyRef).toBe('env:ATLASSIAN_API_KEY');
});

test('without them the rule carries neither, so existing schedules stay unchanged', () => {
  const rules = parseRules(file('', ''));
  expect(rules).toHaveLength(1);
  const { spec } = rules[0]!;
  expect('apiKeyExpiresAt' in spec.connection).toBe(false);
  expect('warnNoDataAfter' in spec).toBe(false);
});

test('a bad expiresAt or warnNoDataAfter is named', () => {
  expect(() => parseRules(file('    expiresAt: next year', '    warnNoDataAfter: soon'))).toThrow(
    /rules\[0\]\.warnNoDataAfter: must be a duration/,
  );
  let error: unknown;
  try {
    parseRules(file('    expiresAt: next year', '    warnNoDataAfter: 30s'));
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(RulesError);
  expect((error as RulesError).problems).toEqual([
    'connections[0].expiresAt: must be an ISO date',
    'rules[0].warnNoDataAfter: must be at least 1m',
  ]);
});
