// No Docker engine here to build the image, so the Dockerfile is checked for the shape the README
// promises: built in one stage, run from another on current Node LTS without TypeScript, not as root.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

type Stage = { from: string; name?: string; lines: string[] };

/** The Dockerfile's stages, each with its instructions (comments dropped, continuation lines joined). */
function stages(): Stage[] {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const result: Stage[] = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const [, image, name] = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?$/i.exec(line) ?? [];
    const stage = result.at(-1);
    if (image !== undefined) result.push({ from: image, name, lines: [] });
    else if (stage) stage.lines.push(line);
    else throw new Error(`Dockerfile: '${line}' comes before the first FROM`);
  }
  return result;
}

test('the image is built in a build stage and run from a last stage, both on node:22-bookworm-slim', () => {
  const all = stages();
  const build = all.find((s) => s.name === 'build')!;
  const runtime = all.at(-1);
  expect(build).toBeDefined();
  expect(build.from).toBe('node:22-bookworm-slim');
  expect(runtime?.from).toBe('node:22-bookworm-slim');
  expect(build.lines).toContain('RUN npm ci');
  expect(build.lines).toContain('RUN AUDIT_COLLECT_BUILD_COMMIT=$REVISION npm run build');
});

test('the runtime stage has the production dependencies, dist/ and bin/, no TypeScript, and runs as node', () => {
  const runtime = stages().at(-1)!;
  const text = runtime.lines.join('\n');
  expect(runtime.lines).toContain('RUN npm ci --omit=dev && npm cache clean --force');
  expect(runtime.lines).toContain('COPY --from=build /app/dist dist/');
  expect(runtime.lines).toContain('COPY bin bin/');
  expect(text).not.toMatch(/tsx|typescript|COPY \. |src\//);
  expect(runtime.lines).toContain('USER node');
  // USER comes before the entrypoint, so the worker never runs as root.
  expect(runtime.lines.indexOf('USER node')).toBeLessThan(runtime.lines.findIndex((l) => l.startsWith('ENTRYPOINT')));
  expect(runtime.lines).toContain('ENTRYPOINT ["node", "bin/audit-collect"]');
  // On Node 22 the AWS SDK has no Node-version notice to silence.
  expect(text).not.toContain('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED');
});

test('npm ci --omit=dev leaves out tsx and typescript, and bin/audit-collect runs dist/ without them', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  for (const name of ['tsx', 'typescript']) {
    expect(pkg.dependencies[name]).toBeUndefined();
    expect(pkg.devDependencies[name]).toBeDefined();
  }
  const bin = readFileSync(join(ROOT, 'bin', 'audit-collect'), 'utf8');
  expect(bin).toContain("'dist', 'cli', 'main.js'");
  expect(bin).not.toMatch(/require\('tsx|\.ts'\)/);
});

test('.dockerignore keeps node_modules, a local dist/ and .env (API keys) out of the build context', () => {
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
  expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.env']));
});

test('.gitignore keeps .env, where Compose reads API keys from, out of git', () => {
  expect(readFileSync(join(ROOT, '.gitignore'), 'utf8').split('\n')).toContain('.env');
});
