// The Temporal connection for CLI commands, from TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE.
import { Client, Connection } from '@temporalio/client';
import { dataConverterFromEnv } from '../common/encryption';

export interface TemporalTarget {
  address: string;
  namespace: string;
}

export function temporalTarget(env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  return { address: env.TEMPORAL_ADDRESS || '127.0.0.1:7233', namespace: env.TEMPORAL_NAMESPACE || 'default' };
}

export class TemporalUnreachableError extends Error {}

export async function connectClient(target: TemporalTarget = temporalTarget()): Promise<Client> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: target.address, connectTimeout: '5s' });
  } catch (error) {
    throw new TemporalUnreachableError(
      `cannot reach the Temporal server at ${target.address} (${(error as Error).message}). Start it (npm run infra -- start) or set TEMPORAL_ADDRESS.`,
    );
  }
  return new Client({ connection, namespace: target.namespace, dataConverter: dataConverterFromEnv() });
}
