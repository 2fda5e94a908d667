// Reads the connection settings as the `temporal` CLI does (with @temporalio/envconfig): TEMPORAL_*
// variables over a profile of the TOML file `temporal config` writes.
import { existsSync, readFileSync } from 'node:fs';
import { homedir, platform } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { loadClientConfigProfile, type ClientConfigProfile } from '@temporalio/envconfig';
import { TemporalConfigError } from './settings';

/** Where `temporal config` keeps its file when TEMPORAL_CONFIG_FILE is not set. */
function defaultConfigFile(env: Record<string, string>): string | undefined {
  const home = env.HOME ?? homedir();
  if (platform() === 'win32') return env.APPDATA ? join(env.APPDATA, 'temporalio', 'temporal.toml') : undefined;
  if (platform() === 'darwin') return join(home, 'Library', 'Application Support', 'temporalio', 'temporal.toml');
  const configHome = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(home, '.config');
  return join(configHome, 'temporalio', 'temporal.toml');
}

function readConfigFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new TemporalConfigError(
      `cannot read the Temporal config file ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
}

/**
 * The settings of `env` over the profile TEMPORAL_PROFILE (default `default`) of
 * TEMPORAL_CONFIG_FILE (default ~/.config/temporalio/temporal.toml), not yet validated, and the
 * profile they came from when a file was read. Throws TemporalConfigError naming a bad setting.
 */
export function loadConfigProfile(rawEnv: NodeJS.ProcessEnv): { loaded: ClientConfigProfile; profile: string | undefined } {
  // An empty variable counts as unset, as for the worker's other settings.
  const env = Object.fromEntries(Object.entries(rawEnv).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
  const file = env.TEMPORAL_CONFIG_FILE ?? defaultConfigFile(env);
  const fileExists = file !== undefined && existsSync(file);
  if (env.TEMPORAL_CONFIG_FILE && !fileExists)
    throw new TemporalConfigError(`TEMPORAL_CONFIG_FILE: no such file ${env.TEMPORAL_CONFIG_FILE}`);
  const fileText = fileExists ? readConfigFile(file) : undefined;
  // envconfig cannot read a file without profiles (an empty one, say): such a file counts as none.
  const useFile = fileText !== undefined && /^\s*\[\s*profile\b/m.test(fileText);
  if (env.TEMPORAL_PROFILE && !useFile) {
    throw new TemporalConfigError(
      fileExists
        ? `TEMPORAL_PROFILE=${env.TEMPORAL_PROFILE}, but ${file} has no profiles`
        : `TEMPORAL_PROFILE=${env.TEMPORAL_PROFILE}, but there is no config file (looked for ${file ?? 'one'}; set TEMPORAL_CONFIG_FILE)`,
    );
  }
  if (env.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION && /^(1|true)$/.test(env.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION)) {
    throw new TemporalConfigError(
      "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION is not supported here: set TEMPORAL_TLS_SERVER_NAME to a name in the server's certificate instead",
    );
  }
  try {
    const loaded = loadClientConfigProfile({
      profile: env.TEMPORAL_PROFILE,
      configSource: useFile ? { data: fileText } : undefined,
      disableFile: !useFile,
      overrideEnvVars: env,
    });
    return { loaded, profile: useFile ? `profile '${env.TEMPORAL_PROFILE ?? 'default'}' of ${file}` : undefined };
  } catch (error) {
    // envconfig's own messages (bad TOML, unknown profile, both _path and _data) name the field.
    throw new TemporalConfigError(
      `cannot load the Temporal connection settings${useFile ? ` from ${file}` : ''}: ${(error as Error).message}`,
    );
  }
}
