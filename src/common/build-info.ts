// The version and commit a build came from: `npm run build` writes them into dist/build-info.json
// (the commit from AUDIT_COLLECT_BUILD_COMMIT, which the Dockerfile passes because .git is not in
// its build context, else from git); `audit-collect --version` and the worker's
// audit_collect_build_info metric read them. Run from the sources, the commit is 'unknown'.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BuildInfo {
  version: string;
  commit: string;
}

/** dist/build-info.json from dist/common/; from src/common/ a file that does not exist. */
const BUILD_INFO_FILE = join(__dirname, '..', 'build-info.json');
const ROOT = join(__dirname, '..', '..');
export const UNKNOWN_COMMIT = 'unknown';

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function readBuildInfo(file = BUILD_INFO_FILE): BuildInfo {
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as Partial<BuildInfo>;
    return { version: info.version || packageVersion(), commit: info.commit || UNKNOWN_COMMIT };
  } catch {
    return { version: packageVersion(), commit: UNKNOWN_COMMIT };
  }
}

/** The commit to record: AUDIT_COLLECT_BUILD_COMMIT, else git's HEAD, else 'unknown'. */
export function buildCommit(env: NodeJS.ProcessEnv = process.env): string {
  const given = env.AUDIT_COLLECT_BUILD_COMMIT?.trim();
  if (given) return given;
  try {
    return (
      execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() ||
      UNKNOWN_COMMIT
    );
  } catch {
    return UNKNOWN_COMMIT;
  }
}

if (require.main === module && process.argv[2] === '--write') {
  const info: BuildInfo = { version: packageVersion(), commit: buildCommit() };
  writeFileSync(BUILD_INFO_FILE, JSON.stringify(info, null, 2) + '\n');
  console.log(`recorded the build: audit-collect ${info.version}, commit ${info.commit}`);
}
