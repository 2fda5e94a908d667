// covers: src/cli/ (parsing, help, exit codes, error mapping)
// The command line without a Temporal server: commands and options are checked against each
// command's spec before anything connects, help is generated from the specs, and errors become
// exit codes by class.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceError } from '@temporalio/client';
import { ValueError, defaultPayloadConverter } from '@temporalio/common';
import { AesGcmCodec, EncryptionConfigError, UnknownEncryptionKeyError } from '../../src/secrets/encryption';
import { SettingsError } from '../../src/common/settings-error';
import { BackfillNotFoundError, BackfillRequestError } from '../../src/client/backfill';
import { main } from '../../src/cli/main';
import { optionFlag } from '../../src/cli/command';
import { COMMANDS } from '../../src/cli/commands';
import { TemporalConnectionError } from '../../src/temporal/connect-failure';
import { describeError } from '../../src/cli/errors';
import { EXIT, EXIT_DESCRIPTIONS } from '../../src/cli/exit-codes';
import { allCommands, usageLine } from '../../src/cli/help';
import { RulesError } from '../../src/client/rules';
import { OpenRunsError, RuleNotFoundError } from '../../src/client/schedules';
import { UsageError } from '../../src/cli/usage-error';

const ROOT = join(__dirname, '..', '..');
const EVERY_COMMAND = allCommands(COMMANDS);

/** Runs main with its output captured; a port nothing listens on makes any connection attempt exit 1, not 2. */
async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...args) => void out.push(args.join(' ')));
  const error = jest.spyOn(console, 'error').mockImplementation((...args) => void err.push(args.join(' ')));
  const previous = process.env.TEMPORAL_ADDRESS;
  process.env.TEMPORAL_ADDRESS = '127.0.0.1:1';
  try {
    const code = await main(argv);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    if (previous === undefined) delete process.env.TEMPORAL_ADDRESS;
    else process.env.TEMPORAL_ADDRESS = previous;
  }
}

describe('bad command lines exit 2 with a clear message, before anything connects', () => {
  test('an unknown command', async () => {
    const { code, stderr } = await run('frobnicate');
    expect(code).toBe(EXIT.usage);
    expect(stderr).toContain("unknown command 'frobnicate'");
    expect(stderr).not.toContain('Temporal');
  });

  test.each([
    { argv: ['list', '--reason', 'x'], says: 'unknown option --reason' },
    { argv: ['status'], says: 'needs <ruleId>' },
    { argv: ['status', 'a', 'b'], says: "unexpected argument 'b'" },
    { argv: ['pause', 'some-rule'], says: '--reason TEXT' },
    { argv: ['trigger', 'some-rule', '--wait=yes'], says: '--wait takes no value' },
    { argv: ['verify', 'some-rule', '--from'], says: '--from needs a value' },
    { argv: ['verify', 'some-rule', '--from', '--json'], says: '--from needs a value' },
    { argv: ['verify', 'some-rule', '--from', 'yesterday'], says: '--from must be an ISO date' },
    { argv: ['backfill', 'some-rule', '--from', '2026-05-01'], says: 'needs --to DATE' },
    { argv: ['backfill', 'status'], says: 'needs <backfillId>' },
    { argv: ['backfill', 'status', 'some-id', '--from', '2026-05-01'], says: "unknown option --from for 'backfill status'" },
    { argv: ['backfill', 'cancel', 'some-id', '--watch'], says: 'unknown option --watch' },
    { argv: ['resume', 'some-rule', '-x'], says: 'unknown option -x' },
    { argv: ['delete', 'some-rule', '--wait', 'soon'], says: "--wait 'soon' must be a duration such as 30s, 5m or 1h" },
    { argv: ['delete', 'some-rule', '--wait', '1m', '--terminate'], says: '--wait and --terminate exclude each other' },
    { argv: ['apply', 'rules.yaml', '--wait', '2 minutes'], says: "--wait '2 minutes' must be a duration" },
    { argv: ['help', 'frobnicate'], says: "unknown command 'frobnicate'" },
  ])('$argv', async ({ argv, says }) => {
    const { code, stderr, stdout } = await run(...argv);
    expect({ code, stderr }).toEqual({ code: EXIT.usage, stderr: expect.stringContaining(says) });
    expect(stdout).toBe('');
  });

  test("the message points to the command's help", async () => {
    expect((await run('list', '--reason', 'x')).stderr).toContain("Run 'audit-collect list --help' for usage.");
    expect((await run('backfill', 'status')).stderr).toContain("Run 'audit-collect backfill status --help' for usage.");
  });

  test('a well-formed command line does try to connect (exit 1 here, as nothing listens)', async () => {
    expect((await run('status', 'some-rule')).code).toBe(EXIT.failed);
  });
});

describe('help is generated from the specs', () => {
  test.each(EVERY_COMMAND.map((c) => ({ name: c.name, command: c })))(
    '$name --help lists every argument and option of its spec',
    async ({ name, command }) => {
      const { code, stdout } = await run(...name.split(' '), '--help');
      expect(code).toBe(EXIT.ok);
      expect(stdout).toContain(`Usage: audit-collect ${usageLine(command)}`);
      for (const arg of [...command.args, ...(command.rest ? [command.rest] : [])]) expect(stdout).toContain(`<${arg.name}>`);
      for (const [option, spec] of Object.entries(command.options)) {
        expect(stdout).toMatch(new RegExp(`^  ${escape(optionFlag(option, spec))} +${escape(spec.description)}`, 'm'));
      }
      expect(stdout).toContain('-h, --help');
      expect((await run('help', ...name.split(' '))).stdout).toBe(stdout);
    },
  );

  test('the top-level help lists every command with its summary', async () => {
    const { code, stdout } = await run('--help');
    expect(code).toBe(EXIT.ok);
    for (const command of EVERY_COMMAND)
      expect(stdout).toMatch(new RegExp(`^  ${escape(command.name)}\\b.*${escape(command.summary)}$`, 'm'));
    expect((await run('help')).stdout).toBe(stdout);
    expect(await run()).toMatchObject({ code: EXIT.usage, stdout });
  });

  test('the exit codes in every help are the EXIT table', async () => {
    const table = Object.entries(EXIT).map(([name, code]) => `  ${code}  ${EXIT_DESCRIPTIONS[name as keyof typeof EXIT]}`);
    for (const argv of [['--help'], ...EVERY_COMMAND.map((c) => [...c.name.split(' '), '--help'])]) {
      const { stdout } = await run(...argv);
      expect(stdout.slice(stdout.indexOf('Exit codes:')).split('\n')).toEqual(['Exit codes:', ...table]);
    }
  });

  test("the README's command table and exit codes match the specs", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const commandTable = readme.slice(readme.indexOf('| command | what it does |'), readme.indexOf('| code | meaning |'));
    const exitTable = readme.slice(readme.indexOf('| code | meaning |'), readme.indexOf('### Encrypted histories'));
    expect([...commandTable.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1])).toEqual(EVERY_COMMAND.map(usageLine));
    const codes = Object.entries(EXIT).map(([name, code]) => `| \`${code}\` | ${EXIT_DESCRIPTIONS[name as keyof typeof EXIT]} |`);
    expect(exitTable.split('\n').filter((line) => line.startsWith('| `'))).toEqual(codes);
  });
});

describe('errors become exit codes by class', () => {
  test.each([
    { name: 'UsageError', error: new UsageError('x'), exit: EXIT.usage },
    { name: 'RulesError', error: new RulesError('rules.yaml', ['rules[0].id: bad']), exit: EXIT.usage },
    { name: 'SettingsError', error: new SettingsError('x'), exit: EXIT.usage },
    { name: 'EncryptionConfigError', error: new EncryptionConfigError('x'), exit: EXIT.usage },
    { name: 'UnknownEncryptionKeyError', error: new UnknownEncryptionKeyError('k1', ['k2']), exit: EXIT.usage },
    { name: 'ValueError', error: new ValueError('x', undefined), exit: EXIT.usage },
    { name: 'BackfillRequestError', error: new BackfillRequestError('x'), exit: EXIT.usage },
    { name: 'RuleNotFoundError', error: new RuleNotFoundError('r'), exit: EXIT.notFound },
    {
      name: 'OpenRunsError',
      error: new OpenRunsError({ ruleId: 'r', runs: [{ workflowId: 'w', runId: 'x' }], wait: '1s' }),
      exit: EXIT.failed,
    },
    { name: 'BackfillNotFoundError', error: new BackfillNotFoundError('b'), exit: EXIT.notFound },
    {
      name: 'TemporalConnectionError',
      error: new (TemporalConnectionError as unknown as new (message: string) => Error)('x'),
      exit: EXIT.failed,
    },
    { name: 'Error', error: new Error('x'), exit: EXIT.failed },
  ])('$name -> $exit', ({ error, exit }) => {
    expect(describeError({ error }).exit).toBe(exit);
  });

  test('an encrypted payload read without a key is bad input, with the fix', async () => {
    const codec = new AesGcmCodec({ keyId: 'k1', key: randomBytes(32), oldKeys: [] });
    const encrypted = await codec.encode([defaultPayloadConverter.toPayload({ rule: 'x' })]);
    expect(encrypted).toHaveLength(1);
    let thrown: unknown;
    try {
      defaultPayloadConverter.fromPayload(encrypted[0]!);
    } catch (error) {
      thrown = error;
    }
    const { exit, text } = describeError({ error: thrown });
    expect(exit).toBe(EXIT.usage);
    expect(text).toContain('set AUDIT_COLLECT_ENCRYPTION_KEY');
  });

  test('never by message text', () => {
    expect(describeError({ error: new Error("Unknown encoding: binary/encrypted; no schedule for rule 'x'") }).exit).toBe(EXIT.failed);
  });

  test('only an error from Temporal names the Temporal address', () => {
    const s3Refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED' });
    expect(describeError({ error: s3Refused }).text).toBe('audit-collect: connect ECONNREFUSED 127.0.0.1:9000');
    const grpc = Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
      code: 14,
      details: 'No connection established',
      metadata: {},
    });
    expect(describeError({ error: grpc }).text).toMatch(/^audit-collect: 14 UNAVAILABLE: No connection established \(Temporal at .+\)$/);
    const wrapped = new ServiceError('Failed to describe schedule', { cause: grpc });
    expect(describeError({ error: wrapped }).text).toMatch(/^audit-collect: Failed to describe schedule \(Temporal at .+\)$/);
  });

  test('the messages say what to do next', () => {
    expect(describeError({ error: new RulesError('rules.yaml', ['bad']) }).text).toContain('No schedule was changed.');
    expect(describeError({ error: new BackfillRequestError('bad') }).text).toBe(
      "audit-collect backfill: bad\nNothing was started. Run 'audit-collect backfill --help' for usage.",
    );
  });
});

test('cli.ts only exports main; bin/audit-collect runs it and exits with its code', async () => {
  const log = jest.spyOn(console, 'log');
  await jest.isolateModulesAsync(async () => {
    await import('../../src/cli/main');
  });
  expect(log).not.toHaveBeenCalled();
  log.mockRestore();
  const child = spawnSync(process.execPath, [join(ROOT, 'bin', 'audit-collect'), 'list', '--reason', 'x'], {
    encoding: 'utf8',
    env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1' },
  });
  expect(child.status).toBe(EXIT.usage);
  expect(child.stderr).toContain('unknown option --reason');
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
