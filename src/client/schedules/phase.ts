// Where within its interval a rule's schedule fires. Intervals count from the epoch, so without an
// offset every 5-minute rule fires at :00, :05, ... together: hundreds of runs start in the same
// second, queue behind each other on the workers and hit each org's API budget at once. Each rule
// gets a fixed offset from a hash of its ID instead, so a fleet's runs spread evenly over the
// interval, and a rule keeps its place across `apply`.
import { createHash } from 'node:crypto';

/** The rule's offset within its interval, in whole seconds (as milliseconds), in [0, intervalMs). */
export function phaseOffsetMs(params: { ruleId: string; intervalMs: number }): number {
  const seconds = Math.floor(params.intervalMs / 1000);
  if (seconds <= 1) return 0;
  const hash = createHash('sha256').update(params.ruleId).digest().readUInt32BE(0);
  return (hash % seconds) * 1000;
}
