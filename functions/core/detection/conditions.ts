/**
 * A tiny declarative condition language over an audit event's request/response
 * parameters, so the catalogue stays data (no if-chains) and can be printed in docs.
 *
 * Paths are dotted and start at the event: `requestParameters.skipFinalSnapshot`,
 * `responseElements.instancesSet.items.instanceId`. An array on the way is
 * searched element by element (any element matching is a match).
 */
import type { AuditEvent } from '../audit-event.ts';

export type Scalar = string | number | boolean | null;

export type Condition =
  | { param: string; equals: Scalar }
  | { param: string; in: readonly Scalar[] }
  /** Case-insensitive regular expression (source text) on the value as a string. */
  | { param: string; matches: string }
  | { param: string; exists: boolean }
  /** The value is an empty array, empty object, empty string or missing. */
  | { param: string; empty: true }
  /** A numeric value at least this large (`maxCount` ≥ 10). */
  | { param: string; atLeast: number }
  /** A value that is not the calling IAM user's own name (`CreateAccessKey` for another user). Absent counts as the caller. */
  | { param: string; notCaller: true }
  /**
   * A value that names an account outside the configuration (a 12-digit id in no
   * environment and not the receiving account), or `all` / `*` (everyone).
   */
  | { param: string; foreignAccount: true }
  | { all: readonly Condition[] }
  | { any: readonly Condition[] }
  | { not: Condition };

const ROOTS = ['requestParameters', 'responseElements', 'additionalEventData'] as const;

function own(obj: unknown, key: string): unknown {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
  return Object.prototype.hasOwnProperty.call(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}

/** Every value found at `path` (arrays fan out). Missing → []. */
export function valuesAt(event: AuditEvent, path: string): unknown[] {
  const [root, ...rest] = path.split('.');
  if (!root || !(ROOTS as readonly string[]).includes(root)) return [];
  let current: unknown[] = [event[root as (typeof ROOTS)[number]]];
  for (const part of rest) {
    const next: unknown[] = [];
    for (const value of current) {
      const items = Array.isArray(value) ? value : [value];
      for (const item of items) {
        const child = own(item, part);
        if (child !== undefined && child !== null) next.push(child);
      }
    }
    current = next;
    if (current.length === 0) return [];
  }
  return current.flatMap((v) => (Array.isArray(v) ? v : [v])).filter((v) => v !== undefined && v !== null);
}

/** Scalar strings found at a path (for resource names), bounded. */
export function stringsAt(event: AuditEvent, path: string, limit = 50): string[] {
  return valuesAt(event, path)
    .filter((v): v is string | number => typeof v === 'string' || typeof v === 'number')
    .map(String)
    .filter((s) => s.length > 0 && s.length <= 2048)
    .slice(0, limit);
}

function same(value: unknown, expected: Scalar): boolean {
  if (expected === null) return value === null || value === undefined;
  if (typeof value === 'object' && value !== null) return false;
  return String(value).toLowerCase() === String(expected).toLowerCase();
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value as object).length === 0;
  return false;
}

const regexCache = new Map<string, RegExp>();
function regex(source: string): RegExp {
  let re = regexCache.get(source);
  if (!re) {
    re = new RegExp(source, 'i');
    regexCache.set(source, re);
  }
  return re;
}

function rawAt(event: AuditEvent, path: string): unknown {
  const [root, ...rest] = path.split('.');
  if (!root || !(ROOTS as readonly string[]).includes(root)) return undefined;
  let value: unknown = event[root as (typeof ROOTS)[number]];
  for (const part of rest) value = own(value, part);
  return value;
}

/** What a condition may know beyond the event: the accounts the configuration lists. */
export interface ConditionScope {
  knownAccounts?: ReadonlySet<string>;
}
const NO_SCOPE: ConditionScope = {};

/** 12-digit ids inside a value (`123456789012`, `arn:aws:iam::123456789012:root`). */
const ACCOUNT_IN_VALUE = /(?<![0-9])[0-9]{12}(?![0-9])/g;

function foreign(value: unknown, event: AuditEvent, scope: ConditionScope): boolean {
  if (typeof value !== 'string' && typeof value !== 'number') return false;
  const text = String(value);
  if (text === '*' || text.toLowerCase() === 'all') return true;
  for (const id of text.match(ACCOUNT_IN_VALUE) ?? []) {
    if (id !== event.account && !(scope.knownAccounts?.has(id) ?? false)) return true;
  }
  return false;
}

export function evaluate(condition: Condition, event: AuditEvent, scope: ConditionScope = NO_SCOPE): boolean {
  if ('all' in condition) return condition.all.every((c) => evaluate(c, event, scope));
  if ('any' in condition) return condition.any.some((c) => evaluate(c, event, scope));
  if ('not' in condition) return !evaluate(condition.not, event, scope);
  if ('empty' in condition) return isEmpty(rawAt(event, condition.param));
  const values = valuesAt(event, condition.param);
  if ('atLeast' in condition) return values.some((v) => (typeof v === 'number' || typeof v === 'string') && Number(v) >= condition.atLeast);
  if ('notCaller' in condition) {
    const caller = event.credential.principalName;
    return values.some((v) => typeof v === 'string' && v !== caller);
  }
  if ('foreignAccount' in condition) return values.some((v) => foreign(v, event, scope));
  if ('exists' in condition) return (values.length > 0) === condition.exists;
  if ('equals' in condition) return values.some((v) => same(v, condition.equals));
  if ('in' in condition) return values.some((v) => condition.in.some((e) => same(v, e)));
  if ('matches' in condition) {
    const re = regex(condition.matches);
    return values.some((v) => (typeof v === 'object' ? re.test(JSON.stringify(v)) : re.test(String(v))));
  }
  return false;
}

/** Human-readable form for docs. */
export function describeCondition(condition: Condition): string {
  if ('all' in condition) return condition.all.map(describeCondition).join(' and ');
  if ('any' in condition) return `(${condition.any.map(describeCondition).join(' or ')})`;
  if ('not' in condition) return `not ${describeCondition(condition.not)}`;
  const p = condition.param.replace(/^requestParameters\./, '');
  if ('empty' in condition) return `${p} is empty`;
  if ('atLeast' in condition) return `${p} ≥ ${condition.atLeast}`;
  if ('notCaller' in condition) return `${p} is not the caller`;
  if ('foreignAccount' in condition) return `${p} names an account outside the configuration (or everyone)`;
  if ('exists' in condition) return condition.exists ? `${p} is set` : `${p} is not set`;
  if ('equals' in condition) return `${p} = ${JSON.stringify(condition.equals)}`;
  if ('in' in condition) return `${p} in ${JSON.stringify(condition.in)}`;
  return `${p} ~ /${condition.matches}/`;
}
