/** The replay streams CloudTrail log files: chunk by chunk it must read exactly what splitRecords reads, or decline. */
import { describe, expect, it } from 'vitest';
import { createLogFileReader, eachLogFileRecord, splitRecords, type RawItem } from '../../functions/core/intake.ts';

const rec = (id: string, i = 0) => ({ eventID: id, s: 'a"b\\"c\\\\ ] } , [ {', n: [1, { x: '[' }], u: `\u2028é✓${'ü'.repeat(i)}` });
const logFiles = [
  JSON.stringify({ Records: [rec('a'), rec('b')] }),
  JSON.stringify({ Records: Array.from({ length: 50 }, (_, i) => rec(`r${i}`, i * 13)) }, null, 2),
  '\n\n' + JSON.stringify({ Records: [] }, null, 2) + '\n',
  '{"Records":[1,"a\\"]",[],{}, null ]}\r\n',
];
const notLogFiles = ['{"Records": [ {"eventID": "a"', '{"Records": [ {"eventID": "a"}, ] }', '{"Records": [ {"eventID": "a"} ] } x', '{"Records": [ {"eventID": "a"} ], "other": 1 }', '\ufeff{"Records": []}', '{"Records":[1}', '[{"a":1}]', '{"eventName":"x"}\n{"eventName":"y"}'];

function streamed(text: string, size: number): RawItem[] | undefined {
  const items: RawItem[] = [];
  const reader = createLogFileReader((item) => items.push(item));
  const bytes = Buffer.from(text);
  for (let o = 0; o < bytes.length; o += size) if (!reader.push(bytes.subarray(o, o + size))) return undefined;
  return reader.end() ? items : undefined;
}

describe('streaming a CloudTrail log file', () => {
  it.each(logFiles.map((t, i) => [i, t]))('log file %i: the same values and lines as splitRecords, whatever the chunk size', (_, text) => {
    const whole = splitRecords(text);
    expect(whole.format).toBe('cloudtrail-log-file');
    const items: RawItem[] = [];
    expect(eachLogFileRecord(text, (item) => items.push(item))).toBe(true);
    expect(items).toEqual(whole.items);
    for (const size of [1, 2, 3, 5, 64, 4096, 1 << 20]) expect(streamed(text, size)).toEqual(whole.items);
  });

  it.each(notLogFiles.map((t, i) => [i, t]))('anything else (%i) is declined, so the replay reads it whole and reports what splitRecords reports', (_, text) => {
    expect(eachLogFileRecord(text, () => {})).toBe(false);
    for (const size of [1, 7, 1 << 20]) expect(streamed(text, size)).toBeUndefined();
  });
});
