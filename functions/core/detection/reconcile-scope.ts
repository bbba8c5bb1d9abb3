/**
 * What the reconciler must not lose: the write events whose absence can change a
 * finding. detect records only these in the seen-ledger (one DynamoDB write each),
 * and the reconciler compares only these with CloudTrail's LookupEvents — the same
 * predicate on both sides, so an event outside it is never recorded and never
 * reported missed.
 *
 * In scope, by event source + event name (Lambda's API-version suffix dropped, as
 * the catalogue does), every name derived from the tables the detector itself reads:
 *
 * - the catalogue (destructive and intent calls, `catalogue/*.ts`) and the team's own
 *   entries (`detection.rules`): a missed one is a finding lost;
 * - the creation table (`catalogue/creations.ts`): a missed `CreateDBInstance` makes
 *   the same principal's later teardown look like a stranger's deletion;
 * - session-minting calls (`AssumeRole*`, `GetSessionToken`, `GetFederationToken`,
 *   which the lineage reads) and console sign-ins (their MFA): the calls whose
 *   details detection reads ({@link detailsMatter} in state-plan.ts); `CreateAccessKey`
 *   is in the catalogue;
 * - every write to IAM and to EventBridge: the self-protection signal
 *   (self-protection.ts) judges IAM writes of any name (a write by Blastwall's own
 *   role, a role or user in its name space) and EventBridge rule changes (the
 *   StackSet's forwarder);
 * - any call refused with an access-denied error: refusals of any name count toward
 *   the denied burst (history-signals.ts);
 * - any call by an account's root user: the root-use signal is high on any call.
 *
 * Out of scope is every other write (`CreateTags`, `PutBucketTagging`,
 * `PutMetricData` …). Its name raises nothing; what a missed one can change is a
 * signal of the principal, not of the call (a first sighting on a new machine or in
 * a new environment, a second machine using a session, a hop, a routine count): the
 * principal's next event, read or write, carries the same signal one event later.
 * docs/history.md says what that costs in precision.
 *
 * Pure module: no I/O. One Set probe per call (two for IAM/EventBridge's whole sources).
 */
import type { AuditEvent } from '../audit-event.ts';
import { baseEventName, CATALOGUE, CREATION_CATALOGUE, type CatalogueEntry } from './catalogue.ts';
import { isDenied } from './history-signals.ts';
import { MINTING_CALLS } from './state-plan.ts';

/**
 * Calls whose details the detector reads besides the catalogue's: the minting calls
 * of the session lineage (state-plan.ts `MINTING_CALLS`) and the console sign-in.
 * test/history/reconcile-scope.test.ts fails when `detailsMatter` or `mintedKey`
 * accepts a call of STS's or sign-in's API that is not here.
 */
export const LINEAGE_CALLS: readonly (readonly [source: string, name: string])[] = [
  ...[...MINTING_CALLS].map((name) => ['sts.amazonaws.com', name] as const),
  ['signin.amazonaws.com', 'ConsoleLogin'],
];

/** Sources the self-protection signal judges writes of, whatever their name (self-protection.ts). */
export const SELF_PROTECTION_SOURCES: readonly string[] = ['iam.amazonaws.com', 'events.amazonaws.com'];

export interface ReconcileScope {
  /** `eventSource:eventName` of every call in scope by name. */
  readonly keys: ReadonlySet<string>;
  /** Sources whose every write is in scope. */
  readonly sources: ReadonlySet<string>;
  /** For a normalised event (detect's side). */
  matters(event: AuditEvent): boolean;
  /** For a CloudTrail record as LookupEvents returns it (the reconciler's side): the same judgement. */
  mattersRecord(record: unknown): boolean;
}

function build(rules: readonly Pick<CatalogueEntry, 'eventSource' | 'eventNames'>[]): ReconcileScope {
  const keys = new Set<string>();
  for (const entry of [...CATALOGUE, ...CREATION_CATALOGUE, ...rules]) for (const name of entry.eventNames) keys.add(`${entry.eventSource}:${name}`);
  for (const [source, name] of LINEAGE_CALLS) keys.add(`${source}:${name}`);
  const sources = new Set(SELF_PROTECTION_SOURCES);
  const judge = (source: string, name: string, errorCode: string | undefined, root: boolean): boolean =>
    root || sources.has(source) || keys.has(`${source}:${baseEventName(name)}`) || (errorCode !== undefined && isDenied({ action: { errorCode } } as AuditEvent));
  return {
    keys,
    sources,
    matters: (event) => judge(event.action.eventSource, event.action.name, event.action.errorCode, event.credential.type === 'root'),
    mattersRecord(record) {
      if (typeof record !== 'object' || record === null) return true;
      const r = record as { eventSource?: unknown; eventName?: unknown; errorCode?: unknown; userIdentity?: unknown };
      // A record without a readable source or name cannot be judged: compare it (in scope), never drop it silently.
      if (typeof r.eventSource !== 'string' || typeof r.eventName !== 'string') return true;
      // normalise.ts reads userIdentity.type 'Root' as the root credential.
      const identity = r.userIdentity as { type?: unknown } | null | undefined;
      const root = typeof identity === 'object' && identity !== null && identity.type === 'Root';
      return judge(r.eventSource, r.eventName, typeof r.errorCode === 'string' ? r.errorCode : undefined, root);
    },
  };
}

let builtIn: ReconcileScope | undefined;
const withRules = new WeakMap<readonly unknown[], ReconcileScope>();

/** The scope for a config's own rules (`detection.rules`), built once per rules array; the built-in scope without them. */
export function reconcileScope(rules: readonly Pick<CatalogueEntry, 'eventSource' | 'eventNames'>[] = []): ReconcileScope {
  if (rules.length === 0) return (builtIn ??= build([]));
  let scope = withRules.get(rules);
  if (!scope) withRules.set(rules, (scope = build(rules)));
  return scope;
}

/** Whether losing this event could change a finding (see the module comment); `rules` = the config's `detection.rules`. */
export function mattersForReconcile(event: AuditEvent, rules?: readonly Pick<CatalogueEntry, 'eventSource' | 'eventNames'>[]): boolean {
  return reconcileScope(rules).matters(event);
}

/** The same judgement on a raw CloudTrail record (`eventSource`, `eventName`, `errorCode`), as LookupEvents returns it. */
export function recordMattersForReconcile(record: unknown, rules?: readonly Pick<CatalogueEntry, 'eventSource' | 'eventNames'>[]): boolean {
  return reconcileScope(rules).mattersRecord(record);
}
