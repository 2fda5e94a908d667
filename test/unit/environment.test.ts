// covers: src/cli/environment.ts (the configuration reference, docs/configuration.md, unknown AUDIT_COLLECT_* names)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configurationMarkdown, environmentReference, unknownVariableWarnings, workerEnvironmentHelp } from '../../src/cli/environment';
import { worker } from '../../src/cli/commands/worker';
import { EnvSchema } from '../../src/worker/config';

const ROOT = join(__dirname, '..', '..');
const names = () => environmentReference().flatMap((g) => g.variables.map((v) => v.name));

test('docs/configuration.md is what npm run docs:config writes (run it after changing a setting)', () => {
  expect(readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8')).toBe(configurationMarkdown());
});

test('every variable of the worker schema is listed once, with its default and description', () => {
  const listed = names();
  expect(new Set(listed).size).toBe(listed.length);
  for (const name of Object.keys(EnvSchema.shape)) expect(listed).toContain(name);
  const all = environmentReference().flatMap((g) => g.variables);
  expect(all.find((v) => v.name === 'AUDIT_COLLECT_SETTLE_SECONDS')).toMatchObject({ default: '60', readBy: 'worker' });
  expect(all.find((v) => v.name === 'AUDIT_COLLECT_TASK_QUEUE')).toMatchObject({ default: 'audit-collect', readBy: 'both' });
  expect(all.find((v) => v.name === 'AUDIT_COLLECT_SECRETS_DIR')?.default).toBeUndefined();
  for (const v of all) expect(v.description).not.toBe('');
});

test('every AUDIT_COLLECT_* and TEMPORAL_* name the code reads is listed', () => {
  const sources = [
    'src/worker/config.ts',
    'src/secrets/encryption.ts',
    'src/worker/cache-dir.ts',
    'src/common/build-info.ts',
    'src/temporal/config-profile.ts',
  ];
  const listed = names();
  for (const source of sources) {
    const text = readFileSync(join(ROOT, source), 'utf8');
    for (const [name] of text.matchAll(/\b(AUDIT_COLLECT|TEMPORAL)_[A-Z_]+[A-Z]\b/g)) {
      if (name === 'AUDIT_COLLECT_PAGES_PER_BATCH') continue; // renamed: an error, not a setting
      expect({ name, listed: listed.includes(name) }).toEqual({ name, listed: true });
    }
  }
});

test('an unknown AUDIT_COLLECT_* name is warned about, with the closest known name', () => {
  expect(
    unknownVariableWarnings({
      AUDIT_COLLECT_PAGE_LIMT: '100',
      AUDIT_COLLECT_SETTLE_SECOND: '0',
      AUDIT_COLLECT_PAGE_LIMIT: '100',
      HOME: '/root',
    }),
  ).toEqual([
    'audit-collect worker: warning: AUDIT_COLLECT_PAGE_LIMT is not a setting audit-collect reads, so it is ignored; did you mean AUDIT_COLLECT_PAGE_LIMIT? (every setting: docs/configuration.md)',
    'audit-collect worker: warning: AUDIT_COLLECT_SETTLE_SECOND is not a setting audit-collect reads, so it is ignored; did you mean AUDIT_COLLECT_SETTLE_SECONDS? (every setting: docs/configuration.md)',
  ]);
  expect(unknownVariableWarnings({ AUDIT_COLLECT_ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ: '1' })).toEqual([
    'audit-collect worker: warning: AUDIT_COLLECT_ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ is not a setting audit-collect reads, so it is ignored (every setting: docs/configuration.md)',
  ]);
  // Known names, and the renamed one (an error of its own), are not warned about.
  expect(
    unknownVariableWarnings({ AUDIT_COLLECT_ENCRYPTION_KEY: 'x', AUDIT_COLLECT_CACHE: '/tmp', AUDIT_COLLECT_PAGES_PER_BATCH: '5' }),
  ).toEqual([]);
});

test('worker --help lists every variable the worker reads and points at docs/configuration.md', () => {
  expect(worker.environment).toBe(workerEnvironmentHelp());
  const help = workerEnvironmentHelp();
  expect(help).toContain('docs/configuration.md');
  for (const v of environmentReference().flatMap((g) => g.variables)) {
    if (v.readBy === 'worker' || v.readBy === 'both') expect(help).toMatch(new RegExp(`^  ${v.name.replace(/[<>*]/g, '\\$&')}( |$)`, 'm'));
  }
  expect(help).toMatch(/^ {2}AUDIT_COLLECT_SETTLE_SECONDS +default 60$/m);
});
