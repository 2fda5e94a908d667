// The rules that have a schedule.
import type { Client } from '@temporalio/client';
import { SCHEDULE_ID_PREFIX } from '../../model/ids';
import { ruleIdOfScheduleId } from '../../model/ids';

/** Listed raw: the SDK's list decodes every schedule's memo, which ids do not need. */
export async function managedRuleIds(client: Client): Promise<string[]> {
  const ids: string[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.listSchedules({ namespace: client.options.namespace, maximumPageSize: 1000, nextPageToken });
    for (const { scheduleId: id } of page.schedules ?? []) {
      if (id?.startsWith(SCHEDULE_ID_PREFIX)) ids.push(ruleIdOfScheduleId(id));
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return ids.sort();
}
