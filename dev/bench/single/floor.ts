// The floor: the collector's pipeline (`collectObjects`: fetch pages, NDJSON, zstd, PutObject, the
// next object read while the last uploads) in one process, with no Temporal and no checkpoint.
// Run as its own process by the benchmark; prints one JSON line with what it did and its own CPU
// time and peak memory.
import { startPosition } from '../../../src/model/position';
import { collectObjects } from '../../../src/pipeline/objects';
import { orgSource } from '../../../src/pipeline/org-source';
import { createAtlassianClient } from '../../../src/atlassian/client';
import { createPacer } from '../../../src/atlassian/pacer';
import { createS3Client, createS3Store } from '../../../src/storage/s3';
import { createZstd } from '../../../src/pipeline/zstd';
import { readFileSync } from 'node:fs';
import { parseStatusPeakRss } from '../shared/proc';
import type { ConnectionSpec } from '../../../src/model/types';

export interface FloorInput {
  connection: ConnectionSpec;
  /** The environment variable holding the simulator's API key. */
  apiKeyEnv: string;
  bucket: string;
  prefix: string;
  fromMs: number;
  pageLimit: number;
  pagesPerObject: number;
}

export interface FloorOutput {
  events: number;
  rawBytes: number;
  bytes: number;
  puts: number;
  wallMs: number;
  cpuSeconds: number;
  peakRssBytes: number;
}

async function main() {
  const input = JSON.parse(process.argv[2] ?? '{}') as FloorInput;
  const source = createAtlassianClient({ timeoutMs: 30_000, pacer: createPacer({ perMinute: 0, burst: 1 }) });
  const store = createS3Store(createS3Client({ forcePathStyle: true }));
  const compressor = createZstd();
  const apiKey = process.env[input.apiKeyEnv] ?? '';
  const out: FloorOutput = { events: 0, rawBytes: 0, bytes: 0, puts: 0, wallMs: 0, cpuSeconds: 0, peakRssBytes: 0 };
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await collectObjects({
    source: orgSource(source),
    store,
    compressor,
    connection: input.connection,
    apiKey,
    bucket: input.bucket,
    prefix: input.prefix,
    ruleId: 'floor',
    start: startPosition(input.fromMs),
    pageLimit: input.pageLimit,
    pagesPerObject: input.pagesPerObject,
    fenced: true,
    another: () => true,
    done: async ({ key, events, rawBytes, bytes }) => {
      if (key === null) return;
      out.events += events;
      out.rawBytes += rawBytes;
      out.bytes += bytes;
      out.puts += 1;
    },
  });
  out.wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  out.cpuSeconds = (cpu.user + cpu.system) / 1e6;
  // VmHWM, not getrusage's maxRSS: that one keeps the parent's peak across fork and exec.
  out.peakRssBytes = parseStatusPeakRss(readFileSync('/proc/self/status', 'utf8'));
  console.log(JSON.stringify(out));
}

main().catch((error) => {
  console.error(`floor: ${(error as Error).message}`);
  process.exit(1);
});
