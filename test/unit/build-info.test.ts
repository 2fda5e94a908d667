// covers: src/common/build-info.ts, src/worker/build-info-metric.ts, `audit-collect --version`, the image's labels
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UNKNOWN_COMMIT, buildCommit, readBuildInfo } from '../../src/common/build-info';
import { buildInfoMetricText } from '../../src/worker/build-info-metric';
import { main } from '../../src/cli/main';
import { EXIT } from '../../src/cli/exit-codes';

const ROOT = join(__dirname, '..', '..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

test('the build info is read from the file npm run build writes, else the package version and an unknown commit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-collect-build-'));
  const file = join(dir, 'build-info.json');
  writeFileSync(file, JSON.stringify({ version: '9.9.9', commit: 'abc123' }));
  expect(readBuildInfo(file)).toEqual({ version: '9.9.9', commit: 'abc123' });
  expect(readBuildInfo(join(dir, 'missing.json'))).toEqual({ version: VERSION, commit: UNKNOWN_COMMIT });
  // Run from the sources: no build file next to them.
  expect(readBuildInfo()).toEqual({ version: VERSION, commit: 'unknown' });
});

test('the commit is AUDIT_COLLECT_BUILD_COMMIT when given (the Dockerfile passes it), else git', () => {
  expect(buildCommit({ AUDIT_COLLECT_BUILD_COMMIT: ' 0123abc ' })).toBe('0123abc');
  expect(buildCommit({})).toMatch(/^([0-9a-f]{40}|unknown)$/);
});

test('--version prints the version and the commit; bin/audit-collect prints the ones dist/ was built from', async () => {
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    expect(await main(['--version'])).toBe(EXIT.ok);
    expect(log).toHaveBeenCalledWith(`audit-collect ${VERSION} (commit unknown)`);
  } finally {
    log.mockRestore();
  }
  const child = spawnSync(process.execPath, [join(ROOT, 'bin', 'audit-collect'), '--version'], { encoding: 'utf8' });
  expect(child.status).toBe(EXIT.ok);
  const built = JSON.parse(readFileSync(join(ROOT, 'dist', 'build-info.json'), 'utf8')) as { version: string; commit: string };
  expect(built.version).toBe(VERSION);
  expect(child.stdout).toBe(`audit-collect ${VERSION} (commit ${built.commit})\n`);
});

test('the audit_collect_build_info gauge', () => {
  expect(buildInfoMetricText({ version: '0.2.0', commit: 'a"b' })).toBe(
    [
      '# HELP audit_collect_build_info The version and git commit of the audit-collect build this worker runs (always 1)',
      '# TYPE audit_collect_build_info gauge',
      'audit_collect_build_info{version="0.2.0",commit="a\\"b"} 1',
      '',
    ].join('\n'),
  );
});

test("the image is labelled with the package's version and the revision given at build time", () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  expect(runtime).toContain(`ARG VERSION=${VERSION}`);
  expect(runtime).toContain('ARG REVISION=unknown');
  expect(runtime).toMatch(/org\.opencontainers\.image\.version=\$VERSION/);
  expect(runtime).toMatch(/org\.opencontainers\.image\.revision=\$REVISION/);
});
