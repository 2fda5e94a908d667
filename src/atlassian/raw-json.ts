// Cuts the raw text of each element of a JSON document's top-level array (`data` for the events
// stream, `records` for Jira, `results` for Confluence) out of the body, so events are stored byte
// for byte as the API sent them (no re-serialising: numbers, escapes and
// key order stay as they were, and it costs less than JSON.stringify).

const QUOTE = '"'.charCodeAt(0);
const BACKSLASH = '\\'.charCodeAt(0);
const COLON = ':'.charCodeAt(0);
const COMMA = ','.charCodeAt(0);
const OPEN_BRACE = '{'.charCodeAt(0);
const CLOSE_BRACE = '}'.charCodeAt(0);
const OPEN_BRACKET = '['.charCodeAt(0);
const CLOSE_BRACKET = ']'.charCodeAt(0);

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/**
 * The raw text of each element of the top-level object's `data` array, or undefined when the body
 * has no such array. Expects a body that JSON.parse accepted; it does not validate.
 */
export function dataArrayItems(body: string): string[] | undefined {
  return topLevelArrayItems(body, 'data');
}

/** The raw text of each element of the top-level object's array under `name`, or undefined. */
export function topLevelArrayItems(body: string, name: string): string[] | undefined {
  let depth = 0;
  let lastString = '';
  let key = '';
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(body, i);
      if (end < 0) return undefined;
      if (depth === 1) lastString = body.slice(i + 1, end);
      i = end;
    } else if (c === COLON && depth === 1) key = lastString;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (depth === 1 && c === OPEN_BRACKET && key === name) return arrayItems(body, i + 1);
      depth++;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return undefined;
}

/** The elements of the array whose first element starts at or after `from`, up to its `]`. */
function arrayItems(body: string, from: number): string[] | undefined {
  const items: string[] = [];
  let depth = 0;
  let start = -1;
  for (let i = from; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c === QUOTE) {
      if (start < 0) start = i;
      i = stringEnd(body, i);
      if (i < 0) return undefined;
      continue;
    }
    if (depth === 0 && (c === COMMA || c === CLOSE_BRACKET)) {
      if (start >= 0) items.push(body.slice(start, trimEnd(body, i)));
      start = -1;
      if (c === CLOSE_BRACKET) return items;
      continue;
    }
    if (start < 0 && !isSpace(c)) start = i;
    if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return undefined;
}

/**
 * The index of the quote that closes the string opened at `open`, or -1. Jumps with indexOf
 * (most of an event's text is inside strings), skipping quotes escaped by an odd run of backslashes.
 */
function stringEnd(body: string, open: number): number {
  let end = body.indexOf('"', open + 1);
  while (end > 0 && body.charCodeAt(end - 1) === BACKSLASH) {
    let slashes = 1;
    while (body.charCodeAt(end - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) break;
    end = body.indexOf('"', end + 1);
  }
  return end;
}

function trimEnd(body: string, end: number): number {
  while (end > 0 && isSpace(body.charCodeAt(end - 1))) end--;
  return end;
}
