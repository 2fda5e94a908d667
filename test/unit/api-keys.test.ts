// covers: src/secrets/api-keys.ts, src/worker/config.ts (the secret settings)
// The worker's secret resolver: which env: and file: references it resolves, and to which baseUrls
// it will send the key. A refusal is a needs-a-human failure that names the fix, never a value.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../src/common/failures';
import { apiBaseUrlProblem, createSecretResolver, parseAllowedApiHosts } from '../../src/secrets/api-keys';
import { SettingsError } from '../../src/common/settings-error';
import { readWorkerConfig } from '../../src/worker/config';
import type { ConnectionSpec } from '../../src/model/types';

const KEY = 'atlassian-key-7c1e0f';
const AWS_SECRET = 'aws-secret-9d2b44';
const env = { ATLASSIAN_API_KEY: KEY, AWS_SECRET_ACCESS_KEY: AWS_SECRET, OTHER_KEY: AWS_SECRET };

function connection(overrides: Partial<ConnectionSpec> = {}): ConnectionSpec {
  return { name: 'acme', orgId: 'org', apiKeyRef: 'env:ATLASSIAN_API_KEY', baseUrl: 'https://api.atlassian.com', ...overrides };
}

/** The needs-a-human failure that resolving throws. */
function refusal(resolve: () => string): ApplicationFailure {
  try {
    resolve();
  } catch (error) {
    expect(error).toBeInstanceOf(ApplicationFailure);
    const failure = error as ApplicationFailure;
    expect(failure.type).toBe(ErrorType.Config);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain("connection 'acme'");
    for (const secret of [KEY, AWS_SECRET]) expect(failure.message).not.toContain(secret);
    return failure;
  }
  throw new Error('expected the reference to be refused');
}

describe('env: references', () => {
  it('resolves a variable matching the default pattern ^ATLASSIAN_', () => {
    expect(createSecretResolver({ env }).resolve({ connection: connection() })).toBe(KEY);
  });

  it.each(['AWS_SECRET_ACCESS_KEY', 'OTHER_KEY', 'X_ATLASSIAN_KEY'])('refuses %s, naming the variable and the fix', (name) => {
    const failure = refusal(() => createSecretResolver({ env }).resolve({ connection: connection({ apiKeyRef: `env:${name}` }) }));
    expect(failure.message).toContain(name);
    expect(failure.message).toMatch(/Rename the variable to match/);
    expect(failure.message).toContain('AUDIT_COLLECT_SECRET_ENV_PATTERN');
  });

  it('refuses a variable outside the pattern even when it is not set', () => {
    refusal(() => createSecretResolver({ env: {} }).resolve({ connection: connection({ apiKeyRef: 'env:UNSET' }) }));
  });

  it('follows a custom pattern', () => {
    const resolver = createSecretResolver({ env, envPattern: /^OTHER_/ });
    expect(resolver.resolve({ connection: connection({ apiKeyRef: 'env:OTHER_KEY' }) })).toBe(AWS_SECRET);
    refusal(() => resolver.resolve({ connection: connection() }));
  });

  it('a pattern with the g flag gives the same answer every time', () => {
    const resolver = createSecretResolver({ env, envPattern: /^ATLASSIAN_/g });
    expect(resolver.resolve({ connection: connection() })).toBe(KEY);
    expect(resolver.resolve({ connection: connection() })).toBe(KEY);
  });

  it('an unset variable that matches is still a clear error', () => {
    const failure = refusal(() => createSecretResolver({ env: {} }).resolve({ connection: connection() }));
    expect(failure.message).toMatch(/not set on the worker/);
  });
});

describe('file: references', () => {
  const root = mkdtempSync(join(tmpdir(), 'audit-collect-secrets-'));
  const dir = join(root, 'secrets');
  mkdirSync(dir);
  writeFileSync(join(dir, 'atlassian'), `${KEY}\n`);
  writeFileSync(join(root, 'outside'), AWS_SECRET);
  symlinkSync(join(root, 'outside'), join(dir, 'escape'));
  symlinkSync(join(dir, 'atlassian'), join(root, 'link-in'));
  const resolver = createSecretResolver({ env, secretsDir: dir });

  it('resolves a file inside the secrets directory', () => {
    expect(resolver.resolve({ connection: connection({ apiKeyRef: `file:${join(dir, 'atlassian')}` }) })).toBe(KEY);
  });

  it('resolves a symlink from elsewhere to a file inside it', () => {
    expect(resolver.resolve({ connection: connection({ apiKeyRef: `file:${join(root, 'link-in')}` }) })).toBe(KEY);
  });

  it.each([
    ['a file outside', () => join(root, 'outside')],
    ['a symlink inside that points outside', () => join(dir, 'escape')],
    ['a .. path', () => `${dir}/../outside`],
    ['the directory itself', () => dir],
    ['a missing file outside, without saying whether it exists', () => join(root, 'missing')],
  ])('refuses %s', (_, path) => {
    const failure = refusal(() => resolver.resolve({ connection: connection({ apiKeyRef: `file:${path()}` }) }));
    expect(failure.message).toContain('outside AUDIT_COLLECT_SECRETS_DIR');
    expect(failure.message).toContain(`Put the key file under ${dir}`);
  });

  it('refuses every file when no secrets directory is set, naming the variable', () => {
    for (const path of [join(root, 'outside'), join(dir, 'atlassian'), join(root, 'missing')]) {
      const failure = refusal(() => createSecretResolver({ env }).resolve({ connection: connection({ apiKeyRef: `file:${path}` }) }));
      expect(failure.message).toContain(`apiKey file:${path} is refused`);
      expect(failure.message).toMatch(
        /only inside AUDIT_COLLECT_SECRETS_DIR, which is not set\. Set AUDIT_COLLECT_SECRETS_DIR on the worker/,
      );
    }
  });

  it('a missing file is a clear error', () => {
    const failure = refusal(() => resolver.resolve({ connection: connection({ apiKeyRef: `file:${join(dir, 'missing')}` }) }));
    expect(failure.message).toMatch(/cannot be read on the worker \(ENOENT\)/);
  });
});

describe('baseUrl', () => {
  const resolver = createSecretResolver({ env });

  it.each(['https://api.atlassian.com', 'http://127.0.0.1:8080', 'http://127.8.9.10', 'http://localhost:8900', 'http://[::1]:8900'])(
    'sends the key to %s',
    (baseUrl) => {
      expect(resolver.resolve({ connection: connection({ baseUrl }) })).toBe(KEY);
    },
  );

  it.each([
    'http://api.atlassian.com',
    'http://simulator:8900',
    'http://10.0.0.1',
    'http://localhost.evil.example',
    'http://127.0.0.1.nip.io',
    'ftp://127.0.0.1',
    'not a url',
  ])('refuses %s before reading the key', (baseUrl) => {
    const failure = refusal(() => resolver.resolve({ connection: connection({ baseUrl }) }));
    expect(failure.message).toMatch(/baseUrl .*https:\/\//);
  });

  it('does not echo credentials in the URL', () => {
    for (const baseUrl of ['http://user:hunter2@example.com', 'https://user:hunter2@example.com/path?token=hunter2']) {
      const failure = refusal(() => resolver.resolve({ connection: connection({ baseUrl }) }));
      expect(failure.message).not.toContain('hunter2');
    }
  });
});

// API keys go only to Atlassian: the host allowlist (AUDIT_COLLECT_ALLOWED_API_HOSTS), checked
// before the reference is even looked at.
describe('baseUrl host allowlist', () => {
  /** An environment that records every variable read from it. */
  function watchedEnv() {
    const reads: string[] = [];
    const watched = new Proxy(env as NodeJS.ProcessEnv, {
      get: (target, name) => {
        reads.push(String(name));
        return target[String(name)];
      },
    });
    return { watched, reads };
  }

  it.each(['https://api.atlassian.com', 'https://API.Atlassian.com:443/', 'https://127.0.0.1:8443', 'http://localhost:8900'])(
    'sends the key to %s by default',
    (baseUrl) => {
      expect(createSecretResolver({ env }).resolve({ connection: connection({ baseUrl }) })).toBe(KEY);
    },
  );

  it.each([
    'https://evil.example',
    'https://api.atlassian.com.evil.example',
    'https://atlassian.com',
    'https://0.0.0.0:8443',
    'https://10.0.0.1',
  ])('refuses %s before reading the key, naming the host and the variable', (baseUrl) => {
    const { watched, reads } = watchedEnv();
    const failure = refusal(() => createSecretResolver({ env: watched }).resolve({ connection: connection({ baseUrl }) }));
    const host = new URL(baseUrl).hostname;
    expect(failure.message).toContain(`the API key is sent only to a host in AUDIT_COLLECT_ALLOWED_API_HOSTS (api.atlassian.com)`);
    expect(failure.message).toContain(`${host} is neither`);
    expect(failure.message).toContain(`add ${host} to AUDIT_COLLECT_ALLOWED_API_HOSTS on the worker`);
    expect(reads).toEqual([]);
  });

  it('refuses a file: reference to another host without touching the file system', () => {
    const failure = refusal(() =>
      createSecretResolver({ env, secretsDir: '/nonexistent' }).resolve({
        connection: connection({ baseUrl: 'https://evil.example', apiKeyRef: 'file:/nonexistent/key' }),
      }),
    );
    expect(failure.message).toContain('AUDIT_COLLECT_ALLOWED_API_HOSTS');
    expect(failure.message).not.toContain('ENOENT');
  });

  it('sends the key to a host the allowlist adds', () => {
    const resolver = createSecretResolver({ env, allowedHosts: ['api.atlassian.com', 'atlassian.internal.example'] });
    expect(resolver.resolve({ connection: connection({ baseUrl: 'https://atlassian.internal.example/gateway' }) })).toBe(KEY);
    refusal(() => resolver.resolve({ connection: connection({ baseUrl: 'https://evil.example' }) }));
  });

  it('an allowed host still needs https://', () => {
    expect(apiBaseUrlProblem({ baseUrl: 'http://api.atlassian.com', allowedHosts: ['api.atlassian.com'] })).toMatch(/must use https:\/\//);
  });

  it.each([
    [undefined, ['api.atlassian.com']],
    ['', ['api.atlassian.com']],
    [' API.atlassian.com , atlassian.internal.example,', ['api.atlassian.com', 'atlassian.internal.example']],
    ['10.1.2.3', ['10.1.2.3']],
  ])('AUDIT_COLLECT_ALLOWED_API_HOSTS=%p allows %p', (value, hosts) => {
    expect(parseAllowedApiHosts(value)).toEqual({ hosts });
  });

  it.each(['https://api.atlassian.com', 'api.atlassian.com:443', '*.atlassian.com', 'api.atlassian.com/path', 'a b'])(
    'AUDIT_COLLECT_ALLOWED_API_HOSTS=%s is not a list of host names',
    (value) => {
      const parsed = parseAllowedApiHosts(value);
      expect(parsed).toEqual({ problem: expect.stringContaining('must be comma-separated host names such as api.atlassian.com') });
    },
  );
});

describe('worker config', () => {
  it('defaults the pattern to ^ATLASSIAN_, the allowed hosts to api.atlassian.com and leaves the secrets directory unset', () => {
    const config = readWorkerConfig({});
    expect(config.AUDIT_COLLECT_SECRET_ENV_PATTERN.source).toBe('^ATLASSIAN_');
    expect(config.AUDIT_COLLECT_SECRETS_DIR).toBeUndefined();
    expect(config.AUDIT_COLLECT_ALLOWED_API_HOSTS).toEqual(['api.atlassian.com']);
  });

  it('reads the allowed hosts, and names the variable when one is not a host name', () => {
    expect(readWorkerConfig({ AUDIT_COLLECT_ALLOWED_API_HOSTS: 'api.atlassian.com,gw.example' }).AUDIT_COLLECT_ALLOWED_API_HOSTS).toEqual([
      'api.atlassian.com',
      'gw.example',
    ]);
    expect(() => readWorkerConfig({ AUDIT_COLLECT_ALLOWED_API_HOSTS: 'https://gw.example' })).toThrow(
      /AUDIT_COLLECT_ALLOWED_API_HOSTS: must be comma-separated host names .*\(not https:\/\/gw\.example\)/,
    );
  });

  it('reads a custom pattern and an absolute secrets directory', () => {
    const config = readWorkerConfig({ AUDIT_COLLECT_SECRET_ENV_PATTERN: '^(ATLASSIAN|ACME)_', AUDIT_COLLECT_SECRETS_DIR: '/run/secrets' });
    expect(config.AUDIT_COLLECT_SECRET_ENV_PATTERN.test('ACME_KEY')).toBe(true);
    expect(config.AUDIT_COLLECT_SECRETS_DIR).toBe('/run/secrets');
  });

  it('an invalid regular expression is a config error naming the variable', () => {
    expect(() => readWorkerConfig({ AUDIT_COLLECT_SECRET_ENV_PATTERN: '^(ATLASSIAN_' })).toThrow(SettingsError);
    expect(() => readWorkerConfig({ AUDIT_COLLECT_SECRET_ENV_PATTERN: '^(ATLASSIAN_' })).toThrow(
      /AUDIT_COLLECT_SECRET_ENV_PATTERN: must be a regular expression/,
    );
  });

  it('a relative secrets directory is a config error naming the variable', () => {
    expect(() => readWorkerConfig({ AUDIT_COLLECT_SECRETS_DIR: 'secrets' })).toThrow(/AUDIT_COLLECT_SECRETS_DIR: must be an absolute path/);
  });
});
