// A worker in its own process (`audit-collect worker`), so tests can SIGKILL it like a crash.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { stopProcess } from './processes';
import { ROOT, TEST_ENV } from './servers';

export class ChildWorker {
  private child?: ChildProcess;
  log = '';

  constructor(private readonly env: Record<string, string>) {}

  /** Starts the worker and resolves once it polls its task queue. */
  async start(): Promise<void> {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'audit-collect'), 'worker'], {
      env: { ...process.env, ...TEST_ENV, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const append = (d: Buffer) => (this.log += d.toString());
    child.stdout!.on('data', append);
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        append(d);
        if (this.log.includes('worker polling task queue')) resolve();
      };
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`worker exited with ${code} while starting:\n${this.log.slice(-2000)}`)));
    });
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) the worker, as a stalled VM or a long GC pause would. */
  freeze(frozen: boolean): void {
    this.child?.kill(frozen ? 'SIGSTOP' : 'SIGCONT');
  }

  /** Kills the worker with a signal (SIGKILL: no chance to finish anything) and waits for it to exit. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    return stopProcess(this.child, signal);
  }
}
