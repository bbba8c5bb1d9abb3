import type { ActorState, ContextQuery, CreatedResource, DetectionContext, PrincipalState, SessionLineage, StateUpdate } from './state-store.ts';

/**
 * Read cache: the state items of the last events (principal, actor, lineage,
 * created resources), kept for two minutes of wall-clock time. An event whose
 * items are all cached is first evaluated on them; if it yields no finding and
 * changes nothing, that is the answer and it costs no request at all. Anything
 * else (a finding, a write) is re-evaluated on a fresh load, and writes are
 * conditional on versions, so a stale cache can cost a retry but never a write
 * on stale state. Duplicates of benign events need no processed-marker check.
 * What staleness can cost: only an event that changes nothing on the cached view
 * is answered from it, and every signal's first event changes state (a new use, a
 * new source, a refusal, a destructive call), so another instance's write within
 * the lifetime delays nothing but follow-up calls on the same state (docs/detection.md).
 */
export const DEFAULT_CONTEXT_CACHE_MS = 120_000;
const CACHE_MAX_ITEMS = 20_000;

export class ContextCache {
  private readonly items = new Map<string, { value: unknown; at: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}
  set(key: string, value: unknown): void {
    if (this.ttlMs <= 0) return;
    this.items.delete(key);
    this.items.set(key, { value, at: this.now() });
    if (this.items.size > CACHE_MAX_ITEMS) this.items.delete(this.items.keys().next().value!);
  }
  delete(key: string): void {
    this.items.delete(key);
  }
  /** `undefined` = not cached; `{ value: undefined }` = cached as absent. */
  get<T>(key: string): { value: T | undefined } | undefined {
    const hit = this.items.get(key);
    if (!hit || this.now() - hit.at > this.ttlMs) return undefined;
    // By reference: cached items are immutable (planUpdate copies on write).
    return { value: hit.value as T | undefined };
  }
  remember(query: ContextQuery, context: DetectionContext): void {
    if (this.ttlMs <= 0) return;
    this.set(`CRED#${query.principalKey}`, context.principal);
    if (query.actorKey) this.set(`ACTOR#${query.actorKey}`, context.actor);
    if (query.sessionKey) this.set(`SESSION#${query.sessionKey}`, context.lineage);
    for (const r of query.resources) this.set(`RES#${r.account}#${r.type}#${r.name}`, context.created.find((c) => c.type === r.type && c.name === r.name && c.account === r.account));
  }
  rememberSaved(update: StateUpdate): void {
    if (this.ttlMs <= 0) return;
    if (update.principal) this.set(`CRED#${update.principal.value.key}`, update.principal.value);
    if (update.actor) this.set(`ACTOR#${update.actor.value.key}`, update.actor.value);
    for (const l of update.lineage ?? []) this.set(`SESSION#${l.value.accessKeyId}`, l.value);
    for (const c of update.created ?? []) this.set(`RES#${c.value.account}#${c.value.type}#${c.value.name}`, c.value);
  }
  forget(query: ContextQuery): void {
    this.delete(`CRED#${query.principalKey}`);
    if (query.actorKey) this.delete(`ACTOR#${query.actorKey}`);
  }
  /** The context without the processed marker, if every item is cached and fresh. */
  context(query: ContextQuery): DetectionContext | undefined {
    if (this.ttlMs <= 0) return undefined;
    const principal = this.get<PrincipalState>(`CRED#${query.principalKey}`);
    const actor = query.actorKey ? this.get<ActorState>(`ACTOR#${query.actorKey}`) : { value: undefined };
    const lineage = query.sessionKey ? this.get<SessionLineage>(`SESSION#${query.sessionKey}`) : { value: undefined };
    const created = query.resources.map((r) => this.get<CreatedResource>(`RES#${r.account}#${r.type}#${r.name}`));
    if (!principal || !actor || !lineage || created.some((c) => c === undefined)) return undefined;
    const context: DetectionContext = { created: created.flatMap((c) => (c?.value ? [c.value] : [])) };
    if (principal.value) context.principal = principal.value;
    if (actor.value) context.actor = actor.value;
    if (lineage.value) context.lineage = lineage.value;
    return context;
  }
}
