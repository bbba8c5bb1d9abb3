/**
 * The embedded detection state store: the same contract as the DynamoDB one
 * (optimistic versions, atomic saves, processed markers), in process memory.
 * Used by `blastwall replay`, the demo and the benchmark.
 *
 * Ownership, for speed (the replay and the bench run every event through here):
 * state items (principal, actor, lineage, created resources) are handed out and
 * taken in by reference, never copied. The contract that makes this safe: a
 * loaded item is immutable — the detector never writes to an object it loaded;
 * it builds the next version copy-on-write (see `planUpdate`) — and a saved
 * value belongs to the store from then on. Processed markers (rare: one per
 * finding) are still deep-copied both ways, because callers fill in the
 * finding they get back (planned response) and `markPublished` flips a flag.
 */
import {
  type ActorState,
  type ContextQuery,
  type CreatedResource,
  type DetectionContext,
  type PrincipalState,
  type ProcessedRecord,
  type SessionLineage,
  StateConflictError,
  type StateStore,
  type StateUpdate,
} from '../core/detection/state-store.ts';
import { severityRank } from '../core/audit-event.ts';

interface Stored {
  value: unknown;
  expiresAt: number;
}

export interface MemoryStateStore extends StateStore {
  /** Loads and saves performed (a save counts once, like one DynamoDB transaction). */
  stats(): { loads: number; saves: number; items: number };
  /** Drops items whose TTL (epoch seconds) is before `nowSeconds`, like DynamoDB TTL. */
  expire(nowSeconds: number): number;
}

export function resourceKey(r: { account: string; type: string; name: string }): string {
  return `RES#${r.account}#${r.type}#${r.name}`;
}

export function createMemoryStateStore(): MemoryStateStore {
  const items = new Map<string, Stored>();
  let loads = 0;
  let saves = 0;
  /** State items: by reference (immutable once stored). */
  const get = <T>(key: string): T | undefined => items.get(key)?.value as T | undefined;
  const put = (key: string, value: unknown, expiresAt: number) => items.set(key, { value, expiresAt });
  /** Processed markers: deep copies (callers mutate the finding they get; markPublished mutates the record). */
  const getMarker = (key: string): ProcessedRecord | undefined => {
    const item = items.get(key);
    return item ? (structuredClone(item.value) as ProcessedRecord) : undefined;
  };
  const putMarker = (key: string, value: ProcessedRecord, expiresAt: number) => items.set(key, { value: structuredClone(value), expiresAt });
  const version = (key: string): number => (items.get(key)?.value as { version?: number } | undefined)?.version ?? 0;

  return {
    async load(query: ContextQuery): Promise<DetectionContext> {
      loads++;
      const context: DetectionContext = { created: [] };
      const processed = getMarker(`EVT#${query.eventId}`) ?? (query.sharedEventId ? getMarker(`EVT#shared:${query.sharedEventId}`) : undefined);
      if (processed) context.processed = processed;
      const principal = get<PrincipalState>(`CRED#${query.principalKey}`);
      if (principal) context.principal = principal;
      if (query.actorKey) {
        const actor = get<ActorState>(`ACTOR#${query.actorKey}`);
        if (actor) context.actor = actor;
      }
      if (query.sessionKey) {
        const lineage = get<SessionLineage>(`SESSION#${query.sessionKey}`);
        if (lineage) context.lineage = lineage;
      }
      for (const r of query.resources) {
        const created = get<CreatedResource>(resourceKey(r));
        if (created) context.created.push(created);
      }
      return context;
    },

    async save(update: StateUpdate): Promise<void> {
      // Same order and semantics as the DynamoDB store: facts first, then each
      // versioned item under its own condition, the processed marker last (the commit point).
      saves++;
      for (const l of update.lineage ?? []) put(`SESSION#${l.value.accessKeyId}`, l.value, l.expiresAt);
      for (const c of update.created ?? []) put(resourceKey(c.value), c.value, c.expiresAt);
      if (update.principal) {
        if (version(`CRED#${update.principal.value.key}`) !== update.principal.value.version - 1) throw new StateConflictError();
        put(`CRED#${update.principal.value.key}`, update.principal.value, update.principal.expiresAt);
      }
      if (update.actor) {
        if (version(`ACTOR#${update.actor.value.key}`) !== update.actor.value.version - 1) throw new StateConflictError();
        put(`ACTOR#${update.actor.value.key}`, update.actor.value, update.actor.expiresAt);
      }
      if (update.processed) {
        const { value, upgrade } = update.processed;
        // Absent — or, for an upgrade (a late event re-scored it), the same finding at a lower severity.
        const writable = (key: string) => {
          const existing = items.get(key)?.value as ProcessedRecord | undefined;
          if (!existing) return true;
          return upgrade === true && existing.finding.id === value.finding.id && severityRank(existing.finding.severity) < severityRank(value.finding.severity);
        };
        if (!writable(`EVT#${update.processed.value.eventId}`)) throw new StateConflictError('event already processed');
        if (update.processed.sharedEventId && !writable(`EVT#shared:${update.processed.sharedEventId}`)) throw new StateConflictError('event already processed');
        putMarker(`EVT#${update.processed.value.eventId}`, update.processed.value, update.processed.expiresAt);
        if (update.processed.sharedEventId) putMarker(`EVT#shared:${update.processed.sharedEventId}`, update.processed.value, update.processed.expiresAt);
      }
    },

    async markPublished(eventId: string, findingId: string, sharedEventId?: string): Promise<void> {
      for (const key of [`EVT#${eventId}`, ...(sharedEventId ? [`EVT#shared:${sharedEventId}`] : [])]) {
        const record = items.get(key)?.value as ProcessedRecord | undefined;
        if (record && record.finding.id === findingId) record.published = true;
      }
    },

    stats() {
      return { loads, saves, items: items.size };
    },

    expire(nowSeconds: number): number {
      let dropped = 0;
      for (const [key, item] of items) {
        if (item.expiresAt < nowSeconds) {
          items.delete(key);
          dropped++;
        }
      }
      return dropped;
    },
  };
}
