import { checkpointKey, objectKey, positionToken } from '../../activities/keys';
import { STATE_PREFIX } from '../../workflows/types';

const firstProcessedAtMs = Date.UTC(2025, 4, 19, 23, 59, 58, 123); // 2025-05-19T23:59:58.123Z
const base = { prefix: 'atlassian/audit/', ruleId: 'acme-audit', firstProcessedAtMs, start: { cursor: 'abc' } };

describe('objectKey', () => {
  it('is deterministic: the same batch start gives the same key', () => {
    expect(objectKey(base)).toBe(objectKey({ ...base, start: { cursor: 'abc' } }));
  });

  it('differs for different start positions', () => {
    const keys = new Set([
      objectKey(base),
      objectKey({ ...base, start: { cursor: 'abd' } }),
      objectKey({ ...base, start: { fromMs: 1 } }),
      objectKey({ ...base, start: { fromMs: 2 } }),
    ]);
    expect(keys.size).toBe(4);
  });

  it('is partitioned <prefix>YYYY/MM/DD/HH/ by the first processedAt in UTC and ends .json.zst', () => {
    const key = objectKey(base);
    expect(key.startsWith('atlassian/audit/2025/05/19/23/acme-audit-1747699198123-')).toBe(true);
    expect(key).toMatch(/^atlassian\/audit\/2025\/05\/19\/23\/acme-audit-1747699198123-[0-9a-f]{16}\.json\.zst$/);
  });

  it('zero-pads month, day and hour', () => {
    const key = objectKey({ ...base, firstProcessedAtMs: Date.UTC(2026, 0, 2, 3, 0, 0) });
    expect(key.startsWith('atlassian/audit/2026/01/02/03/')).toBe(true);
  });
});

describe('positionToken', () => {
  it('distinguishes a cursor from a from bound with the same text', () => {
    expect(positionToken({ cursor: '123' })).not.toBe(positionToken({ fromMs: 123 }));
    expect(positionToken({ cursor: 'x' })).toBe(positionToken({ cursor: 'x' }));
  });
});

describe('checkpointKey', () => {
  it('lives under _audit-collect/state/', () => {
    expect(STATE_PREFIX).toBe('_audit-collect/state/');
    expect(checkpointKey('acme-audit')).toBe('_audit-collect/state/acme-audit.json');
  });
});
