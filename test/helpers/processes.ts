// Stopping what a test started: child processes by their handle, and everything in afterAll.
import type { ChildProcess } from 'node:child_process';

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/**
 * Sends `signal` (SIGTERM: let it finish; SIGKILL: a crash) and resolves once the process has
 * exited, killing it outright if it is still there after `graceMs`.
 */
export async function stopProcess(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
  if (!child || !running(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(force);
}

/**
 * Runs every stop in order, even when one fails (a failed stop must not leave the others running),
 * then throws the first failure.
 */
export async function stopAll(...stops: Array<() => Promise<unknown> | undefined>): Promise<void> {
  const failures: unknown[] = [];
  for (const stop of stops) {
    try {
      await stop();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw failures[0];
}
