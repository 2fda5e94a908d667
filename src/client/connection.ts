// The Temporal connection for CLI commands, configured as the `temporal` CLI is (see
// common/temporal-connection.ts): TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
// TEMPORAL_TLS_*, and a TEMPORAL_PROFILE of the `temporal config` file.
import { Client, Connection } from '@temporalio/client';
import { dataConverterFromEnv } from '../common/encryption';
import {
  DEFAULT_TEMPORAL_ADDRESS,
  DEFAULT_TEMPORAL_NAMESPACE,
  TemporalConfigError,
  connectTemporal,
  loadTemporalConnection,
  type TemporalConnectionSettings,
} from '../common/temporal-connection';
import { ConfigError } from '../worker/config';

export type TemporalTarget = TemporalConnectionSettings;

/** Connecting failed (unreachable, TLS, credentials); the message names what to fix. */
export { TemporalConnectionError as TemporalUnreachableError } from '../common/temporal-connection';

/** The settings, validated; a bad one is a ConfigError (exit 2) naming it. */
function loadTarget(env: NodeJS.ProcessEnv): TemporalTarget {
  try {
    return loadTemporalConnection({ env });
  } catch (error) {
    throw error instanceof TemporalConfigError ? new ConfigError(`invalid Temporal connection settings: ${error.message}`) : error;
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
