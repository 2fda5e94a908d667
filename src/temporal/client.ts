// The Temporal connection for CLI commands, configured as the `temporal` CLI is (see
// connect.ts): TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
// TEMPORAL_TLS_*, and a TEMPORAL_PROFILE of the `temporal config` file.
import { Client, Connection } from '@temporalio/client';
import { dataConverterFromEnv } from '../secrets/encryption';
import { DEFAULT_TEMPORAL_ADDRESS, DEFAULT_TEMPORAL_NAMESPACE, TemporalConfigError, type TemporalConnectionSettings } from './settings';
import { connectTemporal } from './connect';
import { loadTemporalConnection } from './load-settings';
import { SettingsError } from '../common/settings-error';

export type TemporalTarget = TemporalConnectionSettings;

/** The settings, validated; a bad one is a SettingsError (exit 2) naming it. */
function loadTarget(env: NodeJS.ProcessEnv): TemporalTarget {
  try {
    return loadTemporalConnection({ env });
  } catch (error) {
    throw error instanceof TemporalConfigError ? new SettingsError(`invalid Temporal connection settings: ${error.message}`) : error;
  }
}

/** Where the CLI connects, for messages and links: never throws (a bad setting surfaces in connectClient). */
export function temporalTarget(env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  try {
    return loadTemporalConnection({ env });
  } catch {
    const address = env.TEMPORAL_ADDRESS || DEFAULT_TEMPORAL_ADDRESS;
    return { address, namespace: env.TEMPORAL_NAMESPACE || DEFAULT_TEMPORAL_NAMESPACE, connectionOptions: { address } };
  }
}

/**
 * grpc-js sends an IP address as the TLS server name, and Node then warns (DEP0123) on every
 * command that connects to a TLS server by IP; nothing the user could change, so it is not printed.
 */
function quietIpServerNameWarning(): void {
  const emit = process.emitWarning;
  if ((emit as { quiet?: boolean }).quiet) return;
  const quiet = (warning: string | Error, ...rest: unknown[]): void => {
    if (rest.includes('DEP0123') || (rest[0] as { code?: string } | undefined)?.code === 'DEP0123') return;
    (emit as (warning: string | Error, ...rest: unknown[]) => void).call(process, warning, ...rest);
  };
  process.emitWarning = Object.assign(quiet, { quiet: true }) as typeof process.emitWarning;
}

export async function connectClient(target: TemporalTarget = loadTarget(process.env)): Promise<Client> {
  quietIpServerNameWarning();
  const connection = await connectTemporal({
    settings: target,
    connect: (options) => Connection.connect({ ...options, connectTimeout: '5s' }),
  });
  return new Client({ connection, namespace: target.namespace, dataConverter: dataConverterFromEnv() });
}
