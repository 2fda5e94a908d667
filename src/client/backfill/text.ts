// How a backfill reads in a terminal: plain ASCII when piped.
import { humanSeconds } from '../status/health';
import type { TextStyle } from '../status/text';
import type { StartOutcome } from './start';
import type { BackfillStatus } from './status';

function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** A bar of `width` cells; block characters on a terminal, plain ASCII when piped. */
export function progressBar(fraction: number, width: number, style: TextStyle): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  const [full, empty] = style.color ? ['█', '░'] : ['#', '-'];
  return `[${full.repeat(filled)}${empty.repeat(width - filled)}]`;
}

export function backfillText(s: BackfillStatus, style: TextStyle): string {
  const p = s.progress;
  const percent = `${Math.floor(p.fraction * 100)}%`.padStart(4);
  const eta = s.status !== 'RUNNING' ? '-' : p.etaMs === null ? 'unknown yet' : humanSeconds(Math.round(p.etaMs / 1000));
  const lines = [
    `backfill    ${s.backfillId} (${s.status})`,
    `rule        ${p.ruleId}: ${p.from} to ${p.to}; live collection owns from ${p.liveStart}`,
    `progress    ${progressBar(p.fraction, 30, style)} ${percent}  ${p.slices.done}/${p.slices.total} slices done, ${p.slices.running} running (concurrency ${p.concurrency})`,
    `written     ${p.events} events in ${p.objects} objects (${bytesText(p.bytes)} compressed)${p.dropped ? `; ${p.dropped} left to live collection` : ''}`,
    `position    everything processed before ${p.position} is written`,
    `rate        ${Math.round(p.eventsPerSecond)} events/s; ETA ${eta}`,
  ];
  if (s.failure) lines.push(`error       ${s.failure}`);
  return lines.join('\n');
}

export function startText(o: StartOutcome): string {
  const head = o.started
    ? `started ${o.backfillId}: ${o.from} to ${o.to} in ${o.slices} slices, ${o.concurrency} at a time`
    : `already running: ${o.backfillId} (the same rule and range were asked for before; nothing new started)`;
  return [head, `  progress: audit-collect backfill status ${o.backfillId}`, `  Web UI:   ${o.webUi}`].join('\n');
}
