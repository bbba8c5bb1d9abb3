/**
 * The detection state store: domain methods, not a generic key-value API.
 *
 * One `load` per event fetches everything the signals need (the processed-event
 * marker, the principal's history, the actor's recent credentials, the session's
 * lineage, who created the resources being deleted) — one BatchGetItem in DynamoDB.
 * One `save` writes what changed, atomically, with optimistic versions; a benign
 * event that changes nothing material produces no `save` at all.
 *
 * Implementations: `functions/adapters/memory-state-store.ts` (replay, demo, bench)
 * and `functions/adapters/dynamo-state-store.ts` (the Lambda), both under the same
 * contract tests.
 */
import type { AuditEvent, Credential } from '../audit-event.ts';
import type { EventSummary, Finding } from '../finding.ts';

/** Where a principal was used from: network (/24, /64) and user-agent family. */
export interface SourceSighting {
  network: string;
  family: string;
  firstSeen: number;
  lastSeen: number;
}

export interface RoutineAction {
  /**
   * The earliest few distinct calls (event id and time), kept as a set: the
   * union is the same whatever order the calls arrive in, and a duplicate never
   * counts twice. "Routine" is judged on the calls strictly before an event.
   */
  events: { id: string; time: number }[];
  firstSeen: number;
  lastSeen: number;
  /** Older items only (before `events`): a counter that duplicates could double. Ignored. */
  count?: number;
  lastEventId?: string;
}

/** A principal's use in one environment. */
export interface EnvironmentSighting {
  environment: string;
  firstSeen: number;
  lastSeen: number;
  /** Destructive actions this principal performed here (for "routine in a low-sensitivity environment"). */
  routine: Record<string, RoutineAction>;
}

/** Calls of one catalogue entry that are only suspicious in numbers (see `history-signals.ts`). */
export interface BurstRecord {
  /** The principal's first such call: older than a day means a habit, and nothing more is recorded. */
  firstSeen: number;
  /** The calls within the entry's window (each counting `n` items). */
  events: { time: number; id: string; n: number }[];
  /** When the last burst was reported (one finding per burst). */
  hitAt?: number;
}

/** Refusals (AccessDenied …) of one principal. */
export interface DeniedRecord {
  firstSeen: number;
  events: { time: number; id: string; name: string }[];
  hitAt?: number;
}

/** History of one principal (`CRED#<principal key>`). Times are event times in epoch ms. */
export interface PrincipalState {
  key: string;
  firstSeen: number;
  lastSeen: number;
  environments: EnvironmentSighting[];
  sources: SourceSighting[];
  /** Recent destructive calls (for bursts). */
  destructive: { time: number; eventId: string }[];
  /** The last material events (first sightings, destructive calls, findings), oldest first. */
  recent: EventSummary[];
  /** Per catalogue entry id: calls only suspicious in numbers. */
  bursts?: Record<string, BurstRecord>;
  denied?: DeniedRecord;
  /** Optimistic-concurrency version; 0 means "never stored". */
  version: number;
}

/** A principal used by an actor in an environment. */
export interface ActorUse {
  principalKey: string;
  /** The latest credential (access key id, or principal key) of that principal seen from this actor. */
  credentialKey: string;
  accessKeyId?: string;
  credentialType: Credential['type'];
  description: string;
  environment: string;
  firstSeen: number;
  lastSeen: number;
  /**
   * The earliest event (by event time, then id) of this principal from this actor
   * in this environment — the start of a potential hop — kept so that a late
   * event of the same actor in a less sensitive environment can re-score it
   * (see the detector's late-arrival re-scoring). Large or deeply nested
   * parameters are dropped (item size, hostile input).
   */
  first?: AuditEvent;
}

/** One machine (`ACTOR#<ip>|<user-agent family>`). */
export interface ActorState {
  key: string;
  uses: ActorUse[];
  recent: EventSummary[];
  version: number;
}

/** One step of a session's ancestry: who minted it, from where. */
export interface LineageLink {
  credential: Credential;
  /** Environment of the minting credential. */
  environment: string;
  /** `AssumeRole`, `GetSessionToken` … */
  via: string;
  mintedAt: string;
  eventId: string;
}

/** A machine (network + tool family) a session was used from. */
export interface SessionSource {
  network: string;
  family: string;
  firstSeen: number;
  eventId: string;
  /** The AWS service the first use shows the session runs in (`lambda.amazonaws.com` …). */
  service?: string;
  /** A second machine: the session was already used elsewhere when this one appeared. */
  suspect?: boolean;
}

/**
 * `SESSION#<ASIA…>`: the chain that minted this session key, nearest first, and
 * the machines it has been used from. A session first seen without its minting
 * event (minted before history) has an empty chain and counts from its first use.
 */
export interface SessionLineage {
  accessKeyId: string;
  /** The session's principal ARN as the minting response named it. */
  sessionArn?: string;
  chain: LineageLink[];
  /** The AWS service that asked for this session (an `AssumeRole` by `lambda.amazonaws.com` …). */
  mintedFor?: string;
  sources?: SessionSource[];
}

/** `RES#<account>#<type>#<name>`: a resource created recently, and by whom. */
export interface CreatedResource {
  account: string;
  type: string;
  name: string;
  creatorPrincipal: string;
  createdAt: number;
  eventId: string;
}

/** `EVT#<eventId>`: an event that produced a finding (benign events are not marked). */
export interface ProcessedRecord {
  /** The event key: CloudTrail event id + fingerprint (see detector `eventKey`). */
  eventId: string;
  finding: Finding;
  published: boolean;
}

export interface ResourceRef {
  account: string;
  type: string;
  name: string;
}

export interface ContextQuery {
  /** The event key: CloudTrail event id + fingerprint of time and call. */
  eventId: string;
  /** The other copy of a cross-account call is the same call. */
  sharedEventId?: string;
  principalKey: string;
  actorKey?: string;
  /** The caller's session key (`ASIA…`), to find its lineage. */
  sessionKey?: string;
  resources: ResourceRef[];
}

export interface DetectionContext {
  processed?: ProcessedRecord;
  principal?: PrincipalState;
  actor?: ActorState;
  lineage?: SessionLineage;
  created: CreatedResource[];
}

/** An item with its DynamoDB TTL (epoch seconds). */
export interface Expiring<T> {
  value: T;
  expiresAt: number;
}

export interface StateUpdate {
  /** Written only if the stored version is still `value.version - 1` (0: not stored yet). */
  principal?: Expiring<PrincipalState>;
  actor?: Expiring<ActorState>;
  lineage?: Expiring<SessionLineage>[];
  created?: Expiring<CreatedResource>[];
  /**
   * Written only if no marker exists for the event id (and its shared event id) —
   * or, with `upgrade`, if the marker holds the same finding id at a lower severity
   * (a late event re-scored it): the marker is replaced and `published` reset.
   */
  processed?: Expiring<ProcessedRecord> & { sharedEventId?: string; upgrade?: boolean };
}

export interface LoadOptions {
  /** Strongly consistent read (default false). */
  consistent?: boolean;
}

/** Another writer changed the same state first: reload and recompute. */
export class StateConflictError extends Error {
  constructor(message = 'detection state changed concurrently') {
    super(message);
    this.name = 'StateConflictError';
  }
}

/**
 * A store in process memory that is its own cache (the memory store): the live
 * records, by key, for the detector's fast path — no query, no context, no copy.
 */
export interface LiveState {
  principal(key: string): PrincipalState | undefined;
  actor(key: string): ActorState | undefined;
  lineage(accessKeyId: string): SessionLineage | undefined;
  /** False when no processed marker exists for this CloudTrail event id or shared event id (true: there may be one). */
  mayBeProcessed(eventId: string, sharedEventId: string | undefined): boolean;
  /** `StateStore.load` and `save`, without the promise (the store is in memory). */
  load(query: ContextQuery): DetectionContext;
  save(update: StateUpdate): void;
}

export interface StateStore {
  /**
   * True for a store in process memory whose reads cost nothing (the replay's):
   * the detector then skips its read cache, which only saves requests.
   */
  readonly local?: boolean;
  /**
   * True for a store that is its own cache (the memory store): `load` hands out
   * the live principal and actor records and the detector changes them in place
   * (no copy per event); `save` of a record that *is* the stored one only renews
   * its expiry (its version was bumped in place). Other stores (DynamoDB) get
   * copy-on-write updates and check versions.
   */
  readonly inPlace?: boolean;
  /** The live records, when `inPlace` (the detector's fast path). */
  readonly live?: LiveState;
  /**
   * `consistent: false` (the default) may return state a moment old — DynamoDB's
   * eventually consistent read, half the price. Safe because every write is
   * conditional (versions, absent markers): a stale read costs a conflict and a
   * retry, never a write on stale state. The detector asks for `consistent: true`
   * when it reloads after a conflict.
   */
  load(query: ContextQuery, options?: LoadOptions): Promise<DetectionContext>;
  /**
   * Writes, in this order: facts (lineage, created resources — true whatever happens
   * next), the versioned principal and actor items (each only if its version is
   * unchanged), then the processed marker (only if absent: the commit point).
   * Throws {@link StateConflictError} when a check fails; the detector reloads and
   * recomputes. State is kept in event time (min/max, dedup by event id), so
   * re-applying an event after a partial save changes nothing.
   */
  save(update: StateUpdate): Promise<void>;
  /** The finding recorded for this event (and its cross-account copy) reached the bus. */
  markPublished(eventId: string, findingId: string, sharedEventId?: string): Promise<void>;
}

export function isEmptyUpdate(update: StateUpdate): boolean {
  return !update.principal && !update.actor && !update.lineage?.length && !update.created?.length && !update.processed;
}
