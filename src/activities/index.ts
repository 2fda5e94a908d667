// Every activity the worker registers: collect, backfill, pause and notify.
import { createBackfillActivities } from './backfill';
import { createCollectActivities } from './collect';
import type { ActivityDeps } from './deps';
import { createNotifyActivities } from './notify';
import { createPauseActivities } from './pause';

export type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createCollectActivities(deps),
    ...createBackfillActivities(deps),
    ...createPauseActivities(),
    ...createNotifyActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
