import { Context } from '@temporalio/activity';
import { ScheduleNotFoundError } from '@temporalio/client';
import { scheduleIdOf } from '../model/types';

export function createPauseActivities() {
  return {
    /** Pauses the rule's schedule with a note saying what a human must fix. */
    async pauseRule({ ruleId, note }: { ruleId: string; note: string }): Promise<void> {
      try {
        await Context.current().client.schedule.getHandle(scheduleIdOf(ruleId)).pause(note);
      } catch (error) {
        if (!(error instanceof ScheduleNotFoundError)) throw error;
      }
    },
  };
}
