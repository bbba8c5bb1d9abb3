/**
 * Container formats, auto-detected from the text itself (never the file name):
 *   - CloudTrail's S3 log files: `{"Records":[…]}`
 *   - a JSON array of records or EventBridge events
 *   - a single record or EventBridge event
 *   - JSON lines (one record or event per line)
 *
 * Pure: takes text, yields values with the line they start on, so a rejection
 * can be reported as `FILE:LINE: reason`. Decompression and file reading live in
 * the CLI.
 */

export const MAX_LINE_BYTES = 1024 * 1024;

export interface RawItem {
  /** 1-based line where the item starts. */
  line: number;
  /** The parsed value, when `error` is absent. */
  value?: unknown;
  /** Why the item could not be read as JSON. */
  error?: string;
}

export type ContainerFormat = 'cloudtrail-log-file' | 'json-array' | 'json-record' | 'json-lines' | 'empty';

export interface SplitResult {
  format: ContainerFormat;
  items: RawItem[];
}

/**
 * Splits a whole input into raw items. Never throws: unreadable input becomes
 * items with an `error`.
 */
export function splitRecords(text: string): SplitResult {
  const start = firstNonSpace(text);
  if (start === -1) return { format: 'empty', items: [] };
  const first = text[start];
  if (first === '[' || first === '{') {
    const whole = tryParse(text);
    if (whole.ok) return fromWholeDocument(text, whole.value, start);
    // Not one JSON document: fall through to JSON lines (a .jsonl file whose lines start with `{`).
    if (!hasSeveralLines(text)) {
      return { format: first === '[' ? 'json-array' : 'json-record', items: [{ line: lineAt(text, start), error: `not valid JSON: ${whole.error}` }] };
    }
  }
  return { format: 'json-lines', items: splitJsonLines(text) };
}

function fromWholeDocument(text: string, value: unknown, start: number): SplitResult {
  if (Array.isArray(value)) {
    const lines = elementLines(text, start, value.length);
    return { format: 'json-array', items: value.map((v, i) => ({ line: lines(i), value: v })) };
  }
  if (isRecordsFile(value)) {
    const records = value.Records;
    const recordsStart = findRecordsArray(text);
    const lines = recordsStart === -1 ? () => lineAt(text, start) : elementLines(text, recordsStart, records.length);
    return { format: 'cloudtrail-log-file', items: records.map((v, i) => ({ line: lines(i), value: v })) };
  }
  return { format: 'json-record', items: [{ line: lineAt(text, start), value }] };
}

function isRecordsFile(value: unknown): value is { Records: unknown[] } {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.prototype.hasOwnProperty.call(value, 'Records') &&
    Array.isArray((value as { Records: unknown }).Records) &&
    // An EventBridge event or CloudTrail record never has a top-level `Records` array.
    !Object.prototype.hasOwnProperty.call(value, 'eventName')
  );
}

function splitJsonLines(text: string): RawItem[] {
  const items: RawItem[] = [];
  let lineNo = 0;
  let pos = 0;
  while (pos <= text.length) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = text.length;
    lineNo++;
    const raw = text.slice(pos, end);
    pos = end + 1;
    const line = raw.trim();
    if (line.length === 0) {
      if (end === text.length) break;
      continue;
    }
    if (line.length > MAX_LINE_BYTES) {
      items.push({ line: lineNo, error: `line is ${line.length} characters long; at most ${MAX_LINE_BYTES} are accepted` });
    } else {
      const parsed = tryParse(line);
      items.push(parsed.ok ? { line: lineNo, value: parsed.value } : { line: lineNo, error: `not valid JSON: ${parsed.error}` });
    }
    if (end === text.length) break;
  }
  return items;
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    // Deeply nested input overflows the stack as a RangeError: still just bad input.
    const message = error instanceof RangeError ? 'nested too deeply' : (error as Error).message;
    return { ok: false, error: message.slice(0, 200) };
  }
}

function firstNonSpace(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09 && c !== 0xfeff) return i;
  }
  return -1;
}

function hasSeveralLines(text: string): boolean {
  const first = text.indexOf('\n');
  return first !== -1 && text.slice(first).trim().length > 0;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Line numbers of the elements of the array that opens at `arrayStart`, computed
 * lazily (only a rejected record needs its line) by one scan of the text that
 * skips strings and tracks depth.
 */
function elementLines(text: string, arrayStart: number, count: number): (index: number) => number {
  let cache: number[] | undefined;
  return (index) => {
    cache ??= scanElementLines(text, arrayStart, count);
    return cache[index] ?? lineAt(text, arrayStart);
  };
}

function scanElementLines(text: string, arrayStart: number, count: number): number[] {
  const lines: number[] = [];
  let line = lineAt(text, arrayStart);
  let depth = 0;
  let inString = false;
  let expectElement = false;
  for (let i = arrayStart; i < text.length && lines.length < count; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
      continue;
    }
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') continue;
    if (expectElement && depth === 1) {
      if (c !== ']') lines.push(line);
      expectElement = false;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth === 1) expectElement = true;
    } else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) break;
    } else if (c === ',' && depth === 1) expectElement = true;
  }
  return lines;
}

/** Offset of the `[` that opens the top-level `"Records"` array. */
function findRecordsArray(text: string): number {
  let depth = 0;
  let inString = false;
  let stringStart = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') {
        inString = false;
        if (depth === 1 && text.slice(stringStart, i + 1) === '"Records"') {
          const colon = text.indexOf(':', i);
          const open = colon === -1 ? -1 : text.indexOf('[', colon);
          if (open !== -1) return open;
        }
      }
      continue;
    }
    if (c === '"') {
      inString = true;
      stringStart = i;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return -1;
}

/**
 * The CloudTrail S3 log file, one record at a time: for a text that is exactly
 * `{"Records":[ … ]}` (JSON whitespace only, no other key), each element is
 * found by a scan that skips strings and tracks depth, parsed on its own and
 * handed to `visit` with its line — so a caller never holds the whole parsed
 * document, only the record in hand. The values and lines are the ones
 * {@link splitRecords} gives for such a file.
 *
 * Returns false when the text is not such a file or an element is not valid
 * JSON (then the whole document is not valid JSON either). `visit` may already
 * have seen some elements by then: the caller discards them and falls back to
 * {@link splitRecords}, which reports the error exactly as before.
 */
export function eachLogFileRecord(text: string, visit: (item: RawItem) => void): boolean {
  const n = text.length;
  let i = 0;
  let line = 1;
  const ws = () => {
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a) line++;
      else if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return;
    }
  };
  ws();
  if (text.charCodeAt(i) !== 0x7b /* { */) return false;
  i++;
  ws();
  if (!text.startsWith('"Records"', i)) return false;
  i += 9;
  ws();
  if (text.charCodeAt(i) !== 0x3a /* : */) return false;
  i++;
  ws();
  if (text.charCodeAt(i) !== 0x5b /* [ */) return false;
  i++;
  ws();
  if (text.charCodeAt(i) === 0x5d /* ] */) {
    i++;
  } else {
    for (;;) {
      const start = i;
      const startLine = line;
      let depth = 0;
      // Scan one value: strings skipped whole, brackets counted, a top-level `,` or `]` ends it.
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c === 0x22 /* " */) {
          let j = i + 1;
          for (;;) {
            j = text.indexOf('"', j);
            if (j === -1) return false;
            let k = j - 1;
            while (text.charCodeAt(k) === 0x5c /* \ */) k--;
            if ((j - 1 - k) % 2 === 0) break;
            j++;
          }
          i = j;
        } else if (c === 0x7b || c === 0x5b) depth++;
        else if (c === 0x7d || c === 0x5d) {
          if (depth === 0) break;
          depth--;
        } else if (c === 0x2c /* , */ && depth === 0) break;
        else if (c === 0x0a) line++;
      }
      if (i >= n) return false;
      const parsed = tryParse(text.slice(start, i));
      if (!parsed.ok) return false;
      visit({ line: startLine, value: parsed.value });
      ws();
      const c = text.charCodeAt(i);
      i++;
      if (c === 0x5d /* ] */) break;
      if (c !== 0x2c) return false;
      ws();
    }
  }
  ws();
  if (text.charCodeAt(i) !== 0x7d /* } */) return false;
  i++;
  ws();
  return i === n;
}

/**
 * {@link eachLogFileRecord} fed in chunks of bytes (UTF-8, as read or gunzipped),
 * so a large log file is never held whole — neither as text nor parsed: memory is
 * one chunk plus the record being read. `push` and `end` return false as soon as
 * the input is not a CloudTrail log file whose every record is valid JSON; the
 * caller then discards what it was given and reads the file with
 * {@link splitRecords} (which reports the error). Structural bytes are ASCII and
 * never occur inside a multi-byte UTF-8 sequence, so the scan runs on bytes.
 */
export function createLogFileReader(visit: (item: RawItem) => void): { push(chunk: Uint8Array): boolean; end(): boolean } {
  const HEADER = /^[ \t\r\n]*\{[ \t\r\n]*"Records"[ \t\r\n]*:[ \t\r\n]*\[/;
  const enum S {
    Header,
    AfterOpen,
    BeforeElement,
    Element,
    AfterElement,
    Trailer,
    Done,
    Failed,
  }
  let state: S = S.Header;
  let header = '';
  let line = 1;
  let carry: Buffer | undefined;
  let depth = 0;
  let inString = false;
  let elementLine = 0;
  const emit = (bytes: Buffer, start: number, end: number): boolean => {
    const parsed = tryParse(bytes.toString('utf8', start, end));
    if (!parsed.ok) return false;
    visit({ line: elementLine, value: parsed.value });
    return true;
  };

  /** Index of the quote that closes a string whose body continues at `from`, or -1 if it is not in `buf` yet. */
  const closingQuote = (buf: Buffer, from: number): number => {
    for (let j = from; ; j++) {
      j = buf.indexOf(0x22, j);
      if (j === -1) return -1;
      let k = j - 1;
      while (buf[k] === 0x5c) k--;
      if ((j - 1 - k) % 2 === 0) return j; // an even run of backslashes: not escaped
    }
  };

  const scan = (buf: Buffer, from: number): boolean => {
    let start = state === S.Element ? 0 : -1;
    let i = from;
    if (inString) {
      const q = closingQuote(buf, from);
      if (q === -1) i = buf.length;
      else {
        inString = false;
        i = q + 1;
      }
    }
    for (; i < buf.length; i++) {
      const c = buf[i]!;
      switch (state) {
        case S.Element:
          if (c === 0x22) {
            // Strings are skipped whole (native search), not byte by byte.
            const q = closingQuote(buf, i + 1);
            if (q === -1) {
              inString = true;
              i = buf.length;
              break;
            }
            i = q;
          } else if (c === 0x7b || c === 0x5b) depth++;
          else if (c === 0x0a) line++;
          else if ((c === 0x7d || c === 0x5d) && depth > 0) depth--;
          else if (depth === 0 && (c === 0x2c || c === 0x5d)) {
            if (!emit(buf, start, i)) return false;
            start = -1;
            state = c === 0x2c ? S.BeforeElement : S.Trailer;
          } else if (c === 0x7d && depth === 0) return false;
          continue;
        case S.AfterOpen:
        case S.BeforeElement:
        case S.AfterElement:
        case S.Trailer:
        case S.Done:
          if (c === 0x0a) {
            line++;
            continue;
          }
          if (c === 0x20 || c === 0x09 || c === 0x0d) continue;
          if (state === S.Trailer && c === 0x7d) {
            state = S.Done;
            continue;
          }
          if (state === S.AfterOpen && c === 0x5d) {
            state = S.Trailer;
            continue;
          }
          if (state === S.AfterOpen || state === S.BeforeElement) {
            if (c === 0x5d || c === 0x2c) return false;
            state = S.Element;
            start = i;
            elementLine = line;
            depth = 0;
            inString = false;
            i--; // read this byte as the element's first
            continue;
          }
          return false;
        default:
          return false;
      }
    }
    carry = state === S.Element ? Buffer.from(buf.subarray(start)) : undefined;
    return true;
  };

  return {
    push(chunk) {
      if (state === S.Failed) return false;
      let bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (state === S.Header) {
        header += bytes.toString('latin1');
        const m = HEADER.exec(header);
        if (!m) {
          // Not (yet) `{"Records":[`: wait for more, up to a bound; a file that is no log file is read the other way.
          if (header.length > 65_536 || /^[ \t\r\n]*[^ \t\r\n{]/.test(header)) {
            state = S.Failed;
            return false;
          }
          return true;
        }
        for (const ch of m[0]) if (ch === '\n') line++;
        bytes = Buffer.from(header.slice(m[0].length), 'latin1');
        header = '';
        state = S.AfterOpen;
      }
      const buf = carry ? Buffer.concat([carry, bytes]) : bytes;
      const from = carry ? carry.length : 0;
      if (!scan(buf, from)) {
        state = S.Failed;
        return false;
      }
      return true;
    },
    end() {
      return state === S.Done;
    },
  };
}
