// Every activity the worker registers: collect, backfill and pause.
import { createBackfillActivities } from './backfill';
import { createCollectActivities } from './collect';
import type { ActivityDeps } from './deps';
import { createPauseActivities } from './pause';

export type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps) {
  return { ...createCollectActivities(deps), ...createBackfillActivities(deps), ...createPauseActivities() };
}

export type Activities = ReturnType<typeof createActivities>;
