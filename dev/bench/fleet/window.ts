// One steady-state window of the fleet benchmark: the workers' CPU and memory while the schedules
// run their rules, then every run started in the window read back from Temporal.
import type { ChildProcess } from 'node:child_process';
import type { Client } from '@temporalio/client';
import { currentRss, sampleProcess } from '../shared/proc';
import { percentile, readRuns } from './runs';
import { serverHeartbeats } from './setup';

export interface WindowFigures {
  label: string;
  workers: number;
  /** Rules × (5 minutes / interval): the fleet at 5 minutes that starts runs as often. */
  rulesAt5m: number;
  intervalMs: number;
  windowMs: number;
  runs: number;
  failed: number;
  startDelayP50Ms: number;
  startDelayP99Ms: number;
  startDelayMaxMs: number;
  wallP50Ms: number;
  wallP99Ms: number;
  historyEventsPerRun: number;
  actionsPerRun: number;
  heartbeatsPerRun: number;
  /** Per worker. */
  rssMaxBytes: number[];
  cpuPercent: number[];
  serverCpuPercent: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function measureWindow(params: {
  label: string;
  client: Client;
  workers: ChildProcess[];
  serverPid: number;
  temporalMetricsUrl: string;
  rules: number;
  intervalMs: number;
  windowMs: number;
  log: (line: string) => void;
}): Promise<WindowFigures> {
  const { workers } = params;
  const pids = workers.map((w) => w.pid!);
  params.log(`${params.label}: measuring ${Math.round(params.windowMs / 1000)} s of steady state`);
  const fromMs = Date.now();
  const cpu0 = pids.map((pid) => sampleProcess(pid).cpuSeconds);
  const server0 = sampleProcess(params.serverPid).cpuSeconds;
  const beats0 = await serverHeartbeats(params.temporalMetricsUrl);
  const rssMax = pids.map((pid) => currentRss(pid));
  while (Date.now() < fromMs + params.windowMs) {
    await sleep(Math.min(5_000, fromMs + params.windowMs - Date.now()));
    pids.forEach((pid, n) => (rssMax[n] = Math.max(rssMax[n]!, currentRss(pid))));
  }
  const toMs = Date.now();
  const seconds = (toMs - fromMs) / 1000;
  const cpuPercent = pids.map((pid, n) => ((sampleProcess(pid).cpuSeconds - cpu0[n]!) / seconds) * 100);
  const serverCpuPercent = ((sampleProcess(params.serverPid).cpuSeconds - server0) / seconds) * 100;
  const beats = (await serverHeartbeats(params.temporalMetricsUrl)) - beats0;
  // Runs that started near the end close within seconds; give them time before reading.
  await sleep(Math.min(30_000, params.intervalMs / 2));
  const runs = (await readRuns({ client: params.client, fromMs, toMs })).filter((r) => Number.isFinite(r.scheduledMs));
  const done = runs.filter((r) => r.completed);
  const delays = runs.map((r) => r.firstTaskMs - r.scheduledMs);
  const walls = done.map((r) => r.closedMs - r.startedMs);
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
  return {
    label: params.label,
    workers: workers.length,
    rulesAt5m: Math.round((params.rules * 300_000) / params.intervalMs),
    intervalMs: params.intervalMs,
    windowMs: toMs - fromMs,
    runs: runs.length,
    failed: runs.length - done.length,
    startDelayP50Ms: percentile(delays, 50),
    startDelayP99Ms: percentile(delays, 99),
    startDelayMaxMs: Math.max(...delays),
    wallP50Ms: percentile(walls, 50),
    wallP99Ms: percentile(walls, 99),
    historyEventsPerRun: mean(done.map((r) => r.historyEvents)),
    actionsPerRun: mean(done.map((r) => r.actions)),
    heartbeatsPerRun: beats / Math.max(runs.length, 1),
    rssMaxBytes: rssMax,
    cpuPercent,
    serverCpuPercent,
  };
}

export function windowLine(w: WindowFigures): string {
  const s = (ms: number) => (ms / 1000).toFixed(2);
  return (
    `${w.label}: ${w.runs} runs (${w.failed} not completed), start delay p50 ${s(w.startDelayP50Ms)} s p99 ${s(w.startDelayP99Ms)} s ` +
    `max ${s(w.startDelayMaxMs)} s, wall p50 ${s(w.wallP50Ms)} s p99 ${s(w.wallP99Ms)} s, ${w.historyEventsPerRun.toFixed(1)} history events ` +
    `and ${(w.actionsPerRun + w.heartbeatsPerRun).toFixed(2)} actions a run, worker RSS max ${w.rssMaxBytes.map((b) => (b / 1e6).toFixed(0)).join('/')} MB, ` +
    `CPU ${w.cpuPercent.map((c) => c.toFixed(2)).join('/')} % of a core, Temporal server ${w.serverCpuPercent.toFixed(1)} %`
  );
}
