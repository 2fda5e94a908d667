// Reading a rule's schedule: through a client that tolerates payloads encrypted with a key since
// dropped where they do not matter, and strictly where they do.
import { Client, ScheduleNotFoundError, type ScheduleDescription } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { AesGcmCodec, encryptionKeyIdOf } from '../../secrets/encryption';
import { scheduleId } from '../../model/ids';

export class RuleNotFoundError extends Error {
  constructor(readonly ruleId: string) {
    super(
      `no schedule for rule '${ruleId}' (schedule id ${scheduleId(ruleId)}). Run 'audit-collect list' to see the rules, or 'audit-collect apply' to create it.`,
    );
  }
}

export function codecOf(client: Client): AesGcmCodec | undefined {
  return client.options.loadedDataConverter.payloadCodecs.find((c): c is AesGcmCodec => c instanceof AesGcmCodec);
}

const readers = new WeakMap<Client, Client>();

/**
 * The client to read schedules and runs through. A schedule's own memo is written at creation and
 * Temporal cannot update it, so after a key rotation it may stay encrypted with a key that is gone;
 * this client decodes what it cannot decrypt as undefined. What must be readable (a schedule's
 * action, a run's result) is decoded strictly.
 */
export function readerOf(client: Client): Client {
  const codec = codecOf(client);
  if (!codec) return client;
  let reader = readers.get(client);
  if (!reader) {
    const dataConverter = { ...client.options.dataConverter, payloadCodecs: [codec.lenient()] };
    reader = new Client({ connection: client.connection, namespace: client.options.namespace, dataConverter });
    readers.set(client, reader);
  }
  return reader;
}

export async function describeSchedule(client: Client, ruleId: string): Promise<ScheduleDescription | undefined> {
  try {
    return await readerOf(client).schedule.getHandle(scheduleId(ruleId)).describe();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return undefined;
    throw error;
  }
}

export async function describeOrThrow(client: Client, ruleId: string): Promise<ScheduleDescription> {
  const description = await describeSchedule(client, ruleId);
  if (!description) throw new RuleNotFoundError(ruleId);
  return description;
}

/** The encoded payloads a schedule copies into every run it starts (plus its Web UI summary). */
function actionPayloads(d: ScheduleDescription): Payload[] {
  const start = d.raw.schedule?.action?.startWorkflow;
  const payloads = [
    ...(start?.input?.payloads ?? []),
    ...Object.values(start?.memo?.fields ?? {}),
    start?.userMetadata?.summary,
    start?.userMetadata?.details,
  ];
  return payloads.filter((p): p is Payload => p != null);
}

/** Throws UndecryptablePayloadError when this process cannot decrypt what the schedule starts runs with. */
export async function checkActionDecrypts(client: Client, d: ScheduleDescription): Promise<void> {
  await codecOf(client)?.decode(actionPayloads(d));
}

/** Key ids other than the current one (none for plaintext) among the action's payloads, or undefined if all are current. */
export function staleKeyIds(d: ScheduleDescription, codec: AesGcmCodec | undefined): string[] | undefined {
  if (!codec) return undefined;
  const ids = actionPayloads(d).map(encryptionKeyIdOf);
  if (ids.every((id) => id === codec.keyId)) return undefined;
  return [...new Set(ids.filter((id): id is string => id !== undefined && id !== codec.keyId))];
}

/** A schedule's rule set, as its action's memo names it (undefined before rule sets, or unreadable). */
export function ruleSetOf(d: ScheduleDescription): string | undefined {
  const memo = d.action.type === 'startWorkflow' ? d.action.memo : undefined;
  return typeof memo?.ruleSet === 'string' ? memo.ruleSet : undefined;
}
