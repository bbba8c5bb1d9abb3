import { describe, expect, it } from 'vitest';
import { splitRecords, MAX_LINE_BYTES } from '../../functions/core/intake.ts';

const rec = (id: string) => ({ eventID: id, eventName: 'GetCallerIdentity' });

describe('splitRecords: container formats are detected from the text', () => {
  it('reads a CloudTrail S3 log file and reports each record with the line it starts on', () => {
    const text = `{\n  "Records": [\n    ${JSON.stringify(rec('a'))},\n    ${JSON.stringify(rec('b'))}\n  ]\n}\n`;
    const { format, items } = splitRecords(text);
    expect(format).toBe('cloudtrail-log-file');
    expect(items.map((i) => [(i.value as { eventID: string }).eventID, i.line])).toEqual([
      ['a', 3],
      ['b', 4],
    ]);
  });

  it('reads a JSON array, pretty-printed across lines, with element lines', () => {
    const text = JSON.stringify([rec('a'), rec('b'), rec('c')], null, 2);
    const { format, items } = splitRecords(text);
    expect(format).toBe('json-array');
    expect(items.map((i) => i.line)).toEqual([2, 6, 10]);
  });

  it('reads a single record or EventBridge event', () => {
    const { format, items } = splitRecords(JSON.stringify({ 'detail-type': 'AWS API Call via CloudTrail', detail: rec('a') }));
    expect(format).toBe('json-record');
    expect(items).toHaveLength(1);
  });

  it('reads JSON lines, skipping blank lines, and reports junk lines without stopping', () => {
    const text = [JSON.stringify(rec('a')), '', 'this is junk', JSON.stringify(rec('b')), ''].join('\n');
    const { format, items } = splitRecords(text);
    expect(format).toBe('json-lines');
    expect(items.map((i) => i.line)).toEqual([1, 3, 4]);
    expect(items[1]!.error).toMatch(/not valid JSON/);
    expect((items[2]!.value as { eventID: string }).eventID).toBe('b');
  });

  it('refuses an over-long line with its size, and survives nesting deep enough to overflow the parser', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    const long = JSON.stringify({ eventName: 'x'.repeat(MAX_LINE_BYTES + 10) });
    const { items } = splitRecords([JSON.stringify(rec('a')), long, deep, JSON.stringify(rec('b'))].join('\n'));
    expect(items).toHaveLength(4);
    expect(items[1]!.error).toMatch(/at most \d+ are accepted/);
    expect(items[2]!.error ?? 'parsed').toMatch(/nested too deeply|parsed/);
    expect(items[3]!.value).toEqual(rec('b'));
  });

  it('treats empty input as no records', () => {
    expect(splitRecords('  \n\n').items).toEqual([]);
  });

  it('reports a truncated single document as one unreadable item', () => {
    const { items } = splitRecords('{"Records": [ {"eventID": "a"');
    expect(items).toHaveLength(1);
    expect(items[0]!.error).toMatch(/not valid JSON/);
  });
});
