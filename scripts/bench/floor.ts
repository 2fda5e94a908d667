// The floor: the same pipeline as the collector (fetch pages, NDJSON, zstd, PutObject) in one
// plain loop, with no Temporal and no checkpoint. Run as its own process by the benchmark; prints
// one JSON line with what it did and its own CPU time and peak memory.
import { readPages, writeEvents } from '../../activities/batch';
import { createAtlassianClient } from '../../activities/io/atlassian';
import { createPacer } from '../../activities/io/pacer';
import { createS3Client, createS3Store } from '../../activities/io/s3';
import { createZstd } from '../../activities/io/zstd';
import { objectKey } from '../../activities/keys';
import { readFileSync } from 'node:fs';
import { parseStatusPeakRss } from './proc';
import type { ConnectionSpec, Position } from '../../workflows/types';

export interface FloorInput {
  connection: ConnectionSpec;
  /** The environment variable holding the simulator's API key. */
  apiKeyEnv: string;
  bucket: string;
  prefix: string;
  fromMs: number;
  pageLimit: number;
  pagesPerBatch: number;
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
  const input = JSON.parse(process.argv[2]) as FloorInput;
  const source = createAtlassianClient({ timeoutMs: 30_000, pacer: createPacer({ perMinute: 0, burst: 1 }) });
  const store = createS3Store(createS3Client({ forcePathStyle: true }));
  const compressor = createZstd();
  const apiKey = process.env[input.apiKeyEnv] ?? '';
  const out: FloorOutput = { events: 0, rawBytes: 0, bytes: 0, puts: 0, wallMs: 0, cpuSeconds: 0, peakRssBytes: 0 };
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let position: Position = { fromMs: input.fromMs };
  for (;;) {
    const read = await readPages({ source, connection: input.connection, apiKey, start: position, pageLimit: input.pageLimit, maxPages: input.pagesPerBatch });
    const { lines, firstProcessedAt, lastProcessedAt } = read;
    if (firstProcessedAt !== null && lastProcessedAt !== null) {
      const key = objectKey({ prefix: input.prefix, ruleId: 'floor', firstProcessedAtMs: Date.parse(firstProcessedAt), start: position });
      const written = await writeEvents({ store, compressor, bucket: input.bucket, key, ruleId: 'floor', lines, firstProcessedAt, lastProcessedAt });
      out.events += lines.length;
      out.rawBytes += written.rawBytes;
      out.bytes += written.bytes;
      out.puts += 1;
    }
    position = read.position;
    if (read.caughtUp) break;
  }
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
