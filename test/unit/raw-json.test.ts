import { parsePage } from '../../src/atlassian/client';
import { dataArrayItems } from '../../src/atlassian/raw-json';

const ORG = '4c2f5d0e-9b1a-4e57-8d3c-2f6a0b7e91c4';

describe('dataArrayItems', () => {
  it('cuts each element of the top-level data array out of the body, byte for byte', () => {
    const e1 =
      '{"id":"a","attributes":{"processedAt":"2025-05-19T10:00:00Z","n":1.0,"big":12345678901234567890,"s":"\\u00e9 \\" ] } , ["x"]"}}';
    const e2 = '{ "id" : "b" , "nested" : { "data" : [1, 2] } }';
    const body = `{"links":{"data":["not this"]},"data": [ ${e1} ,\n ${e2}\n],"meta":{"next":"c","data":"x"}}`;
    expect(dataArrayItems(body)).toEqual([e1, e2]);
  });

  it('finds data after other keys whose values mention data', () => {
    expect(dataArrayItems('{"x":"data","y":{"data":[9]},"data":[{"id":"1"}]}')).toEqual(['{"id":"1"}']);
  });

  it('returns an empty list for an empty array and undefined without one', () => {
    expect(dataArrayItems('{"data":[],"meta":{}}')).toEqual([]);
    expect(dataArrayItems('{"data":{}}')).toBeUndefined();
    expect(dataArrayItems('{"meta":{"next":null}}')).toBeUndefined();
  });
});

describe('parsePage lines', () => {
  const event = (id: string) => `{"id":"${id}","attributes":{"processedAt":"2025-05-19T10:00:00.100Z","ratio":1.50,"name":"Ren\\u00e9e"}}`;

  it('are the events exactly as sent, not re-serialised', () => {
    const page = parsePage(`{"data":[${event('e1')},${event('e2')}],"meta":{"next":"N"}}`, ORG);
    expect(page.lines).toEqual([event('e1'), event('e2')]);
    expect(page.events.map((e) => e.id)).toEqual(['e1', 'e2']);
  });

  it('are serialised one per line when the API spread an event over several lines', () => {
    const pretty = JSON.stringify(
      { data: [{ id: 'p', attributes: { processedAt: '2025-05-19T10:00:00Z' } }], meta: { next: 'N' } },
      null,
      2,
    );
    const page = parsePage(pretty, ORG);
    expect(page.lines).toEqual(['{"id":"p","attributes":{"processedAt":"2025-05-19T10:00:00Z"}}']);
  });
});
