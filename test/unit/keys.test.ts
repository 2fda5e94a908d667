import { checkpointKey, objectKey } from '../../src/storage/keys';
import { STATE_PREFIX } from '../../src/model/types';

const processedAtMs = Date.UTC(2025, 4, 19, 23, 59, 58, 123); // 2025-05-19T23:59:58.123Z
const base = { prefix: 'atlassian/audit/', ruleId: 'acme-audit', first: { id: 'evt-1', processedAtMs } };

describe('objectKey', () => {
  it('derives from the first event alone: the same first event gives the same key', () => {
    // A fresh object literal each time: nothing but the values counts.
    expect(objectKey(base)).toBe(objectKey({ prefix: 'atlassian/audit/', ruleId: 'acme-audit', first: { id: 'evt-1', processedAtMs } }));
    // Whatever else a caller may have around (a cursor, a setting) is not part of the key.
    const withExtras = { ...base, first: { ...base.first }, cursor: 'abc', pagesPerObject: 7 } as typeof base;
    expect(objectKey(withExtras)).toBe(objectKey(base));
    expect(objectKey({ ...base, backfill: false })).toBe(objectKey(base));
  });

  it('differs for a different first id or a different first processedAt', () => {
    const keys = new Set([
      objectKey(base),
      objectKey({ ...base, first: { id: 'evt-2', processedAtMs } }),
      objectKey({ ...base, first: { id: 'evt-1', processedAtMs: processedAtMs + 1 } }),
      objectKey({ ...base, first: { id: 'evt-2', processedAtMs: processedAtMs + 1 } }),
    ]);
    expect(keys.size).toBe(4);
  });

  it('differs by rule and by prefix', () => {
    expect(objectKey({ ...base, ruleId: 'other' })).not.toBe(objectKey(base));
    expect(objectKey({ ...base, prefix: 'x/' }).startsWith('x/')).toBe(true);
  });

  it('marks backfill objects with -backfill, otherwise the same name', () => {
    const live = objectKey(base);
    const backfill = objectKey({ ...base, backfill: true });
    expect(backfill).not.toBe(live);
    expect(backfill).toMatch(/^atlassian\/audit\/2025\/05\/19\/23\/acme-audit-backfill-1747699198123-[0-9a-f]{16}\.json\.zst$/);
    expect(live).not.toContain('backfill');
    expect(backfill.replace('-backfill', '')).toBe(live);
    expect(objectKey({ ...base, backfill: true })).toBe(backfill);
  });

  it('is partitioned <prefix>YYYY/MM/DD/HH/ by the first processedAt in UTC and ends .json.zst', () => {
    const key = objectKey(base);
    expect(key).toMatch(/^atlassian\/audit\/2025\/05\/19\/23\/acme-audit-1747699198123-[0-9a-f]{16}\.json\.zst$/);
    // One millisecond later is the next day, the next partition.
    const next = objectKey({ ...base, first: { id: 'evt-1', processedAtMs: Date.UTC(2025, 4, 20) } });
    expect(next.startsWith('atlassian/audit/2025/05/20/00/acme-audit-1747699200000-')).toBe(true);
  });

  it('zero-pads month, day and hour', () => {
    const key = objectKey({ ...base, first: { id: 'e', processedAtMs: Date.UTC(2026, 0, 2, 3, 0, 0) } });
    expect(key.startsWith('atlassian/audit/2026/01/02/03/')).toBe(true);
  });

  it('does not put the raw event ID in the key', () => {
    const key = objectKey({ ...base, first: { id: 'a/b c?', processedAtMs } });
    expect(key).not.toContain('a/b');
    expect(key.split('/')).toHaveLength(base.prefix.split('/').length + 4);
  });
});

describe('objectKey with a layout', () => {
  it('hourly is the default: naming it gives the same key', () => {
    expect(objectKey({ ...base, layout: 'hourly' })).toBe(objectKey(base));
  });

  it('hive partitions <prefix>dt=YYYY-MM-DD/hour=HH/ by the first processedAt in UTC, the name unchanged', () => {
    const hive = objectKey({ ...base, layout: 'hive' });
    expect(hive).toMatch(/^atlassian\/audit\/dt=2025-05-19\/hour=23\/acme-audit-1747699198123-[0-9a-f]{16}\.json\.zst$/);
    expect(hive.split('/').pop()).toBe(objectKey(base).split('/').pop());
    const next = objectKey({ ...base, layout: 'hive', first: { id: 'evt-1', processedAtMs: Date.UTC(2025, 4, 20) } });
    expect(next.startsWith('atlassian/audit/dt=2025-05-20/hour=00/acme-audit-1747699200000-')).toBe(true);
    const padded = objectKey({ ...base, layout: 'hive', first: { id: 'e', processedAtMs: Date.UTC(2026, 0, 2, 3, 0, 0) } });
    expect(padded.startsWith('atlassian/audit/dt=2026-01-02/hour=03/')).toBe(true);
  });

  it('hive keys derive from the first event alone and are unique, backfill objects included', () => {
    const hive = { ...base, layout: 'hive' as const };
    expect(objectKey(hive)).toBe(objectKey({ ...base, layout: 'hive' }));
    const keys = new Set([
      objectKey(hive),
      objectKey({ ...hive, first: { id: 'evt-2', processedAtMs } }),
      objectKey({ ...hive, first: { id: 'evt-1', processedAtMs: processedAtMs + 1 } }),
      objectKey({ ...hive, backfill: true }),
      objectKey({ ...hive, ruleId: 'other' }),
    ]);
    expect(keys.size).toBe(5);
    expect(objectKey({ ...hive, backfill: true })).toMatch(
      /^atlassian\/audit\/dt=2025-05-19\/hour=23\/acme-audit-backfill-1747699198123-[0-9a-f]{16}\.json\.zst$/,
    );
  });

  it('puts no raw event ID in a hive key either', () => {
    const key = objectKey({ ...base, layout: 'hive', first: { id: 'a/b c?', processedAtMs } });
    expect(key).not.toContain('a/b');
    expect(key.split('/')).toHaveLength(base.prefix.split('/').length + 2);
  });
});

describe('checkpointKey', () => {
  it('lives under _audit-collect/state/', () => {
    expect(STATE_PREFIX).toBe('_audit-collect/state/');
    expect(checkpointKey('acme-audit')).toBe('_audit-collect/state/acme-audit.json');
  });
});
