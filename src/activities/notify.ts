// The notify activity: posts a notice about a rule (paused, failing, recovered) to the worker's
// webhook, as JSON or as a Slack-compatible `{ "text": ... }`. The webhook URL is a secret (a
// Slack URL carries its token): it is never logged nor put in an error message.
import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { NoticeKind } from '../model/types';
import { workflowLink } from '../temporal/settings';

/** What the workflow says; the activity adds the run's Web UI link. No secrets, as it is in the history. */
export interface Notice {
  kind: NoticeKind;
  ruleId: string;
  displayName: string;
  orgId: string;
  reason: string;
}

export interface NotifierSettings {
  /** Where notices are posted; unset turns notices off (the activity then does nothing). */
  webhookUrl?: string;
  format: 'json' | 'slack';
  /** The Temporal Web UI's base URL, e.g. http://127.0.0.1:8233. */
  webUiUrl: string;
  timeoutMs?: number;
}

/** `sent` is false when no webhook is set, or when delivery was given up. */
export interface NotifyResult {
  sent: boolean;
}

const DEFAULT_TIMEOUT_MS = 10_000;

const HEADLINE: Record<NoticeKind, string> = {
  paused: 'is paused and needs a human',
  failing: 'has been failing for more than two intervals',
  recovered: 'has recovered',
};

function fixFor(kind: NoticeKind, ruleId: string): string {
  if (kind === 'paused') return `Fix the cause named in the reason, then resume the rule: audit-collect resume ${ruleId}`;
  if (kind === 'failing')
    return `The batch is retried until it succeeds: fix the cause (audit-collect status ${ruleId}, or the run's pending activity in the Web UI) and the run carries on by itself, no resume needed.`;
  return 'Nothing to do.';
}

/** The request body for a notice, in the configured format. */
export function noticeBody(params: { notice: Notice; format: 'json' | 'slack'; link: string; workflowId: string; at: string }): unknown {
  const { notice, link, workflowId, at } = params;
  const fix = fixFor(notice.kind, notice.ruleId);
  if (params.format === 'json') {
    return { source: 'audit-collect', ...notice, fix, workflowId, webUi: link, at };
  }
  const name = notice.displayName === notice.ruleId ? notice.ruleId : `${notice.ruleId} (${notice.displayName})`;
  return {
    text: [
      `[audit-collect] rule ${name} ${HEADLINE[notice.kind]}`,
      `Org: ${notice.orgId}`,
      `Reason: ${notice.reason}`,
      `Fix: ${fix}`,
      `Run: <${link}|${workflowId}>`,
    ].join('\n'),
  };
}

async function post(params: { url: string; body: unknown; timeoutMs: number }): Promise<void> {
  let response: Response;
  try {
    response = await fetch(params.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(params.body),
      // A redirect could lead off https; a webhook that redirects is misconfigured.
      redirect: 'error',
      signal: AbortSignal.timeout(params.timeoutMs),
    });
  } catch (error) {
    // Only the error's class and code: the message of some errors holds the URL.
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const code = typeof cause?.code === 'string' ? ` (${cause.code})` : '';
    throw ApplicationFailure.retryable(`the notifier webhook did not answer: ${(error as Error).name}${code}`, 'NotifyUnreachable');
  }
  await response.body?.cancel();
  if (!response.ok) throw ApplicationFailure.retryable(`the notifier webhook answered HTTP ${response.status}`, 'NotifyRejected');
}

/**
 * The error a retrying batch last met, from the run's pending activity (already in the run's
 * history, so no secret); best effort: undefined when it cannot be read.
 */
async function lastBatchError(workflowId: string): Promise<string | undefined> {
  try {
    const { raw } = await Context.current().client.workflow.getHandle(workflowId).describe();
    const pending = raw.pendingActivities?.find((a) => a.activityType?.name === 'collectBatch' && a.lastFailure);
    const failure = pending?.lastFailure;
    if (!failure) return undefined;
    const type = failure.applicationFailureInfo?.type;
    return `last error (attempt ${pending.attempt ?? '?'}): ${type ? `${type}: ` : ''}${failure.message ?? ''}`;
  } catch {
    return undefined;
  }
}

export function createNotifyActivities(params: { notifier?: NotifierSettings }) {
  return {
    /**
     * Posts the notice; a failed post throws so that Temporal retries it, except on the last
     * attempt the retry policy allows, which logs and gives up: a notifier outage never fails the run.
     */
    async notify(notice: Notice): Promise<NotifyResult> {
      const settings = params.notifier;
      if (!settings?.webhookUrl) return { sent: false };
      const { info } = Context.current();
      // Only the collect workflow calls it; a standalone call would have no run to link.
      const workflowId = info.workflowExecution?.workflowId ?? '(none)';
      const link = workflowLink({ webUi: settings.webUiUrl, namespace: info.namespace, workflowId });
      const lastError = notice.kind === 'failing' ? await lastBatchError(workflowId) : undefined;
      const reason = lastError ? `${notice.reason}; ${lastError}` : notice.reason;
      const body = noticeBody({ notice: { ...notice, reason }, format: settings.format, link, workflowId, at: new Date().toISOString() });
      try {
        await post({ url: settings.webhookUrl, body, timeoutMs: settings.timeoutMs ?? DEFAULT_TIMEOUT_MS });
      } catch (error) {
        const max = info.retryPolicy?.maximumAttempts ?? 0;
        if (max <= 0 || info.attempt < max) throw error;
        log.warn('notice not delivered; giving up', {
          ruleId: notice.ruleId,
          kind: notice.kind,
          attempts: info.attempt,
          error: (error as Error).message,
        });
        return { sent: false };
      }
      log.info('notice sent', { ruleId: notice.ruleId, kind: notice.kind });
      return { sent: true };
    },
  };
}
