/**
 * CloudTrail's own time shape, `YYYY-MM-DDTHH:MM:SSZ`, read digit by digit: no regex, no
 * string, no Date — the intake (normalise.ts) and the detector (event-keys.ts `timeOf`) read
 * every event's time, and `Date.parse` or a regex there was a measurable share of each
 * (issue 13). Exactly what `Date.parse` gives for a real date and time in that shape.
 */

/** Epoch ms of `time` in CloudTrail's shape with every field in range (a real calendar day), else NaN. */
export function cloudTrailTimeMs(time: string): number {
  if (time.length !== 20 || time.charCodeAt(19) !== 0x5a /* Z */ || time.charCodeAt(10) !== 0x54 /* T */ || time.charCodeAt(4) !== 0x2d || time.charCodeAt(7) !== 0x2d || time.charCodeAt(13) !== 0x3a || time.charCodeAt(16) !== 0x3a) return NaN;
  const year = digits(time, 0, 4);
  const month = digits(time, 5, 2);
  const day = digits(time, 8, 2);
  const hour = digits(time, 11, 2);
  const minute = digits(time, 14, 2);
  const second = digits(time, 17, 2);
  if (year >= 1000 && month >= 1 && month <= 12 && day >= 1 && (day <= 28 || day <= daysIn(year, month)) && hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59) {
    return Date.UTC(year, month - 1, day, hour, minute, second);
  }
  return NaN;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function daysIn(year: number, month: number): number {
  return month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : MONTH_DAYS[month - 1]!;
}

/** The decimal number in `text` at [from, from + n), or -1 when a character is not a digit. */
function digits(text: string, from: number, n: number): number {
  let value = 0;
  for (let i = from; i < from + n; i++) {
    const c = text.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}
