// The pauseRule activity: after a needs-a-human failure, pauses the rule's schedule with a note that
// says what to fix. When it cannot, its failure says why (see classifyPauseError).
import { Context } from '@temporalio/activity';
import { classifyPauseError } from './pause-errors';
import { scheduleId } from '../model/ids';

/** Pauses one schedule; the default is the worker's own Temporal client. */
export type PauseSchedule = (params: { scheduleId: string; note: string }) => Promise<void>;

const pauseWithWorkerClient: PauseSchedule = ({ scheduleId, note }) => Context.current().client.schedule.getHandle(scheduleId).pause(note);

export function createPauseActivities(params: { pauseSchedule?: PauseSchedule } = {}) {
  const pauseSchedule = params.pauseSchedule ?? pauseWithWorkerClient;
  return {
    /** Pauses the rule's schedule with a note saying what a human must fix. */
    async pauseRule({ ruleId, note }: { ruleId: string; note: string }): Promise<void> {
      const id = scheduleId(ruleId);
      try {
        await pauseSchedule({ scheduleId: id, note });
      } catch (error) {
        throw classifyPauseError({ error, ruleId, scheduleId: id });
      }
    },
  };
}
