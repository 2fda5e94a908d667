// Child processes for the benchmarks: start one and wait for its ready line, stop it, run one to
// its JSON result; and a line describing this machine for the reports.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');

/** Starts a child process and resolves once a line of its output matches `ready`. */
export function startChild(params: {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  ready: RegExp;
  timeoutMs: number;
  logFile: string;
}): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(params.command, params.args, { cwd: ROOT, env: params.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${params.name} did not start within ${params.timeoutMs / 1000}s:\n${output.slice(-2000)}`));
    }, params.timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      writeFileSync(params.logFile, output);
      if (params.ready.test(output)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${params.name} exited with code ${code} while starting:\n${output.slice(-2000)}`));
    });
  });
}

export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/** Runs a process to its end and returns the JSON line it printed last. */
export function runJson<T>(params: { name: string; command: string; args: string[]; env: NodeJS.ProcessEnv; logFile: string }): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(params.command, params.args, { cwd: ROOT, env: params.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('exit', (code) => {
      writeFileSync(params.logFile, `${stdout}\n--- stderr ---\n${stderr}`);
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0) return reject(new Error(`${params.name} exited with code ${code}; see ${params.logFile}:\n${stderr.slice(-2000)}`));
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${params.name} printed no result; see ${params.logFile}`));
      }
    });
  });
}

export const tsNode = (script: string, args: string[], nodeArgs: string[] = []) => ({
  command: process.execPath,
  args: [...nodeArgs, '--require', 'tsx/cjs', script, ...args],
});

export function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`;
}
