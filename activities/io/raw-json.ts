// Cuts the raw text of each element of a JSON document's top-level `data` array out of the body,
// so events are stored byte for byte as the API sent them (no re-serialising: numbers, escapes and
// key order stay as they were, and it costs less than JSON.stringify).

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;
const COMMA = 44;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/**
 * The raw text of each element of the top-level object's `data` array, or undefined when the body
 * has no such array. Expects a body that JSON.parse accepted; it does not validate.
 */
export function dataArrayItems(body: string): string[] | undefined {
  let depth = 0;
  let lastString = '';
  let key = '';
  let stringStart = -1;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (stringStart >= 0) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) {
        if (depth === 1) lastString = body.slice(stringStart + 1, i);
        stringStart = -1;
      }
      continue;
    }
    if (c === QUOTE) stringStart = i;
    else if (c === COLON && depth === 1) key = lastString;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (depth === 1 && c === OPEN_BRACKET && key === 'data') return arrayItems(body, i + 1);
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
  let inString = false;
  for (let i = from; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (depth === 0 && (c === COMMA || c === CLOSE_BRACKET)) {
      if (start >= 0) items.push(body.slice(start, trimEnd(body, i)));
      start = -1;
      if (c === CLOSE_BRACKET) return items;
      continue;
    }
    if (start < 0 && !isSpace(c)) start = i;
    if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return undefined;
}

function trimEnd(body: string, end: number): number {
  while (end > 0 && isSpace(body.charCodeAt(end - 1))) end--;
  return end;
}
