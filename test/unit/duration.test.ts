import { RETENTION_MS, parseDuration, resolveStartFrom } from '../../src/model/duration';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['0s', 0],
    [' 5m ', 300_000],
  ])('%j → %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['5', 'm', '', '1.5h', '-5m', '5 m', '5 minutes', '5M', '1w', '5m30s'])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('RETENTION_MS', () => {
  it('is 180 days', () => {
    expect(RETENTION_MS).toBe(180 * 86_400_000);
  });
});

describe('resolveStartFrom', () => {
  const now = Date.parse('2025-05-19T10:00:00Z');

  it('counts a duration back from now', () => {
    expect(resolveStartFrom('7d', now)).toBe(now - 7 * 86_400_000);
    expect(resolveStartFrom('90s', now)).toBe(now - 90_000);
  });

  it('reads an ISO date or date-time', () => {
    expect(resolveStartFrom('2025-05-01', now)).toBe(Date.parse('2025-05-01T00:00:00Z'));
    expect(resolveStartFrom('2025-05-01T12:30:00Z', now)).toBe(Date.parse('2025-05-01T12:30:00Z'));
  });

  it.each(['yesterday', '2025-13-45', 'May 1 2025', ''])('%j is undefined', (text) => {
    expect(resolveStartFrom(text, now)).toBeUndefined();
  });
});
