// The lint rules that guard the design do what they say: the workflow sandbox rule (no Node
// built-ins and no value imports of I/O modules in workflow code and the model bundled with it)
// and src/ never importing dev/. `npm run lint` applies them to the tree.
import path from 'node:path';
import { ESLint, type Linter } from 'eslint';

const ROOT = path.resolve(__dirname, '../..');
// The project's own config, passed as an object (jest cannot load config files by dynamic import).
// These rules need no type information, so the probes need not be files of the project.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const config = require('../../eslint.config.js') as Linter.Config[];
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfigFile: true,
  overrideConfig: [
    ...config,
    {
      languageOptions: { parserOptions: { projectService: false, project: null } },
      rules: { '@typescript-eslint/no-floating-promises': 'off', 'import-x/no-cycle': 'off' },
    },
  ],
});

async function restrictedImports(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(ROOT, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

describe('the workflow sandbox rule', () => {
  it.each([
    `import { createHash } from 'node:crypto';`,
    `import { join } from 'path';`,
    `import * as zlib from 'zlib';`,
    `import { retryDelayMs } from '../atlassian/retry-delay';`,
    `import { configFailure } from '../common/failures';`,
    `import { connectTemporal } from '../temporal/connect';`,
    `import { createSecretResolver } from '../secrets/api-keys';`,
    `import { main } from '../cli/main';`,
    `import { objectKey } from '../storage/keys';`,
    `import { createActivities } from '../activities';`,
    `import '../worker/worker';`,
    `export { loadRules } from '../client/rules';`,
    `import { startSimulator } from '../../dev/simulator/server';`,
  ])('flags %s in src/workflows and src/model', async (source) => {
    expect(await restrictedImports('src/workflows/probe.ts', source)).toHaveLength(1);
    expect(await restrictedImports('src/model/probe.ts', source.replace("'../activities'", "'../activities/index'"))).toHaveLength(1);
  });

  it.each([
    `import type { Activities } from '../activities';`,
    `import type { Pacer } from '../atlassian/pacer';`,
    `import { type RuleDefinition } from '../client/rules';`,
    `import { proxyActivities } from '@temporalio/workflow';`,
    `import { defineSearchAttributeKey } from '@temporalio/common';`,
    `import { stateAfter } from '../model/state';`,
  ])('does not flag %s', async (source) => {
    expect(await restrictedImports('src/workflows/probe.ts', source)).toEqual([]);
  });

  it('allows activities and the worker their I/O', async () => {
    expect(
      await restrictedImports(
        'src/activities/probe.ts',
        `import { readFileSync } from 'node:fs';\nimport { objectKey } from '../storage/keys';`,
      ),
    ).toEqual([]);
  });
});

test('nothing in src/ imports dev/', async () => {
  const messages = await restrictedImports('src/worker/probe.ts', `import { cacheDir } from '../../dev/infra/binaries';`);
  expect(messages).toEqual([expect.stringContaining('src/ never imports dev/')]);
  expect(await restrictedImports('dev/probe.ts', `import { objectKey } from '../src/storage/keys';`)).toEqual([]);
});
