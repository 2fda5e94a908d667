import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_BASE_URL,
  RulesError,
  checkApiHosts,
  checkSecretReferences,
  parseRules,
  parseRulesFile,
  startFromRetentionProblem,
} from '../../src/client/rules';

const ORG = '4c2f5d0e-9b1a-4e57-8d3c-2f6a0b7e91c4';

/** The example from the README. */
const EXAMPLE = `
connections:
  - name: acme
    orgId: ${ORG}
    apiKey: env:ATLASSIAN_API_KEY        # or file:/run/secrets/atlassian; never the key itself
    baseUrl: https://api.atlassian.com   # optional (this is the default)
rules:
  - id: acme-audit                       # lowercase letters, digits, hyphens
    displayName: my-org-atlassian-audit  # optional, defaults to the id
    connection: acme
    destination:
      bucket: audit-logs
      prefix: atlassian/audit/
      layout: hourly                     # optional: hourly (<prefix>YYYY/MM/DD/HH/, the default) or hive (<prefix>dt=YYYY-MM-DD/hour=HH/)
    interval: 5m                         # optional, default 5m, at least 1m
    startFrom: 7d                        # optional
    paused: false                        # optional
`;

interface Overrides {
  connection?: string;
  rule?: string;
  bucket?: string;
  prefix?: string;
  extraConnections?: string;
  extraRules?: string;
}

/** A minimal valid file; each override adds or replaces lines to break one thing. */
function file(o: Overrides = {}): string {
  return `
connections:
  - name: acme
    orgId: ${ORG}
    apiKey: env:ATLASSIAN_API_KEY
${o.connection ?? ''}
${o.extraConnections ?? ''}
rules:
  - id: acme-audit
    connection: acme
    destination:
      bucket: ${JSON.stringify(o.bucket ?? 'audit-logs')}
      prefix: ${JSON.stringify(o.prefix ?? 'atlassian/audit/')}
${o.rule ?? ''}
${o.extraRules ?? ''}
`;
}

/** The one rule `text` defines; the test fails unless there is exactly one. */
function onlyRule(text: string) {
  const rules = parseRules(text);
  expect(rules).toHaveLength(1);
  return rules[0]!;
}

function problemsOf(text: string): { error: RulesError; problems: string[] } {
  try {
    parseRules(text, 'rules.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(RulesError);
    const e = error as RulesError;
    expect(e.file).toBe('rules.yaml');
    for (const p of e.problems) expect(e.message).toContain(p);
    return { error: e, problems: e.problems };
  }
  throw new Error('expected a RulesError');
}

/** Asserts that a problem names `path` and says `what`, in both the problems list and the message. */
function expectProblem(text: string, path: string, what?: string | RegExp): RulesError {
  const { error, problems } = problemsOf(text);
  const hit = problems.find((p) => p.startsWith(`${path}: `));
  expect({ path, hit, problems }).toEqual(expect.objectContaining({ hit: expect.any(String) }));
  if (what instanceof RegExp) expect(hit).toMatch(what);
  else if (what) expect(hit).toContain(what);
  expect(error.message).toContain(`${path}: `);
  return error;
}

describe('parseRules: valid files', () => {
  it('parses the README example', () => {
    expect(parseRules(EXAMPLE)).toEqual([
      {
        paused: false,
        spec: {
          id: 'acme-audit',
          displayName: 'my-org-atlassian-audit',
          connection: { name: 'acme', orgId: ORG, apiKeyRef: 'env:ATLASSIAN_API_KEY', baseUrl: 'https://api.atlassian.com' },
          destination: { bucket: 'audit-logs', prefix: 'atlassian/audit/' },
          interval: '5m',
          startFrom: '7d',
        },
      },
    ]);
  });

  it('fills in the defaults', () => {
    const rule = onlyRule(file());
    expect(DEFAULT_BASE_URL).toBe('https://api.atlassian.com');
    expect(rule.paused).toBe(false);
    expect(rule.spec.interval).toBe('5m');
    expect(rule.spec.startFrom).toBe('7d');
    expect(rule.spec.displayName).toBe('acme-audit');
    expect(rule.spec.connection.baseUrl).toBe('https://api.atlassian.com');
  });

  it('keeps explicit values, a file: key reference, lowercases the org ID and trims the base URL', () => {
    const text = file({ rule: '    interval: 1h\n    startFrom: 180d\n    paused: true' })
      .replace(ORG, ORG.toUpperCase())
      .replace('env:ATLASSIAN_API_KEY', 'file:/run/secrets/atlassian\n    baseUrl: http://127.0.0.1:8080/');
    const rule = onlyRule(text);
    expect(rule.paused).toBe(true);
    expect(rule.spec.interval).toBe('1h');
    expect(rule.spec.startFrom).toBe('180d');
    expect(rule.spec.connection).toEqual({
      name: 'acme',
      orgId: ORG,
      apiKeyRef: 'file:/run/secrets/atlassian',
      baseUrl: 'http://127.0.0.1:8080',
    });
  });

  it('takes a destination layout: hive is kept, hourly (the default) is left out of the spec', () => {
    const withLayout = (layout: string) =>
      onlyRule(file().replace('      prefix:', `      layout: ${layout}\n      prefix:`)).spec.destination;
    expect(withLayout('hive')).toEqual({ bucket: 'audit-logs', prefix: 'atlassian/audit/', layout: 'hive' });
    // Naming the default changes no schedule that was applied before layouts existed.
    expect(withLayout('hourly')).toEqual({ bucket: 'audit-logs', prefix: 'atlassian/audit/' });
    expect(withLayout('hourly')).toEqual(onlyRule(file()).spec.destination);
    const flow = onlyRule(
      file()
        .replace('    destination:\n', '    destination: { bucket: b-1, prefix: p/, layout: hive }\n')
        .replace(/      bucket: .*\n      prefix: .*\n/, ''),
    );
    expect(flow.spec.destination).toEqual({ bucket: 'b-1', prefix: 'p/', layout: 'hive' });
  });

  it('lets several rules share a connection', () => {
    const rules = parseRules(
      file({ extraRules: '  - id: second\n    connection: acme\n    destination: { bucket: other-bucket, prefix: x/ }' }),
    );
    expect(rules.map((r) => r.spec.id)).toEqual(['acme-audit', 'second']);
  });
});

describe('parseRules: every bad field is named', () => {
  it('a bad orgId', () => {
    expectProblem(file().replace(ORG, 'acme-corp'), 'connections[0].orgId', 'UUID');
  });

  it('an API key given as a literal value, without repeating it', () => {
    const literal = 'ATCTT3xFfGN0abcdefSECRET123';
    const error = expectProblem(file().replace('env:ATLASSIAN_API_KEY', literal), 'connections[0].apiKey', 'never the key itself');
    expect(error.message).not.toContain(literal);
    expect(error.problems.join('\n')).not.toContain(literal);
  });

  it('an unknown connection', () => {
    expectProblem(file().replace('connection: acme', 'connection: globex'), 'rules[0].connection', "unknown connection 'globex'");
  });

  it('a duplicate rule id', () => {
    const text = file({ extraRules: '  - id: acme-audit\n    connection: acme\n    destination: { bucket: audit-logs, prefix: other/ }' });
    expectProblem(text, 'rules[1].id', "duplicate rule id 'acme-audit'");
  });

  it('a duplicate connection name', () => {
    const text = file({ extraConnections: `  - name: acme\n    orgId: ${ORG}\n    apiKey: env:OTHER` });
    expectProblem(text, 'connections[1].name', "duplicate connection name 'acme'");
  });

  it.each(['Audit-Logs', 'audit_logs', 'ab', '192.168.1.10', 'a'.repeat(64), 'audit..logs', '-audit'])('bucket %j', (bucket) => {
    expectProblem(file({ bucket }), 'rules[0].destination.bucket', 'valid S3 bucket name');
  });

  it.each([
    ['/atlassian/audit/', 'must not start with /'],
    ['atlassian/../audit/', 'must not contain . or .. segments'],
    ['atlassian/audit', 'must end with /'],
    ['_audit-collect/', 'must not be under _audit-collect/'],
    ['_audit-collect/state/', 'must not be under _audit-collect/'],
    ['atlassian//audit/', '//'],
  ])('prefix %j', (prefix, what) => {
    expectProblem(file({ prefix }), 'rules[0].destination.prefix', what);
  });

  it.each(['http://api.atlassian.com', 'http://simulator:8900', 'http://10.0.0.5:8080', 'http://localhost.example.com', 'ftp://127.0.0.1'])(
    'baseUrl %j (the key would travel in clear)',
    (baseUrl) => {
      expectProblem(file({ connection: `    baseUrl: ${baseUrl}` }), 'connections[0].baseUrl', /must start with https:\/\/.*loopback/);
    },
  );

  it.each(['https://api.atlassian.com', 'http://127.0.0.1:8080', 'http://localhost:8900', 'http://[::1]:8900'])(
    'accepts baseUrl %j',
    (baseUrl) => {
      expect(onlyRule(file({ connection: `    baseUrl: ${baseUrl}` })).spec.connection.baseUrl).toBe(baseUrl);
    },
  );

  it.each(['daily', 'Hive', 'HOURLY', '""', '1', 'null', '[hive]'])('a layout %s', (layout) => {
    const text = file().replace('      prefix:', `      layout: ${layout}\n      prefix:`);
    expectProblem(text, 'rules[0].destination.layout', 'must be hourly (<prefix>YYYY/MM/DD/HH/) or hive (<prefix>dt=YYYY-MM-DD/hour=HH/)');
  });

  it('a layout given on the rule instead of its destination', () => {
    expectProblem(file({ rule: '    layout: hive' }), 'rules[0]', 'layout');
  });

  it('an interval under 1m', () => {
    expectProblem(file({ rule: '    interval: 30s' }), 'rules[0].interval', 'at least 1m');
  });

  it('a malformed interval', () => {
    expectProblem(file({ rule: '    interval: 5 minutes' }), 'rules[0].interval', 'must be a duration');
  });

  it('a startFrom in the future', () => {
    const future = new Date(Date.now() + 2 * 86_400_000).toISOString();
    expectProblem(file({ rule: `    startFrom: "${future}"` }), 'rules[0].startFrom', 'future');
  });

  it('a malformed startFrom', () => {
    expectProblem(file({ rule: '    startFrom: last week' }), 'rules[0].startFrom', 'must be a duration back from now');
  });

  it('an unknown key (strict objects), naming the key', () => {
    expectProblem(file({ rule: '    intervall: 5m' }), 'rules[0]', 'intervall');
    expectProblem(file({ connection: '    apikey: env:X' }), 'connections[0]', 'apikey');
    expectProblem(file() + 'extra: 1\n', '(top level)', 'extra');
  });

  it('malformed YAML', () => {
    const { problems } = problemsOf('connections: [\n  - name: acme\nrules: {');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.startsWith('YAML: '))).toBe(true);
    expect(problems.every((p) => !p.includes('\n'))).toBe(true);
  });

  it('an empty file', () => {
    problemsOf('');
  });

  it('reports many errors in one file together', () => {
    const text = file({
      bucket: 'Bad_Bucket',
      prefix: '/no-trailing-slash',
      rule: '    interval: 30s\n    startFrom: last week\n    intervall: 5m',
      extraRules: '  - id: acme-audit\n    connection: globex\n    destination: { bucket: audit-logs, prefix: x/ }',
    }).replace(ORG, 'not-a-uuid');
    const { error, problems } = problemsOf(text);
    const paths = [
      'connections[0].orgId',
      'rules[0].destination.bucket',
      'rules[0].destination.prefix',
      'rules[0].interval',
      'rules[0].startFrom',
      'rules[0]',
      'rules[1].id',
      'rules[1].connection',
    ];
    for (const path of paths) expect(problems.some((p) => p.startsWith(`${path}: `))).toBe(true);
    expect(error.message).toMatch(new RegExp(`^rules\\.yaml has ${problems.length} problems:`));
  });
});

describe('startFrom and the 180 days Atlassian keeps (issue 20)', () => {
  const NOW = Date.now();
  const daysAgo = (days: number) => new Date(NOW - days * 86_400_000).toISOString().slice(0, 10);
  const ruleFrom = (startFrom: string) => onlyRule(file({ rule: `    startFrom: "${startFrom}"` }));

  it('a file whose ISO startFrom has left the window still parses: an existing rule resumes from its runs', () => {
    expect(ruleFrom(daysAgo(200)).spec.startFrom).toBe(daysAgo(200));
    expect(ruleFrom('200d').spec.startFrom).toBe('200d');
  });

  it('is a problem for a rule apply would create, naming the field', () => {
    expect(startFromRetentionProblem({ def: ruleFrom(daysAgo(200)), index: 2, nowMs: NOW })).toBe(
      `rules[2].startFrom: must be within the 180 days Atlassian keeps (${daysAgo(200)}; checked for a rule whose schedule does not exist yet)`,
    );
    expect(startFromRetentionProblem({ def: ruleFrom('200d'), index: 0, nowMs: NOW })).toMatch(/^rules\[0\]\.startFrom: must be within/);
  });

  it('is no problem within the window', () => {
    expect(startFromRetentionProblem({ def: ruleFrom(daysAgo(170)), index: 0, nowMs: NOW })).toBeUndefined();
    expect(startFromRetentionProblem({ def: ruleFrom('180d'), index: 0, nowMs: NOW })).toBeUndefined();
  });
});

describe('overlapping destinations on one org are refused (issue 20)', () => {
  const second = (dest: string, connection = 'acme') => `  - id: acme-copy\n    connection: ${connection}\n    destination: ${dest}`;
  const OTHER_ORG = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

  it.each([
    ['the same bucket and prefix', '{ bucket: audit-logs, prefix: atlassian/audit/ }', 'the same prefix'],
    [
      'a prefix inside the other',
      '{ bucket: audit-logs, prefix: atlassian/audit/jira/ }',
      'one prefix inside the other (atlassian/audit/ holds both)',
    ],
    ['a prefix around the other', '{ bucket: audit-logs, prefix: atlassian/ }', 'one prefix inside the other (atlassian/ holds both)'],
  ])('%s, naming both rule ids', (_name, dest, how) => {
    const { problems } = problemsOf(file({ extraRules: second(dest) }));
    expect(problems).toEqual([
      expect.stringMatching(/^rules\[1\]\.destination: rules 'acme-audit' \(rules\[0\]\) and 'acme-copy' both collect org /),
    ]);
    expect(problems[0]).toContain(how);
    expect(problems[0]).toContain('stored twice');
  });

  it('also through two connections to the same org', () => {
    const twin = `  - name: acme-twin\n    orgId: ${ORG.toUpperCase()}\n    apiKey: env:ATLASSIAN_API_KEY`;
    const { problems } = problemsOf(
      file({ extraConnections: twin, extraRules: second('{ bucket: audit-logs, prefix: atlassian/audit/ }', 'acme-twin') }),
    );
    expect(problems).toHaveLength(1);
  });

  it('sibling prefixes, another bucket or another org are fine', () => {
    expect(parseRules(file({ extraRules: second('{ bucket: audit-logs, prefix: atlassian/audit-copy/ }') }))).toHaveLength(2);
    expect(parseRules(file({ extraRules: second('{ bucket: other-bucket, prefix: atlassian/audit/ }') }))).toHaveLength(2);
    const other = `  - name: globex\n    orgId: ${OTHER_ORG}\n    apiKey: env:ATLASSIAN_API_KEY`;
    expect(
      parseRules(file({ extraConnections: other, extraRules: second('{ bucket: audit-logs, prefix: atlassian/audit/ }', 'globex') })),
    ).toHaveLength(2);
  });
});

describe('rule set and task queue (issue 20)', () => {
  it('default to the rule set default and no task queue of the file', () => {
    const parsed = parseRulesFile(file());
    expect(parsed.ruleSet).toBe('default');
    expect(parsed.rules[0]!.taskQueue).toBeUndefined();
  });

  it("are read from the top level; a rule's own taskQueue wins", () => {
    const text = `ruleSet: security-prod\ntaskQueue: audit-collect-prod\n${file({
      extraRules:
        '  - id: second\n    connection: acme\n    taskQueue: audit-collect-eu\n    destination: { bucket: other-bucket, prefix: x/ }',
    })}`;
    const parsed = parseRulesFile(text);
    expect(parsed.ruleSet).toBe('security-prod');
    expect(parsed.rules.map((r) => r.taskQueue)).toEqual(['audit-collect-prod', 'audit-collect-eu']);
  });

  it('bad names are named', () => {
    expectProblem(`ruleSet: Security Prod\n${file()}`, 'ruleSet', 'lowercase letters');
    expectProblem(`taskQueue: "two words"\n${file()}`, 'taskQueue', 'task queue name');
    expectProblem(file({ rule: '    taskQueue: ""' }), 'rules[0].taskQueue', 'task queue name');
  });
});

describe('checkSecretReferences', () => {
  const withKey = (ref: string) => parseRules(file().replace('env:ATLASSIAN_API_KEY', ref));

  it('accepts a set variable that matches the worker pattern', () => {
    expect(checkSecretReferences(withKey('env:ATLASSIAN_API_KEY'), { ATLASSIAN_API_KEY: 'k' })).toEqual([]);
  });

  it('names a variable outside the default pattern ^ATLASSIAN_, and the fix', () => {
    const [problem] = checkSecretReferences(withKey('env:AWS_SECRET_ACCESS_KEY'), { AWS_SECRET_ACCESS_KEY: 'secret-value' });
    expect(problem).toMatch(
      /env:AWS_SECRET_ACCESS_KEY: the worker resolves only variables matching AUDIT_COLLECT_SECRET_ENV_PATTERN \(\^ATLASSIAN_\); rename/,
    );
    expect(problem).not.toContain('secret-value');
  });

  it('follows AUDIT_COLLECT_SECRET_ENV_PATTERN when set here', () => {
    expect(checkSecretReferences(withKey('env:ACME_KEY'), { ACME_KEY: 'k', AUDIT_COLLECT_SECRET_ENV_PATTERN: '^ACME_' })).toEqual([]);
  });

  it('names an unset variable', () => {
    expect(checkSecretReferences(withKey('env:ATLASSIAN_API_KEY'), {})).toEqual([expect.stringMatching(/ATLASSIAN_API_KEY is not set/)]);
  });

  describe('file: references', () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-collect-rules-'));
    const keyFile = join(dir, 'atlassian');
    writeFileSync(keyFile, 'k\n');

    it('accept a readable file with AUDIT_COLLECT_SECRETS_DIR set', () => {
      expect(checkSecretReferences(withKey(`file:${keyFile}`), { AUDIT_COLLECT_SECRETS_DIR: dir })).toEqual([]);
    });

    it('need AUDIT_COLLECT_SECRETS_DIR, as the worker does', () => {
      expect(checkSecretReferences(withKey(`file:${keyFile}`), {})).toEqual([
        `connection 'acme': apiKey file:${keyFile}: the worker resolves file: references only inside AUDIT_COLLECT_SECRETS_DIR, which is not set here; ` +
          "set it (here and on the worker) to the directory that holds the key file, or pass --skip-secret-check when applying from a host other than the worker's",
      ]);
    });

    it('name a missing file', () => {
      expect(checkSecretReferences(withKey(`file:${dir}/missing`), { AUDIT_COLLECT_SECRETS_DIR: dir })).toEqual([
        expect.stringMatching(/the file does not exist or is not readable/),
      ]);
    });
  });
});

describe('checkApiHosts', () => {
  const withBaseUrl = (baseUrl: string) => parseRules(file({ connection: `    baseUrl: ${baseUrl}` }));

  it.each(['https://api.atlassian.com', 'http://127.0.0.1:8900', 'https://localhost:8443'])('accepts %s by default', (baseUrl) => {
    expect(checkApiHosts({ rules: withBaseUrl(baseUrl), env: {} })).toEqual([]);
  });

  it('names the connection, the host and the variable for a host outside the list', () => {
    expect(checkApiHosts({ rules: withBaseUrl('https://evil.example/x'), env: {} })).toEqual([
      "connection 'acme': baseUrl https://evil.example: the API key is sent only to a host in AUDIT_COLLECT_ALLOWED_API_HOSTS (api.atlassian.com) " +
        "or to a loopback host, and evil.example is neither. Fix the connection's baseUrl, or add evil.example to AUDIT_COLLECT_ALLOWED_API_HOSTS on the worker and where apply runs.",
    ]);
  });

  it('follows AUDIT_COLLECT_ALLOWED_API_HOSTS when set here', () => {
    const env = { AUDIT_COLLECT_ALLOWED_API_HOSTS: 'api.atlassian.com,evil.example' };
    expect(checkApiHosts({ rules: withBaseUrl('https://evil.example'), env })).toEqual([]);
    expect(checkApiHosts({ rules: withBaseUrl('https://other.example'), env })).toEqual([
      expect.stringContaining('other.example is neither'),
    ]);
  });

  it('names a bad AUDIT_COLLECT_ALLOWED_API_HOSTS', () => {
    expect(checkApiHosts({ rules: withBaseUrl('https://api.atlassian.com'), env: { AUDIT_COLLECT_ALLOWED_API_HOSTS: '*' } })).toEqual([
      expect.stringMatching(/^AUDIT_COLLECT_ALLOWED_API_HOSTS must be comma-separated host names/),
    ]);
  });
});

describe('site connections (source: jira-site or confluence-site)', () => {
  const site = (lines: string) => `
connections:
  - name: acme-jira
${lines}
rules:
  - id: acme-jira-audit
    connection: acme-jira
    destination: { bucket: audit-logs, prefix: jira/ }
`;
  const JIRA =
    '    source: jira-site\n    baseUrl: https://acme.atlassian.net/\n    email: admin@acme.example\n    apiToken: env:ATLASSIAN_JIRA_TOKEN';

  it('parses a Jira site: the site host names it, the token is a reference', () => {
    expect(onlyRule(site(JIRA)).spec.connection).toEqual({
      name: 'acme-jira',
      source: 'jira-site',
      orgId: 'acme.atlassian.net',
      apiKeyRef: 'env:ATLASSIAN_JIRA_TOKEN',
      baseUrl: 'https://acme.atlassian.net',
      email: 'admin@acme.example',
    });
  });

  it('parses a Confluence site through the gateway a scoped token needs', () => {
    const text = site(
      '    source: confluence-site\n    baseUrl: https://api.atlassian.com/ex/confluence/5e1f\n    email: a@acme.example\n    apiToken: file:/run/secrets/confluence',
    );
    expect(onlyRule(text).spec.connection).toMatchObject({ source: 'confluence-site', orgId: 'api.atlassian.com/ex/confluence/5e1f' });
  });

  it('an org connection keeps its shape (no source field): its schedule is unchanged', () => {
    expect(Object.keys(onlyRule(file()).spec.connection)).toEqual(['name', 'orgId', 'apiKeyRef', 'baseUrl']);
  });

  it('names what a site connection lacks or must not have', () => {
    const { problems } = problemsOf(site(`    source: jira-site\n    orgId: ${ORG}\n    apiKey: env:ATLASSIAN_X`));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^connections\[0\]\.baseUrl: Required for a site connection/),
        expect.stringMatching(/^connections\[0\]\.email: Required for a site connection/),
        expect.stringMatching(/^connections\[0\]\.apiToken: Required for a site connection/),
        expect.stringMatching(/^connections\[0\]\.orgId: not for a site connection/),
        expect.stringMatching(/^connections\[0\]\.apiKey: not for a site connection/),
      ]),
    );
  });

  it('a token given as a literal value, without repeating it', () => {
    const literal = 'ATATT3xFfGF0secret-token-value';
    const error = expectProblem(
      site(JIRA.replace('env:ATLASSIAN_JIRA_TOKEN', literal)),
      'connections[0].apiToken',
      'never the token itself',
    );
    expect(error.message).not.toContain(literal);
  });

  it('a site URL with a path, and an unknown source', () => {
    expectProblem(site(JIRA.replace('atlassian.net/', 'atlassian.net/wiki')), 'connections[0].baseUrl', 'without a path');
    expectProblem(site(JIRA.replace('jira-site', 'bitbucket')), 'connections[0].source', 'must be org');
  });

  it('an org connection with a site field', () => {
    expectProblem(file({ connection: '    email: a@acme.example' }), 'connections[0].email', 'only for a site connection');
  });

  it('checkApiHosts lets a site token go to its <site>.atlassian.net, and nowhere else', () => {
    expect(checkApiHosts({ rules: parseRules(site(JIRA)), env: {} })).toEqual([]);
    expect(
      checkApiHosts({ rules: parseRules(site(JIRA.replace('acme.atlassian.net', 'acme.atlassian.net.evil.example'))), env: {} }),
    ).toEqual([
      expect.stringMatching(
        /the API token is sent only to an Atlassian site \(<site>\.atlassian\.net\).*acme\.atlassian\.net\.evil\.example is none/,
      ),
    ]);
    // An org API key never goes to a site.
    expect(checkApiHosts({ rules: parseRules(file({ connection: '    baseUrl: https://acme.atlassian.net' })), env: {} })).toEqual([
      expect.stringContaining('acme.atlassian.net is neither'),
    ]);
  });

  it('checkSecretReferences names the apiToken', () => {
    expect(checkSecretReferences(parseRules(site(JIRA)), {})).toEqual([
      expect.stringMatching(
        /^connection 'acme-jira': apiToken env:ATLASSIAN_JIRA_TOKEN: the environment variable ATLASSIAN_JIRA_TOKEN is not set/,
      ),
    ]);
  });
});
