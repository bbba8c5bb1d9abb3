/** `--since` / `--until`: an ISO 8601 time, or a duration back from now (`14d`, `36h`, `90m`). */
import { UsageError } from './io.ts';

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000 } as const;

export function parseTimeArg(flag: string, value: string, now: Date): Date {
  const duration = /^(\d{1,5})([dhm])$/.exec(value.trim());
  if (duration) return new Date(now.getTime() - Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS]);
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) {
    const t = Date.parse(value.trim());
    if (!Number.isNaN(t)) return new Date(t);
  }
  throw new UsageError(`${flag} ${value}: expected an ISO 8601 time (2026-11-01T00:00:00Z) or a duration back from now (14d, 36h, 90m)`);
}
