// Reads a live process's peak memory and CPU time from /proc (Linux), and small statistics helpers.
import { readFileSync } from 'node:fs';

export interface ProcSample {
  /** VmHWM: the peak resident set size since the process started. */
  peakRssBytes: number;
  /** User plus system CPU time. */
  cpuSeconds: number;
}

/** Clock ticks per second for /proc/<pid>/stat times: 100 on every Linux we run on. */
const CLOCK_TICKS = 100;

export function parseStatusPeakRss(status: string): number {
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error('no VmHWM line in /proc/<pid>/status');
  return Number(match[1]) * 1024;
}

export function parseStatCpuSeconds(stat: string): number {
  // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('unreadable /proc/<pid>/stat');
  return (utime + stime) / CLOCK_TICKS;
}

export function sampleProcess(pid: number): ProcSample {
  return {
    peakRssBytes: parseStatusPeakRss(readFileSync(`/proc/${pid}/status`, 'utf8')),
    cpuSeconds: parseStatCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8')),
  };
}

/** VmRSS: the resident set size now. */
export function currentRss(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const at = (index: number) => sorted[index] ?? NaN;
  return sorted.length % 2 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
}
