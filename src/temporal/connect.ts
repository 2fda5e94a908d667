// How the worker and the CLI connect to Temporal, configured as the `temporal` CLI is (with
// @temporalio/envconfig): TEMPORAL_* variables over a profile of the TOML file `temporal config`
// writes. A failed connection becomes one message that names the setting to fix; no message ever
// carries an API key or a private key.
import { explainConnectFailure } from './connect-failure';
import type { TemporalConnectionOptions, TemporalConnectionSettings } from './settings';

/** Connects with `connect` (the client's or the worker's); a failure becomes a TemporalConnectionError that says what to fix. */
export async function connectTemporal<T>(params: {
  settings: TemporalConnectionSettings;
  connect: (options: TemporalConnectionOptions) => Promise<T>;
}): Promise<T> {
  try {
    return await params.connect(params.settings.connectionOptions);
  } catch (error) {
    throw await explainConnectFailure({ settings: params.settings, error });
  }
}
