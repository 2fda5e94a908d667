// Turns what the environment and the config file say into validated connection settings: the
// address checked, the TLS files read, the options both the client and the worker connect with.
import { toClientOptions } from '@temporalio/envconfig';
import { loadConfigProfile } from './config-profile';
import {
  DEFAULT_TEMPORAL_ADDRESS,
  DEFAULT_TEMPORAL_NAMESPACE,
  TemporalConfigError,
  settingName,
  type TemporalConnectionSettings,
} from './settings';
import { readTlsFiles } from './tls-files';

/**
 * Reads the connection settings from `env` (and the config file it points at) once, validated:
 * TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS, TEMPORAL_TLS_* and
 * TEMPORAL_GRPC_META_* over the profile TEMPORAL_PROFILE (default `default`) of TEMPORAL_CONFIG_FILE
 * (default ~/.config/temporalio/temporal.toml). Throws TemporalConfigError naming a bad setting.
 */
export function loadTemporalConnection(params: { env?: NodeJS.ProcessEnv } = {}): TemporalConnectionSettings {
  const { loaded, profile } = loadConfigProfile(params.env ?? process.env);
  const address = loaded.address ?? DEFAULT_TEMPORAL_ADDRESS;
  if (!/^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):\d{1,5}$/.test(address)) {
    throw new TemporalConfigError(
      `${settingName('address', profile)} must be host:port such as ${DEFAULT_TEMPORAL_ADDRESS} or my-ns.a1b2c.tmprl.cloud:7233, not '${address}'`,
    );
  }
  const tls = readTlsFiles({ tls: loaded.tls, profile });
  const { connectionOptions, namespace } = toClientOptions({ ...loaded, address, tls });
  return {
    address,
    namespace: namespace ?? DEFAULT_TEMPORAL_NAMESPACE,
    connectionOptions: {
      address,
      ...(connectionOptions.tls !== undefined && connectionOptions.tls !== null ? { tls: connectionOptions.tls } : {}),
      ...(connectionOptions.apiKey !== undefined ? { apiKey: connectionOptions.apiKey } : {}),
      ...(connectionOptions.metadata ? { metadata: connectionOptions.metadata as Record<string, string> } : {}),
    },
    profile,
  };
}
