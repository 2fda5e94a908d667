// Notices about a rule from inside its collect run: paused (needs a human), failing (a batch
// retrying for more than two intervals) and recovered (the first successful run after either).
// Delivery is the notify activity's; with no webhook on the worker it sends nothing and says so.
import { ActivityFailure, ApplicationFailure, log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NOTIFY_ACTIVITY_OPTIONS } from '../model/activity-options';
import { NOTICE_KINDS, type NoticeKind, type NoticeSent, type RuleSpec } from '../model/types';

const { notify } = proxyActivities<Activities>(NOTIFY_ACTIVITY_OPTIONS);

function isNoticeSent(value: unknown): value is NoticeSent {
  if (typeof value !== 'object' || value === null) return false;
  const { kind, at } = value as Record<string, unknown>;
  return NOTICE_KINDS.includes(kind as NoticeKind) && typeof at === 'string';
}

/**
 * The last notice sent, as the previous run left it. A failed run has no result, so it carries
 * its notice in its failure's details (the schedule hands the next run both, and clears the
 * failure once a run succeeds); otherwise the last successful run's result has it.
 */
export function previousNotice(params: { lastResult: unknown; lastFailure: Error | undefined }): NoticeSent | undefined {
  const { lastResult, lastFailure } = params;
  const details = lastFailure instanceof ApplicationFailure ? lastFailure.details : undefined;
  const fromFailure = (details?.[0] as { notice?: unknown } | undefined)?.notice;
  if (isNoticeSent(fromFailure)) return fromFailure;
  const fromResult = typeof lastResult === 'object' && lastResult !== null ? (lastResult as { notice?: unknown }).notice : undefined;
  return isNoticeSent(fromResult) ? fromResult : undefined;
}

/** A needs-a-human failure that also carries the notice sent, for the next run to read. */
export function withNotice(failure: ApplicationFailure, notice: NoticeSent | undefined): ApplicationFailure {
  if (!notice) return failure;
  return ApplicationFailure.create({
    message: failure.message,
    type: failure.type ?? undefined,
    nonRetryable: true,
    details: [{ notice }],
  });
}

export type Notices = ReturnType<typeof createNotices>;

export function createNotices(params: { rule: RuleSpec; previous: NoticeSent | undefined }) {
  const { rule } = params;
  let last = params.previous;
  let failingTried = false;
  // Notices go out one at a time, in the order asked.
  let queue: Promise<void> = Promise.resolve();

  const send = (kind: NoticeKind, reason: string): Promise<void> => {
    queue = queue.then(async () => {
      const notice = { kind, ruleId: rule.id, displayName: rule.displayName, orgId: rule.connection.orgId, reason };
      const { sent } = await notify(notice).catch((error: unknown) => {
        const cause = error instanceof ActivityFailure && error.cause ? error.cause : error;
        log.warn('notice not delivered', { ruleId: rule.id, kind, error: cause instanceof Error ? cause.message : String(cause) });
        return { sent: false };
      });
      if (sent) last = { kind, at: new Date().toISOString() };
      // A "recovered" that could not be delivered is given up, not owed to the next run.
      else if (kind === 'recovered') last = undefined;
    });
    return queue;
  };

  return {
    /** What to hand to the next run. */
    last: (): NoticeSent | undefined => last,
    /** A paused or failing notice was sent before this run and no recovery followed yet. */
    owed: (): boolean => last !== undefined && last.kind !== 'recovered',
    /** Once a run, and not again until the rule has recovered; does not wait for delivery. */
    failing(reason: string): void {
      if (failingTried || last?.kind === 'failing') return;
      failingTried = true;
      void send('failing', reason);
    },
    paused: (reason: string): Promise<void> => send('paused', reason),
    /** At the end of a successful run: only after a paused or failing notice was sent. */
    async recovered(reason: (since: NoticeSent) => string): Promise<void> {
      await queue;
      if (last && last.kind !== 'recovered') await send('recovered', reason(last));
    },
  };
}
