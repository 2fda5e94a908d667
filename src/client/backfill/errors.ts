// What a backfill request can be refused with.

/** Bad input: a clear message, exit 2, nothing started. */
export class BackfillRequestError extends Error {}

export class BackfillNotFoundError extends Error {
  constructor(readonly backfillId: string) {
    super(`no backfill '${backfillId}'. Backfill IDs look like backfill-<ruleId>-<from>-<to>, as 'audit-collect backfill' printed.`);
  }
}
