// Which exit code and message each error class gets: the one place errors become exit codes,
// by class, first match wins (so a subclass goes above its parent).
import { ServiceError, isGrpcServiceError } from '@temporalio/client';
import { ValueError } from '@temporalio/common';
import { SettingsError } from '../common/settings-error';
import { UndecryptablePayloadError } from '../secrets/encryption';
import { BackfillNotFoundError, BackfillRequestError } from '../client/backfill';
import { TemporalConnectionError } from '../temporal/connect-failure';
import { temporalTarget } from '../temporal/client';
import { EXIT, type ExitCode } from './exit-codes';
import { RulesError } from '../client/rules';
import { OpenRunsError, RuleNotFoundError } from '../client/schedules';
import { UsageError } from './usage-error';

interface ErrorExit {
  type: abstract new (...args: never[]) => Error;
  exit: ExitCode;
  /** What stderr says; `command` is the command that ran, if known. */
  say: (error: Error, command: string | undefined) => string;
}

/** A row of the table; `say` gets the error as its class. */
function row<E extends Error>(
  type: abstract new (...args: never[]) => E,
  exit: ExitCode,
  say: (error: E, command: string | undefined) => string,
): ErrorExit {
  return { type, exit, say: (error, command) => say(error as E, command) };
}

const plain = (error: Error) => `audit-collect: ${error.message}`;
const nothingChanged = (error: Error) => `${plain(error)}\nNo schedule was changed.`;

const ERROR_EXITS: readonly ErrorExit[] = [
  row(UsageError, EXIT.usage, (e, command) => {
    const helpFor = e.helpFor ?? command;
    return `${plain(e)}\nRun 'audit-collect ${helpFor ? `${helpFor} ` : ''}--help' for usage.`;
  }),
  row(RulesError, EXIT.usage, nothingChanged),
  // Also TemporalConfigError and EncryptionConfigError: every bad setting of this process.
  row(SettingsError, EXIT.usage, nothingChanged),
  row(
    BackfillRequestError,
    EXIT.usage,
    (e) => `audit-collect backfill: ${e.message}\nNothing was started. Run 'audit-collect backfill --help' for usage.`,
  ),
  row(UndecryptablePayloadError, EXIT.usage, plain),
  // The data converter met a payload it has no converter for: an encrypted one, when this process has no key.
  row(
    ValueError,
    EXIT.usage,
    (e) =>
      `audit-collect: cannot read a payload (${e.message}). If the worker encrypts payloads, set AUDIT_COLLECT_ENCRYPTION_KEY (and _KEY_ID) here to the key it uses.`,
  ),
  row(RuleNotFoundError, EXIT.notFound, plain),
  row(OpenRunsError, EXIT.failed, plain),
  row(BackfillNotFoundError, EXIT.notFound, plain),
  row(TemporalConnectionError, EXIT.failed, plain),
];

/** The exit code and stderr text for an error a command threw. */
export function describeError(params: { error: unknown; command?: string }): { exit: ExitCode; text: string } {
  const { error } = params;
  if (!(error instanceof Error)) return { exit: EXIT.failed, text: `audit-collect: ${String(error)}` };
  const match = ERROR_EXITS.find((entry) => error instanceof entry.type);
  if (match) return { exit: match.exit, text: match.say(error, params.command) };
  const where = fromTemporal(error) ? ` (Temporal at ${temporalTarget().address})` : '';
  return { exit: EXIT.failed, text: `audit-collect: ${error.message}${where}` };
}

/** An error the Temporal server (or the connection to it) gave, here or as a cause: only then is its address worth naming. */
function fromTemporal(error: Error): boolean {
  let e: unknown = error;
  for (let depth = 0; e instanceof Error && depth < 5; depth++, e = e.cause) {
    if (e instanceof ServiceError || isGrpcServiceError(e)) return true;
  }
  return false;
}
