/**
 * The catalogue: which calls destroy, blind, expose, persist or escalate — data,
 * not an if-chain. The entries live one category per file under `catalogue/`
 * (with their test cases beside them); this module joins them, adds the
 * team's own entries from the config (`detection.rules`), and matches a call.
 *
 * Each entry maps `eventSource` + `eventName` to a category and a base severity,
 * names where the detection idea comes from (AWS API reference, Sigma, Panther,
 * Elastic), and carries parameter predicates that raise or lower the severity
 * (`DeleteDBInstance` with `skipFinalSnapshot` and `deleteAutomatedBackups` is
 * the worst case). Entries with `when` only apply when the parameters say the
 * call is destructive (`PutBucketVersioning` only when it suspends versioning).
 *
 * Changes to Blastwall's own resources (names starting with
 * `config.detection.ownResourcePrefix`) are detector tamper, whatever the call.
 *
 * Pure module: no I/O.
 */
import type { AuditEvent, Severity } from '../audit-event.ts';
import { maxSeverity } from '../audit-event.ts';
import { type ConditionScope, evaluate, stringsAt } from './conditions.ts';
import { BACKUP_DESTRUCTION } from './catalogue/backup-destruction.ts';
import { CREDENTIAL_ACCESS } from './catalogue/credential-access.ts';
import { DATA_DESTRUCTION } from './catalogue/data-destruction.ts';
import { DETECTOR_TAMPER } from './catalogue/detector-tamper.ts';
import { EXECUTION } from './catalogue/execution.ts';
import { EXPOSURE } from './catalogue/exposure.ts';
import { IDENTITY_CHANGE } from './catalogue/identity-change.ts';
import { LATERAL_MOVEMENT } from './catalogue/lateral-movement.ts';
import { LOGGING_TAMPER } from './catalogue/logging-tamper.ts';
import { PERSISTENCE } from './catalogue/persistence.ts';
import { PRIVILEGE_ESCALATION } from './catalogue/privilege-escalation.ts';
import { SECURITY_CONTROL_TAMPER } from './catalogue/security-control-tamper.ts';
import type { CatalogueEntry, Category } from './catalogue/types.ts';
import { CREATION_CATALOGUE, createdResources as createdBy, creationFor, resourceKeys } from './catalogue/creations.ts';

export type { BurstSpec, CatalogueEntry, Category, Modifier, SourceKind, SourceRef, TargetSpec } from './catalogue/types.ts';
export { CATEGORIES, DESTRUCTION_CATEGORIES, INTENT_CATEGORIES } from './catalogue/types.ts';
export { CREATION_CATALOGUE, type CreationEntry, resourceKeys } from './catalogue/creations.ts';

/** Every built-in entry, by category in the order the docs list them. */
export const CATALOGUE: readonly CatalogueEntry[] = [
  ...DATA_DESTRUCTION,
  ...BACKUP_DESTRUCTION,
  ...LOGGING_TAMPER,
  ...DETECTOR_TAMPER,
  ...SECURITY_CONTROL_TAMPER,
  ...CREDENTIAL_ACCESS,
  ...PERSISTENCE,
  ...PRIVILEGE_ESCALATION,
  ...EXECUTION,
  ...LATERAL_MOVEMENT,
  ...IDENTITY_CHANGE,
  ...EXPOSURE,
];

// ── Lookup ────────────────────────────────────────────────────────────────

/** Lambda records `UpdateFunctionCode20150331v2`; the catalogue says `UpdateFunctionCode`. */
const baseNames = new Map<string, string>();
export function baseEventName(name: string): string {
  let base = baseNames.get(name);
  if (base === undefined) {
    base = name.replace(/\d{8}(v\d+)?$/, '');
    if (baseNames.size < 10_000) baseNames.set(name, base);
  }
  return base;
}

/** A resource a call acts on: its display name and the canonical keys its creation is recorded under. */
export interface Target {
  type: string;
  name: string;
  keys: string[];
}

export interface CatalogueMatch {
  entry: CatalogueEntry;
  category: Category;
  severity: Severity;
  /** "deletes an RDS database instance without a final snapshot and deletes its automated backups". */
  description: string;
  destroysBackups: boolean;
  /** The own resource touched, when this is detector tamper. */
  ownResource?: string;
  /** Resources the call acts on, for "deletes what it created". */
  targets: Target[];
}

export interface MatchOptions extends ConditionScope {
  /** Names of Blastwall's own resources start with this (`Blastwall`). */
  ownPrefix: string;
}

/** Last ARN/path segment, so `arn:…:function:BlastwallDetect` and `BlastwallDetect` both compare. */
function resourceNames(value: string): string[] {
  const parts = value.split(/[:/]/).filter(Boolean);
  return [value, ...(parts.length > 1 ? [parts[parts.length - 1]!] : [])];
}

function ownResource(event: AuditEvent, entry: CatalogueEntry, prefix: string): string | undefined {
  const lower = prefix.toLowerCase();
  const values = (entry.ownResourcePaths ?? []).flatMap((path) => stringsAt(event, path));
  if (entry.ownResourcePaths) values.push(...event.resources.flatMap((r) => (r.arn ? [r.arn] : [])));
  for (const value of values) {
    if (resourceNames(value).some((name) => name.toLowerCase().startsWith(lower))) return value;
  }
  return undefined;
}

/** A person's tool or the console, not an AWS service, CloudFormation or another deployment engine. */
function isHumanCall(event: AuditEvent): boolean {
  if (event.credential.invokedBy !== undefined || event.credential.type === 'aws-service') return false;
  return !['cloudformation', 'terraform', 'pulumi', 'aws-cdk', 'aws-internal', 'aws-service'].includes(event.actor.userAgentFamily);
}

function targetsOf(event: AuditEvent, entry: CatalogueEntry): Target[] {
  const spec = entry.target;
  if (!spec) return [];
  const out: Target[] = [];
  for (const path of spec.paths) {
    for (const name of stringsAt(event, path)) {
      const keys = resourceKeys(spec.type, name);
      if (keys.length) out.push({ type: spec.type, name, keys });
    }
  }
  return out;
}

function matchEntry(event: AuditEvent, entry: CatalogueEntry, options: MatchOptions): CatalogueMatch | undefined {
  const own = ownResource(event, entry, options.ownPrefix);
  if (entry.onlyOwnResources && !own) return undefined;
  if (own) {
    return {
      entry,
      category: 'detector-tamper',
      severity: 'critical',
      description: `${entry.what.replace("one of Blastwall's", 'a').replace("Blastwall's", 'the')} — ${own} is one of Blastwall's own resources`,
      destroysBackups: false,
      ownResource: own,
      targets: [],
    };
  }
  if (entry.when && !evaluate(entry.when, event, options)) return undefined;
  if (entry.humanOnly && !isHumanCall(event)) return undefined;
  let severity: Severity | undefined;
  let category = entry.category;
  let destroysBackups = entry.destroysBackups ?? false;
  const clauses: string[] = [];
  for (const modifier of entry.modifiers ?? []) {
    if (!evaluate(modifier.when, event, options)) continue;
    severity = severity ? maxSeverity(severity, modifier.severity) : modifier.severity;
    if (modifier.text) clauses.push(modifier.text);
    if (modifier.destroysBackups) destroysBackups = true;
    if (modifier.category && clauses.length === 1) category = modifier.category;
  }
  return {
    entry,
    category,
    severity: severity ?? entry.severity,
    description: [entry.what, ...clauses].join(' '),
    destroysBackups,
    targets: targetsOf(event, entry),
  };
}

const ORDER: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/**
 * A catalogue compiled for lookup: the built-in entries plus a team's own
 * (`detection.rules`), indexed by `eventSource:eventName` (one map probe per call).
 */
export interface CompiledCatalogue {
  readonly entries: readonly CatalogueEntry[];
  /** The strongest hit for this call, or undefined when the catalogue has nothing to say about it. */
  match(event: AuditEvent, options: MatchOptions): CatalogueMatch | undefined;
  /** True when the catalogue looks at this call at all (an entry or a creation): only then do its parameters matter. */
  reads(event: AuditEvent): boolean;
  /** Resources this call creates (for "deletes what it created"), under every canonical key. */
  created(event: AuditEvent): { type: string; name: string }[];
  /**
   * True when no entry and no creation names this event name, from any source:
   * then `match` is undefined, `reads` false and `created` empty. One map probe on
   * the raw event name (the detector's fast path asks it for every event).
   */
  silent(eventName: string): boolean;
}

export function compileCatalogue(extra: readonly CatalogueEntry[] = []): CompiledCatalogue {
  const entries = extra.length ? [...CATALOGUE, ...extra] : CATALOGUE;
  const bySourceAndName = new Map<string, CatalogueEntry[]>();
  const byName = new Map<string, CatalogueEntry[]>();
  for (const entry of entries) {
    for (const name of entry.eventNames) {
      const key = `${entry.eventSource}:${name}`;
      bySourceAndName.set(key, [...(bySourceAndName.get(key) ?? []), entry]);
      byName.set(name, [...(byName.get(name) ?? []), entry]);
    }
  }
  /** Entries for this call. Falls back to the event name alone when the source is unknown for it and the name is unambiguous (hand-edited exports). */
  const candidates = (event: AuditEvent): CatalogueEntry[] => {
    const name = baseEventName(event.action.name);
    const exact = bySourceAndName.get(`${event.action.eventSource}:${name}`);
    if (exact) return exact;
    const loose = byName.get(name) ?? [];
    return new Set(loose.map((e) => e.eventSource)).size === 1 ? loose : [];
  };
  // Every base name an entry or a creation mentions; the answer per raw name is remembered (bounded).
  const named = new Set<string>(byName.keys());
  for (const creation of CREATION_CATALOGUE) for (const name of creation.eventNames) named.add(name);
  const silentByName = new Map<string, boolean>();
  return {
    entries,
    match(event, options) {
      let best: CatalogueMatch | undefined;
      for (const entry of candidates(event)) {
        const match = matchEntry(event, entry, options);
        if (!match) continue;
        if (!best || ORDER[match.severity] > ORDER[best.severity]) best = match;
      }
      return best;
    },
    reads(event) {
      return candidates(event).length > 0 || creationFor(`${event.action.eventSource}:${baseEventName(event.action.name)}`) !== undefined;
    },
    created(event) {
      return createdBy(event, `${event.action.eventSource}:${baseEventName(event.action.name)}`);
    },
    silent(eventName) {
      let silent = silentByName.get(eventName);
      if (silent === undefined) {
        silent = !named.has(baseEventName(eventName));
        if (silentByName.size >= 10_000) silentByName.clear();
        silentByName.set(eventName, silent);
      }
      return silent;
    },
  };
}

let builtIn: CompiledCatalogue | undefined;
/** The built-in catalogue, compiled on first use (the first event), not at import: a cold start's import stays cheap. */
export function builtInCatalogue(): CompiledCatalogue {
  return (builtIn ??= compileCatalogue());
}

/** The strongest built-in hit for this call (a prefix alone, or full options with the configured accounts). */
export function matchCatalogue(event: AuditEvent, options: string | MatchOptions): CatalogueMatch | undefined {
  return builtInCatalogue().match(event, typeof options === 'string' ? { ownPrefix: options } : options);
}

export function catalogueReads(event: AuditEvent): boolean {
  return builtInCatalogue().reads(event);
}

export function createdResources(event: AuditEvent): { type: string; name: string }[] {
  return builtInCatalogue().created(event);
}
