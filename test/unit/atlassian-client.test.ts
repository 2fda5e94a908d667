import { ApplicationFailure } from '@temporalio/common';
import { eventIdOf, parsePage } from '../../src/atlassian/client';

const ORG = '4c2f5d0e-9b1a-4e57-8d3c-2f6a0b7e91c4';

const event = (id: string, processedAt = '2025-05-19T10:00:00.123Z') => ({
  id,
  type: 'events',
  attributes: {
    time: '2025-05-19T09:59:59Z',
    processedAt,
    action: 'user_login',
    actor: { id: 'a', name: 'Mei' },
    extra: [1, null, { deep: true }],
  },
  links: { self: `https://api.atlassian.com/admin/v1/orgs/${ORG}/events/${id}` },
  message: { content: 'Mei logged in', format: 'simple' },
  somethingNew: 'kept',
});

function expectMalformed(body: string) {
  let thrown: unknown;
  try {
    parsePage(body, ORG);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ApplicationFailure);
  const failure = thrown as ApplicationFailure;
  expect(failure.type).toBe('AtlassianMalformedResponse');
  expect(failure.nonRetryable).toBe(false);
  expect(failure.message).toContain(ORG);
}

describe('parsePage', () => {
  it('passes events through untouched and reads meta.next', () => {
    const data = [event('e1'), event('e2', '2025-05-19T10:00:01Z')];
    const page = parsePage(JSON.stringify({ data, links: {}, meta: { next: 'CURSOR-2', page_size: 2 } }), ORG);
    expect(page.events).toEqual(data);
    expect(JSON.stringify(page.events)).toBe(JSON.stringify(data));
    expect(page.nextCursor).toBe('CURSOR-2');
    expect(page.processedAtMs).toEqual([Date.UTC(2025, 4, 19, 10, 0, 0, 123), Date.UTC(2025, 4, 19, 10, 0, 1)]);
  });

  it('gives each event its processedAt in epoch ms, in order, whatever the zone it was written in', () => {
    const data = [event('e1', '2025-05-19T10:00:00Z'), event('e2', '2025-05-19T12:00:00.5+02:00'), event('e3', '2025-05-19T10:00:00.999Z')];
    const page = parsePage(JSON.stringify({ data }), ORG);
    expect(page.processedAtMs).toEqual([
      Date.UTC(2025, 4, 19, 10),
      Date.UTC(2025, 4, 19, 10, 0, 0, 500),
      Date.UTC(2025, 4, 19, 10, 0, 0, 999),
    ]);
    expect(page.lines).toHaveLength(3);
  });

  it.each([
    ['without attributes', { id: 'x', type: 'events' }],
    ['without processedAt', { id: 'x', attributes: { action: 'user_login' } }],
    ['with a processedAt that is not a date', { id: 'x', attributes: { processedAt: 'not a date' } }],
    ['with a processedAt that is not a string', { id: 'x', attributes: { processedAt: 1747648800000 } }],
  ])('keeps an event %s, with processedAtMs undefined', (_label, odd) => {
    const data = [event('e1'), odd, event('e3', '2025-05-19T10:00:02Z')];
    const page = parsePage(JSON.stringify({ data, meta: { next: 'N' } }), ORG);
    expect(page.events).toEqual(data);
    expect(page.lines[1]).toBe(JSON.stringify(odd));
    expect(page.processedAtMs).toHaveLength(3);
    expect(page.processedAtMs[0]).toBe(Date.UTC(2025, 4, 19, 10, 0, 0, 123));
    expect(page.processedAtMs[1]).toBeUndefined();
    expect(page.processedAtMs[2]).toBe(Date.UTC(2025, 4, 19, 10, 0, 2));
    expect(page.nextCursor).toBe('N');
  });

  it.each([
    ['missing meta', {}],
    ['missing next', { meta: {} }],
    ['null next', { meta: { next: null } }],
    ['empty next', { meta: { next: '' } }],
  ])('nextCursor is null with %s', (_label, rest) => {
    expect(parsePage(JSON.stringify({ data: [], ...rest }), ORG)).toEqual({ events: [], lines: [], processedAtMs: [], nextCursor: null });
  });

  it('rejects a body that is not JSON', () => expectMalformed('<html>502 Bad Gateway</html>'));
  it('rejects JSON null', () => expectMalformed('null'));
  it('rejects a missing data array', () => expectMalformed('{"meta":{"next":"x"}}'));
  it('rejects data that is not an array', () => expectMalformed('{"data":{}}'));
  it('keeps an event without a string id, exactly as received, known by a hash of its text', () => {
    const { id: _id, ...noId } = event('x');
    const page = parsePage(JSON.stringify({ data: [event('ok'), noId, { ...event('y'), id: 42 }, event('')] }), ORG);
    expect(page.events).toHaveLength(4);
    expect(page.lines[1]).toBe(JSON.stringify(noId));
    const ids = page.events.map((e, n) => eventIdOf(e, page.lines[n]!));
    expect(ids[0]).toBe('ok');
    expect(ids.slice(1)).toEqual(ids.slice(1).map(() => expect.stringMatching(/^sha256:[0-9a-f]{64}$/)));
    // The same text is the same event: a re-read recognises it.
    expect(eventIdOf(noId as never, page.lines[1]!)).toBe(ids[1]);
    expect(new Set(ids).size).toBe(4);
  });
  it('rejects a null event', () => expectMalformed('{"data":[null]}'));
  it('names the event that is not an object', () => {
    expect(() => parsePage(JSON.stringify({ data: [event('a'), event('b'), 7] }), ORG)).toThrow('event 2 that is not an object');
  });
});
