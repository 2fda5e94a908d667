// Pieces several commands share: the rule-id argument, --json, and printing text or JSON.
import { DEFAULT_TEMPORAL_ADDRESS, DEFAULT_TEMPORAL_NAMESPACE } from '../../temporal/settings';
import type { ArgSpec, OptionSpec } from '../command';

export const RULE_ID_ARG: ArgSpec<'ruleId'> = { name: 'ruleId', description: "the rule's id, as in the rules file" };

export const JSON_OPTION = { type: 'boolean', description: 'print JSON instead of text' } as const satisfies OptionSpec;

export const TEMPORAL_ENVIRONMENT =
  `Environment: TEMPORAL_ADDRESS (default ${DEFAULT_TEMPORAL_ADDRESS}), TEMPORAL_NAMESPACE (default '${DEFAULT_TEMPORAL_NAMESPACE}'), TEMPORAL_API_KEY, ` +
  'TEMPORAL_TLS, TEMPORAL_TLS_* (client certificate and key, server CA, server name), TEMPORAL_PROFILE and TEMPORAL_CONFIG_FILE, as the temporal CLI reads them.';

export function print(params: { json: boolean; value: unknown; text: () => string }): void {
  console.log(params.json ? JSON.stringify(params.value, null, 2) : params.text());
}
