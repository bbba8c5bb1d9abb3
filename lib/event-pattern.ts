/**
 * A small offline evaluator of EventBridge event patterns — the subset Blastwall's
 * rules use: exact values, `prefix`, `anything-but` (value or list), `exists`, and
 * `$or`. Semantics as documented for event buses: every field named in the pattern
 * must be present in the event (except under `exists: false`, which holds for a leaf
 * path whose parent is missing too); an array in the event
 * matches when any of its elements does; the values listed for a field are OR'ed.
 *
 * It lets the tests and the benchmark ask "would the member rule forward this
 * record?" of the real pattern object, without an AWS account (`TestEventPattern`).
 */
import { envelopeWithId } from '../functions/reconcile/envelope.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  return matchObject(pattern as Record<string, unknown>, event);
}

function matchObject(pattern: Record<string, unknown>, event: unknown): boolean {
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(sub)) throw new Error('$or takes an array of patterns');
      if (!sub.some((alternative) => matchObject(alternative as Record<string, unknown>, event))) return false;
      continue;
    }
    const present = isObject(event) && Object.prototype.hasOwnProperty.call(event, key);
    const value = present ? (event as Record<string, Json>)[key] : undefined;
    if (Array.isArray(sub)) {
      if (!matchLeaf(sub, present, value)) return false;
    } else if (isObject(sub)) {
      // Patterns address leaf paths: under an absent (or non-object) field every leaf is
      // absent, which only `exists: false` matches.
      if (!matchObject(sub as Record<string, unknown>, value)) return false;
    } else {
      throw new Error(`pattern field "${key}" must be an array or an object`);
    }
  }
  return true;
}

function matchLeaf(matchers: unknown[], present: boolean, value: Json | undefined): boolean {
  const values: Json[] = Array.isArray(value) ? value : [value as Json];
  return matchers.some((m) => {
    if (isObject(m) && 'exists' in m) return (m as { exists: boolean }).exists === present;
    if (!present) return false;
    return values.some((v) => matchValue(m, v));
  });
}

function matchValue(matcher: unknown, value: Json): boolean {
  if (!isObject(matcher)) return matcher === value;
  const m = matcher as Record<string, unknown>;
  if ('prefix' in m) return typeof value === 'string' && typeof m.prefix === 'string' && value.startsWith(m.prefix);
  if ('anything-but' in m) {
    const excluded = m['anything-but'];
    if (isObject(excluded)) {
      const e = excluded as Record<string, unknown>;
      if ('prefix' in e) return !(typeof value === 'string' && typeof e.prefix === 'string' && value.startsWith(e.prefix));
      throw new Error(`unsupported anything-but: ${JSON.stringify(excluded)}`);
    }
    return !(Array.isArray(excluded) ? excluded : [excluded]).includes(value as never);
  }
  throw new Error(`unsupported matcher: ${JSON.stringify(matcher)}`);
}

function isObject(x: unknown): x is object {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The EventBridge envelope CloudTrail puts a record in on the default bus (the one the reconciler builds, with the record's own id). */
export function cloudTrailEnvelope(record: Record<string, unknown>): Record<string, unknown> {
  return envelopeWithId(record, typeof record.eventID === 'string' ? record.eventID : '0');
}
