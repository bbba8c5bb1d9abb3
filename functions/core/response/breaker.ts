/**
 * Circuit breaker, organisation-wide: at most `maxRevocations` revocations in any
 * `windowMinutes`. Modelled as `maxRevocations` slots; a revocation occupies one
 * slot for one window. A slot whose `until` has passed is free. This bounds the
 * revocations in every sliding window exactly, and the store can claim a slot with
 * one conditional write (race-free across concurrent invocations).
 */
export interface BreakerSettings {
  maxRevocations: number;
  windowMinutes: number;
}

export interface BreakerSlot {
  index: number;
  /** Epoch ms when the slot frees. */
  until: number;
  findingId: string;
  target: string;
  /** ISO time the slot was taken. */
  at: string;
}

/**
 * Fairness: one target (a key, a role's or a user's deny) occupies at most one slot per
 * window. Its mark lives as long as the slot it took; a second finding on the same target
 * within the window revokes without taking another slot (one attacker re-triggering
 * findings on one role cannot use up the breaker and shield an unrelated credential).
 */
export interface TargetMark {
  /** `account|target` of the revocation. */
  target: string;
  /** Epoch ms when the mark (and its slot) frees. */
  until: number;
  findingId: string;
  at: string;
}

/** The breaker's identity of what a revocation acts on. */
export function breakerTarget(action: { account: string; target: string }): string {
  return `${action.account}|${action.target}`;
}

export interface SlotClaim {
  findingId: string;
  target: string;
  now: Date;
}

export function windowMs(settings: BreakerSettings): number {
  return settings.windowMinutes * 60_000;
}

/** Slot indexes that can be claimed now, lowest first. */
export function freeSlotIndexes(slots: readonly BreakerSlot[], settings: BreakerSettings, nowMs: number): number[] {
  const busy = new Set(slots.filter((s) => s.until > nowMs && s.index < settings.maxRevocations).map((s) => s.index));
  const free: number[] = [];
  for (let i = 0; i < settings.maxRevocations; i++) if (!busy.has(i)) free.push(i);
  return free;
}

export function slotFor(index: number, claim: SlotClaim, settings: BreakerSettings): BreakerSlot {
  return {
    index,
    until: claim.now.getTime() + windowMs(settings),
    findingId: claim.findingId,
    target: claim.target,
    at: claim.now.toISOString(),
  };
}

/** The sentence the page shows when the breaker refuses a revocation. */
export function breakerOpenDetail(slots: readonly BreakerSlot[], settings: BreakerSettings, nowMs: number): string {
  const limit = `${settings.maxRevocations} per ${settings.windowMinutes} min`;
  if (settings.maxRevocations === 0) {
    return `circuit breaker open: response.circuitBreaker.maxRevocations is 0, so Blastwall revokes nothing (limit ${limit}); revoke by hand if this finding is real`;
  }
  const busy = slots.filter((s) => s.until > nowMs && s.index < settings.maxRevocations).sort((a, b) => a.until - b.until);
  const findings = [...new Set(busy.map((s) => s.findingId))].slice(0, 5);
  const next = busy[0] ? new Date(busy[0].until).toISOString() : undefined;
  return (
    `circuit breaker open: ${busy.length} revocations across the organisation in the last ${settings.windowMinutes} min ` +
    `(limit ${limit}), a possible false-positive storm, so this one was not made` +
    (findings.length ? ` (recent: findings ${findings.join(', ')})` : '') +
    (next ? `; the next revocation is allowed after ${next}` : '') +
    '; revoke by hand if this finding is real'
  );
}
