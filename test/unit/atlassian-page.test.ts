import { ApplicationFailure } from '@temporalio/common';
import { parsePage } from '../../activities/io/atlassian';

const ORG = '4c2f5d0e-9b1a-4e57-8d3c-2f6a0b7e91c4';

const event = (id: string, processedAt = '2025-05-19T10:00:00.123Z') => ({
  id,
  type: 'events',
  attributes: { time: '2025-05-19T09:59:59Z', processedAt, action: 'user_login', actor: { id: 'a', name: 'Mei' }, extra: [1, null, { deep: true }] },
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
  });

  it.each([
    ['missing meta', {}],
    ['missing next', { meta: {} }],
    ['null next', { meta: { next: null } }],
    ['empty next', { meta: { next: '' } }],
  ])('nextCursor is null with %s', (_label, rest) => {
    expect(parsePage(JSON.stringify({ data: [], ...rest }), ORG)).toEqual({ events: [], lines: [], nextCursor: null });
  });

  it('rejects a body that is not JSON', () => expectMalformed('<html>502 Bad Gateway</html>'));
  it('rejects JSON null', () => expectMalformed('null'));
  it('rejects a missing data array', () => expectMalformed('{"meta":{"next":"x"}}'));
  it('rejects data that is not an array', () => expectMalformed('{"data":{}}'));
  it('rejects an event without an id', () => {
    const { id: _id, ...noId } = event('x');
    expectMalformed(JSON.stringify({ data: [event('ok'), noId] }));
  });
  it('rejects a null event', () => expectMalformed('{"data":[null]}'));
  it('rejects an event with an invalid processedAt', () => expectMalformed(JSON.stringify({ data: [event('x', 'not a date')] })));
  it('rejects an event without attributes', () => expectMalformed('{"data":[{"id":"x"}]}'));
});
