// Resolves `env:NAME` and `file:/path` references to secret values, on the worker only.
import { readFileSync } from 'node:fs';
import { configError } from '../errors';

export interface SecretResolver {
  resolve(params: { ref: string; connection: string }): string;
}

export function createSecretResolver(env: NodeJS.ProcessEnv = process.env): SecretResolver {
  return {
    resolve({ ref, connection }) {
      if (ref.startsWith('env:')) {
        const name = ref.slice(4);
        const value = env[name];
        if (!value) {
          throw configError(`connection '${connection}': apiKey ${ref} names an environment variable that is not set on the worker. Set ${name} and resume the rule.`);
        }
        return value.trim();
      }
      if (ref.startsWith('file:')) {
        const path = ref.slice(5);
        let value: string;
        try {
          value = readFileSync(path, 'utf8').trim();
        } catch (error) {
          const code = (error as { code?: string }).code ?? 'unreadable';
          throw configError(`connection '${connection}': apiKey ${ref} cannot be read on the worker (${code}). Create the file and resume the rule.`);
        }
        if (!value) throw configError(`connection '${connection}': apiKey ${ref} is an empty file.`);
        return value;
      }
      throw configError(`connection '${connection}': apiKey must be env:NAME or file:/path, not a literal value.`);
    },
  };
}
