/**
 * The response ledger: findings with their response actions (idempotency: a finding is
 * claimed once, duplicates never revoke twice), restores, holds (which findings rely on
 * a revocation, so one restore never lifts another finding's revocation) and the
 * organisation-wide circuit breaker's slots.
 *
 * Two implementations with one contract: in memory (CLI, demo, tests) and DynamoDB
 * (response-ledger-dynamodb.ts). Table keys: FINDING#… and BREAKER#….
 */
import { severityRank } from '../core/audit-event.ts';
import type { Finding, ResponseAction } from '../core/finding.ts';
import { breakerOpenDetail, freeSlotIndexes, slotFor, windowMs, type BreakerSettings, type BreakerSlot, type SlotClaim, type TargetMark } from '../core/response/breaker.ts';
import type { Approver } from '../core/response/restore.ts';

export type FindingState = 'responding' | 'responded';

export interface RestoreEvent {
  approver: Approver;
  reason: string;
  at: string;
  /** `done`: every undo succeeded; `partial`: some did; `failed`; `nothing`: nothing to undo. */
  status: 'done' | 'partial' | 'failed' | 'nothing';
  detail: string;
}

export interface FindingRecord {
  finding: Finding;
  state: FindingState;
  /** Epoch ms until which the claimant owns the response. */
  leaseUntil: number;
  /** Times the response was claimed (1, or more when a crashed attempt was resumed). */
  claims: number;
  restores: RestoreEvent[];
  /** Epoch ms until which a restore owns the record. */
  restoreLeaseUntil?: number;
  /** Increments on every write (optimistic concurrency). */
  version: number;
  updatedAt: string;
}

export interface HoldState {
  /** Findings relying on the revocation, sorted. */
  holders: string[];
  /** The credential's state before Blastwall first acted in this hold (`Active` / `Inactive` for a key, `absent` or a cut-off for a deny), when it was read. */
  prior?: string;
}

export interface HoldTaken extends HoldState {
  /** This write started the hold (nobody held the target). */
  first: boolean;
  /** The finding was not a holder before this write. */
  joined: boolean;
}

export type ClaimResult =
  | { outcome: 'claimed'; record: FindingRecord }
  /** A previous attempt claimed it and its lease ran out (it crashed): continue where it stopped. */
  | { outcome: 'resumed'; record: FindingRecord }
  /**
   * Already responded, and this delivery is the same finding re-scored *higher* (a late
   * event raised it: same id, e.g. medium → high). The record is reopened under a new
   * lease with the new finding; what was done stays done, what was skipped is re-planned.
   */
  | { outcome: 'escalated'; record: FindingRecord }
  /** Already responded: a duplicate delivery. */
  | { outcome: 'duplicate'; record: FindingRecord }
  /** Another invocation is responding right now. */
  | { outcome: 'in-progress'; record: FindingRecord };

export interface ResponseLedger {
  /** Claims a finding for response (conditional write). The stored finding is `finding` with `response: []` until actions are saved. */
  claim(finding: Finding, now: Date, leaseMs: number): Promise<ClaimResult>;
  /** Saves the actions taken so far; `final` marks the finding responded. */
  saveActions(findingId: string, actions: ResponseAction[], now: Date, final: boolean): Promise<void>;
  get(findingId: string): Promise<FindingRecord | undefined>;

  /** Claims the record for a restore; false when another restore is running. */
  beginRestore(findingId: string, now: Date, leaseMs: number): Promise<boolean>;
  /** Stores the actions (with `restored`) and the restore event; releases the restore lease. */
  finishRestore(findingId: string, actions: ResponseAction[], event: RestoreEvent, now: Date): Promise<void>;

  /**
   * Registers that a finding relies on a revocation (a key, a role's or user's deny), in one
   * conditional write on the target's item together with the credential's state before
   * Blastwall acted: when nobody holds the target, a new hold starts and `observed` (read
   * before any Blastwall revocation of this hold) becomes its `prior`; otherwise the finding
   * joins and the recorded `prior` stays. So two findings on one key, however their calls
   * interleave, agree on what the key was before Blastwall touched it.
   */
  takeHold(holdKey: string, findingId: string, observed: string | undefined, now: Date): Promise<HoldTaken>;
  /** Removes the finding from the holders (one write); returns the hold as it is after. */
  releaseHold(holdKey: string, findingId: string): Promise<HoldState>;
  /** Puts the finding back among the holders, `prior` untouched (a restore whose undo failed). */
  rejoinHold(holdKey: string, findingId: string, now: Date): Promise<void>;
  holders(holdKey: string): Promise<string[]>;

  breakerSlots(): Promise<BreakerSlot[]>;
  /** Conditional: takes slot `slot.index` only if it is free at `nowMs`. */
  takeBreakerSlot(slot: BreakerSlot, nowMs: number): Promise<boolean>;
  /** Frees a slot taken by `findingId` at `at` (a revocation that did not happen). */
  releaseBreakerSlot(index: number, findingId: string, at: string): Promise<void>;
  /** Conditional: marks `mark.target` as counted until `mark.until`, unless a live mark exists (returned instead). */
  claimBreakerTarget(mark: TargetMark, nowMs: number): Promise<{ claimed: true } | { claimed: false; holder: TargetMark }>;
  /** Removes the mark `findingId` set at `at` (its revocation did not happen, or changed nothing). */
  releaseBreakerTarget(target: string, findingId: string, at: string): Promise<void>;
}

/** A redelivered finding with the same id and a higher severity than the one responded to. */
export function raisesSeverity(incoming: Finding, recorded: Finding): boolean {
  return severityRank(incoming.severity) > severityRank(recorded.severity);
}

export class LedgerConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerConflictError';
  }
}

export type BreakerDecision =
  /** A slot (and the target's mark) taken for this revocation: give both back if it does not happen or changes nothing. */
  | { open: false; slot: BreakerSlot; mark: TargetMark }
  /** The target already holds a slot in this window (taken by `holder`): no new slot. */
  | { open: false; sharedWith: TargetMark }
  | { open: true; detail: string };

/**
 * Takes a revocation slot of the organisation-wide circuit breaker, or says why not.
 * Race-free: the target's mark and each slot are taken by conditional writes; on a lost
 * race the next free slot is tried. A target that already holds a slot in this window
 * takes no second one (at most one slot per target per window).
 */
export async function acquireRevocationSlot(ledger: ResponseLedger, settings: BreakerSettings, claim: SlotClaim): Promise<BreakerDecision> {
  const nowMs = claim.now.getTime();
  if (settings.maxRevocations === 0) return { open: true, detail: breakerOpenDetail([], settings, nowMs) };
  const mark: TargetMark = { target: claim.target, until: nowMs + windowMs(settings), findingId: claim.findingId, at: claim.now.toISOString() };
  const marked = await ledger.claimBreakerTarget(mark, nowMs);
  if (!marked.claimed) return { open: false, sharedWith: marked.holder };
  for (let round = 0; round < 2; round++) {
    const slots = await ledger.breakerSlots();
    const free = freeSlotIndexes(slots, settings, nowMs);
    for (const index of free) {
      const slot = slotFor(index, claim, settings);
      if (await ledger.takeBreakerSlot(slot, nowMs)) return { open: false, slot, mark };
    }
    if (free.length === 0) {
      await ledger.releaseBreakerTarget(mark.target, mark.findingId, mark.at);
      return { open: true, detail: breakerOpenDetail(slots, settings, nowMs) };
    }
  }
  await ledger.releaseBreakerTarget(mark.target, mark.findingId, mark.at);
  return { open: true, detail: breakerOpenDetail(await ledger.breakerSlots(), settings, nowMs) };
}

/** Gives back what `acquireRevocationSlot` took (nothing when the target shared an earlier slot). */
export async function releaseRevocationSlot(ledger: ResponseLedger, decision: BreakerDecision): Promise<void> {
  if (decision.open || !('slot' in decision)) return;
  await ledger.releaseBreakerSlot(decision.slot.index, decision.slot.findingId, decision.slot.at);
  await ledger.releaseBreakerTarget(decision.mark.target, decision.mark.findingId, decision.mark.at);
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** In-memory ledger: same semantics as the DynamoDB one, for the CLI, the demo and tests. */
export class MemoryResponseLedger implements ResponseLedger {
  private readonly findings = new Map<string, FindingRecord>();
  private readonly holds = new Map<string, { holders: Set<string>; prior?: string }>();
  private readonly slots = new Map<number, BreakerSlot>();
  private readonly marks = new Map<string, TargetMark>();

  async claim(finding: Finding, now: Date, leaseMs: number): Promise<ClaimResult> {
    const existing = this.findings.get(finding.id);
    const nowMs = now.getTime();
    if (!existing) {
      const record: FindingRecord = {
        finding: { ...clone(finding), response: [] },
        state: 'responding',
        leaseUntil: nowMs + leaseMs,
        claims: 1,
        restores: [],
        version: 1,
        updatedAt: now.toISOString(),
      };
      this.findings.set(finding.id, record);
      return { outcome: 'claimed', record: clone(record) };
    }
    if (existing.state === 'responded') {
      if (!raisesSeverity(finding, existing.finding)) return { outcome: 'duplicate', record: clone(existing) };
      existing.finding = { ...clone(finding), response: existing.finding.response };
      existing.state = 'responding';
      existing.leaseUntil = nowMs + leaseMs;
      existing.claims += 1;
      existing.version += 1;
      existing.updatedAt = now.toISOString();
      return { outcome: 'escalated', record: clone(existing) };
    }
    if (existing.leaseUntil > nowMs) return { outcome: 'in-progress', record: clone(existing) };
    existing.leaseUntil = nowMs + leaseMs;
    existing.claims += 1;
    existing.version += 1;
    existing.updatedAt = now.toISOString();
    return { outcome: 'resumed', record: clone(existing) };
  }

  async saveActions(findingId: string, actions: ResponseAction[], now: Date, final: boolean): Promise<void> {
    const record = this.findings.get(findingId);
    if (!record) throw new LedgerConflictError(`finding ${findingId} was never claimed`);
    record.finding.response = clone(actions);
    if (final) record.state = 'responded';
    record.version += 1;
    record.updatedAt = now.toISOString();
  }

  async get(findingId: string): Promise<FindingRecord | undefined> {
    const record = this.findings.get(findingId);
    return record ? clone(record) : undefined;
  }

  async beginRestore(findingId: string, now: Date, leaseMs: number): Promise<boolean> {
    const record = this.findings.get(findingId);
    if (!record) return false;
    if (record.restoreLeaseUntil !== undefined && record.restoreLeaseUntil > now.getTime()) return false;
    record.restoreLeaseUntil = now.getTime() + leaseMs;
    record.version += 1;
    return true;
  }

  async finishRestore(findingId: string, actions: ResponseAction[], event: RestoreEvent, now: Date): Promise<void> {
    const record = this.findings.get(findingId);
    if (!record) throw new LedgerConflictError(`finding ${findingId} is not in the ledger`);
    record.finding.response = clone(actions);
    record.restores.push(clone(event));
    delete record.restoreLeaseUntil;
    record.version += 1;
    record.updatedAt = now.toISOString();
  }

  async takeHold(holdKey: string, findingId: string, observed: string | undefined): Promise<HoldTaken> {
    const hold = this.holds.get(holdKey);
    if (!hold || hold.holders.size === 0) {
      this.holds.set(holdKey, { holders: new Set([findingId]), ...(observed !== undefined ? { prior: observed } : {}) });
      return { holders: [findingId], ...(observed !== undefined ? { prior: observed } : {}), first: true, joined: true };
    }
    const joined = !hold.holders.has(findingId);
    hold.holders.add(findingId);
    return { holders: [...hold.holders].sort(), ...(hold.prior !== undefined ? { prior: hold.prior } : {}), first: false, joined };
  }

  async releaseHold(holdKey: string, findingId: string): Promise<HoldState> {
    const hold = this.holds.get(holdKey);
    if (!hold) return { holders: [] };
    hold.holders.delete(findingId);
    return { holders: [...hold.holders].sort(), ...(hold.prior !== undefined ? { prior: hold.prior } : {}) };
  }

  async rejoinHold(holdKey: string, findingId: string): Promise<void> {
    const hold = this.holds.get(holdKey) ?? { holders: new Set<string>() };
    hold.holders.add(findingId);
    this.holds.set(holdKey, hold);
  }

  async holders(holdKey: string): Promise<string[]> {
    return [...(this.holds.get(holdKey)?.holders ?? [])].sort();
  }

  async breakerSlots(): Promise<BreakerSlot[]> {
    return [...this.slots.values()].map(clone).sort((a, b) => a.index - b.index);
  }

  async takeBreakerSlot(slot: BreakerSlot, nowMs: number): Promise<boolean> {
    const current = this.slots.get(slot.index);
    if (current && current.until > nowMs) return false;
    this.slots.set(slot.index, clone(slot));
    return true;
  }

  async releaseBreakerSlot(index: number, findingId: string, at: string): Promise<void> {
    const current = this.slots.get(index);
    if (current && current.findingId === findingId && current.at === at) this.slots.delete(index);
  }

  async claimBreakerTarget(mark: TargetMark, nowMs: number): Promise<{ claimed: true } | { claimed: false; holder: TargetMark }> {
    const current = this.marks.get(mark.target);
    if (current && current.until > nowMs) return { claimed: false, holder: clone(current) };
    this.marks.set(mark.target, clone(mark));
    return { claimed: true };
  }

  async releaseBreakerTarget(target: string, findingId: string, at: string): Promise<void> {
    const current = this.marks.get(target);
    if (current && current.findingId === findingId && current.at === at) this.marks.delete(target);
  }
}
