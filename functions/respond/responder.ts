/**
 * respond's logic, independent of Lambda: a `Blastwall Finding` → plan, execute (per mode,
 * protected principals, the circuit breaker and idempotency), record on the finding, publish
 * `Blastwall Response`; a `Blastwall Restore Requested` → undo with an approver, record, publish.
 */
import type { BlastwallConfig } from '../core/config.ts';
import type { Finding, ResponseAction, RestoreRecord } from '../core/finding.ts';
import { ACTION_CODES } from '../core/response/codes.ts';
import { describeApiCall, isEnforcedRevocation, isRevocation, planResponse } from '../core/response/plan.ts';
import { holdKey, restoreDecision, restoreRequestProblem, type RestoreRequest } from '../core/response/restore.ts';
import { DETAIL_TYPES, METRICS } from '../core/telemetry-names.ts';
import { PublishError, type EventPublisher } from '../adapters/event-publisher.ts';
import type { CallOutcome, RevokeHooks } from '../adapters/iam-revoker.ts';
import type { HoldTaken } from '../adapters/response-ledger.ts';
import { acquireRevocationSlot, releaseRevocationSlot, type ResponseLedger, type RestoreEvent } from '../adapters/response-ledger.ts';
import { breakerTarget } from '../core/response/breaker.ts';
import type { UndoCall } from '../core/response/restore.ts';
import { parseFinding } from './schema.ts';
import { createEnvironmentResolver } from '../core/environment.ts';
import type { OrganizationAccounts } from '../core/organization.ts';
import { UNKNOWN_ENVIRONMENT } from '../core/config-schema.ts';

export interface Revoker {
  /** `hooks.beforeWrite` runs after the credential's state was read and before any write. */
  revoke(action: ResponseAction, hooks?: RevokeHooks): Promise<CallOutcome>;
  undo(call: UndoCall, account: string): Promise<CallOutcome>;
}

export interface ResponseMetrics {
  count(name: string, value?: number): void;
}

export interface ResponseLog {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface ResponderDeps {
  config: BlastwallConfig;
  ownRoleArns?: string[];
  ledger: ResponseLedger;
  revoker: Revoker;
  publisher: EventPublisher;
  now?: () => Date;
  /** How long a claim on a finding lasts; keep it above the function's timeout. Default 90 s. */
  leaseMs?: number;
  metrics?: ResponseMetrics;
  log?: ResponseLog;
  /**
   * Accounts placed by organisational unit (the org-sync cache, functions/core/organization.ts):
   * each target account's environment, and so its response mode, is resolved as detect resolved it.
   * Without it an account known only by its OU plans as `unknown` (unknownEnvironment.response).
   */
  organization?: Pick<OrganizationAccounts, 'ensureFresh' | 'refreshForUnknown' | 'current'>;
}

/** The `detail` of a `Blastwall Response` event. */
export interface ResponseEventDetail {
  findingId: string;
  /** The finding with `response` = the actions below. */
  finding: Finding;
  actions: ResponseAction[];
  /** Some action needs a human or failed: page at the top severity. */
  escalate: boolean;
  /** Some revocation was refused by the circuit breaker. */
  breakerOpen: boolean;
  /** One line: what was done. */
  summary: string;
  /** Set after a restore. */
  restored?: { at: string; by: string; approver: { id: string; name: string }; reason: string; status: RestoreEvent['status']; detail: string };
  /** Set when a restore was refused (no approver, unknown finding …). */
  restoreRefused?: string;
  /** This delivery was a duplicate: nothing was executed again. */
  duplicate?: boolean;
}

export type FindingOutcome =
  | { status: 'responded' | 'duplicate'; findingId: string; actions: ResponseAction[] }
  | { status: 'ignored'; reason: string };

export type RestoreOutcome =
  | { status: RestoreEvent['status']; findingId: string; actions: ResponseAction[] }
  | { status: 'refused'; reason: string; findingId?: string };

/** Another invocation holds the finding right now: let Lambda retry later. */
export class ResponseInProgressError extends Error {
  constructor(readonly findingId: string, what: string) {
    super(`${what} of finding ${findingId} is in progress in another invocation; retry later`);
    this.name = 'ResponseInProgressError';
  }
}

const silent: ResponseLog = { info() {}, warn() {}, error() {} };

const actionKey = (a: ResponseAction) => `${a.action}|${a.account}|${a.target}`;

export function summarise(actions: readonly ResponseAction[]): string {
  const count = (pred: (a: ResponseAction) => boolean) => actions.filter(pred).length;
  const revoked = count((a) => a.status === 'done' && a.action !== 'manual' && !a.restored);
  const restored = count((a) => a.restored?.status === 'done');
  const failed = count((a) => a.status === 'failed');
  const manual = count((a) => a.action === 'manual');
  const skipped = actions.filter((a) => a.status === 'skipped' && a.action !== 'manual');
  const reasons = [...new Set(skipped.map((a) => a.code ?? 'skipped'))];
  const parts = [`revoked ${revoked}`];
  if (restored) parts.push(`restored ${restored}`);
  parts.push(`failed ${failed}`);
  if (skipped.length) parts.push(`skipped ${skipped.length} (${reasons.join(', ')})`);
  if (manual) parts.push(`manual ${manual}`);
  return parts.join(', ');
}

/**
 * A response detail cut down to fit the bus: the finding keeps its identity, severity,
 * reasons and the last few events; the actions travel once (in `actions`); long texts are cut.
 */
export function compactDetail(detail: ResponseEventDetail): ResponseEventDetail {
  const cut = (s: string | undefined, n: number) => (s && s.length > n ? `${s.slice(0, n)}…` : s);
  const actions = detail.actions.map((a) => ({ ...a, ...(a.detail ? { detail: cut(a.detail, 1000) } : {}) }));
  const f = detail.finding;
  return {
    ...detail,
    actions,
    summary: cut(detail.summary, 500) ?? '',
    finding: {
      ...f,
      summary: cut(f.summary, 1000) ?? '',
      reasons: f.reasons.slice(0, 20).map((r) => ({ ...r, text: cut(r.text, 500) ?? '' })),
      recentEvents: f.recentEvents.slice(-5),
      lineage: f.lineage.slice(0, 5),
      response: [],
    },
  };
}

export function createResponder(deps: ResponderDeps) {
  const now = () => (deps.now ? deps.now() : new Date());
  const log = deps.log ?? silent;
  const resolver = createEnvironmentResolver(deps.config, deps.organization ? { ouAccounts: deps.organization.current } : {});
  const leaseMs = deps.leaseMs ?? 90_000;
  const metric = (name: string, value = 1) => deps.metrics?.count(name, value);

  function detailOf(finding: Finding, actions: ResponseAction[], extra: Partial<ResponseEventDetail> = {}): ResponseEventDetail {
    return {
      findingId: finding.id,
      finding: { ...finding, response: actions },
      actions,
      escalate: actions.some((a) => a.escalate === true || a.status === 'failed'),
      breakerOpen: actions.some((a) => a.code === ACTION_CODES.breakerOpen),
      summary: summarise(actions),
      ...extra,
    };
  }

  /** Publishes a response; a detail over EventBridge's size limit goes out compacted (the ledger keeps everything). */
  async function publishResponse(detail: ResponseEventDetail): Promise<void> {
    try {
      await deps.publisher.publish(DETAIL_TYPES.response, detail);
    } catch (error) {
      if (!(error instanceof PublishError) || error.errorCode !== 'EventTooLarge') throw error;
      log.warn('response detail too large for the bus: publishing it compacted', { findingId: detail.findingId });
      await deps.publisher.publish(DETAIL_TYPES.response, compactDetail(detail));
    }
  }

  async function execute(finding: Finding, planned: ResponseAction, at: Date): Promise<ResponseAction> {
    const base: ResponseAction = { ...planned, at: at.toISOString() };
    if (planned.status !== 'planned' || !isRevocation(planned)) return base;
    if (planned.mode === 'dry-run') {
      return { ...base, status: 'skipped', code: ACTION_CODES.dryRun, detail: `dry-run: would call ${describeApiCall(planned)} — ${planned.detail ?? ''}`.trim() };
    }
    if (planned.mode === 'page-only') {
      return { ...base, status: 'skipped', code: ACTION_CODES.pageOnly, detail: `page-only: not revoked. Would have: ${planned.detail ?? describeApiCall(planned)}` };
    }
    const breaker = await acquireRevocationSlot(deps.ledger, deps.config.response.circuitBreaker, { findingId: finding.id, target: breakerTarget(planned), now: at });
    if (breaker.open) {
      metric(METRICS.circuitBreakerOpen);
      log.warn('circuit breaker open: revocation refused', { findingId: finding.id, target: planned.target, detail: breaker.detail });
      return { ...base, status: 'skipped', code: ACTION_CODES.breakerOpen, escalate: true, detail: `${breaker.detail}. Would have: ${planned.detail ?? describeApiCall(planned)}` };
    }
    // Record the intent first (a hold on the target), so a crash between the IAM call and the
    // ledger write still tells a later restore that the revocation was Blastwall's. The hold
    // and the state before Blastwall acted are recorded together, in one conditional write on
    // the target's item, after the revoker read the state and before it writes: no Blastwall
    // revocation of the target happens before some hold exists, so whichever finding starts
    // the hold read the credential as it was before Blastwall touched it.
    const key = holdKey(planned);
    let hold: HoldTaken | undefined;
    let joined = false;
    const outcome = await deps.revoker.revoke(planned, {
      beforeWrite: async (observed) => {
        if (!key) return;
        hold = await deps.ledger.takeHold(key, finding.id, observed, now());
        joined ||= hold.joined;
      },
    });
    if (key && !hold && outcome.status === 'done') {
      // A revoker that wrote without calling the hook (it made no read): hold it now.
      hold = await deps.ledger.takeHold(key, finding.id, undefined, now());
      joined ||= hold.joined;
    }
    const taken = hold as HoldTaken | undefined;
    const others = taken ? taken.holders.filter((id) => id !== finding.id) : [];
    if (outcome.status === 'done' && taken) {
      if (!taken.first && others.length > 0) {
        // Another finding holds it: whatever IAM reads now, Blastwall made it so.
        outcome.priorState = `blastwall:${others.join(',')}`;
      } else if (taken.prior !== undefined) {
        outcome.priorState = taken.prior;
      }
    }
    const result: ResponseAction = {
      ...base,
      status: outcome.status,
      detail: outcome.detail,
      attempts: outcome.attempts,
      at: now().toISOString(),
      ...(outcome.code ? { code: outcome.code } : {}),
      ...(outcome.priorState ? { priorState: outcome.priorState } : {}),
    };
    if (outcome.status === 'done' && outcome.code === ACTION_CODES.alreadyRevoked) {
      // A no-op (already revoked, IAM state unchanged) takes no breaker slot.
      await releaseRevocationSlot(deps.ledger, breaker);
    }
    if (outcome.status === 'done') {
      metric(METRICS.revocations);
      log.info('revoked', { findingId: finding.id, call: describeApiCall(planned), code: outcome.code, attempts: outcome.attempts });
    } else {
      // Nothing was revoked: give the breaker slot and the hold back, and make the page escalate.
      await releaseRevocationSlot(deps.ledger, breaker);
      if (key && joined) await deps.ledger.releaseHold(key, finding.id);
      metric(METRICS.revocationFailures);
      result.escalate = true;
      log.error('revocation failed', { findingId: finding.id, call: describeApiCall(planned), detail: outcome.detail });
    }
    return result;
  }

  async function handleFinding(finding: Finding): Promise<FindingOutcome> {
    const start = now();
    const claim = await deps.ledger.claim(finding, start, leaseMs);
    if (claim.outcome === 'duplicate') {
      const actions = claim.record.finding.response;
      log.info('duplicate finding: already responded, nothing executed again', { findingId: finding.id });
      // Re-publish what was done (a previous publish may have failed after the record was written); pages dedup by finding id.
      await publishResponse(detailOf(claim.record.finding, actions, { duplicate: true }));
      return { status: 'duplicate', findingId: finding.id, actions };
    }
    if (claim.outcome === 'in-progress') throw new ResponseInProgressError(finding.id, 'the response');

    await deps.organization?.ensureFresh(start);
    let plan = planResponse(finding, { config: deps.config, ownRoleArns: deps.ownRoleArns ?? [], now: start, resolver });
    // A target account no environment knows may be new in a configured OU: reload the cache (bounded) and plan again.
    const unplaced = plan.map((a) => a.account).filter((a) => resolver.forAccount(a) === UNKNOWN_ENVIRONMENT);
    if (deps.organization && unplaced.length > 0 && (await deps.organization.refreshForUnknown(unplaced, start))) {
      plan = planResponse(finding, { config: deps.config, ownRoleArns: deps.ownRoleArns ?? [], now: start, resolver });
    }
    // A resumed response keeps every result a crashed attempt already recorded. An escalated
    // one (the same finding re-scored higher by a late event) keeps only what was done:
    // what was skipped below the revoke threshold is planned again at the new severity.
    const keep = (a: ResponseAction) => (claim.outcome === 'escalated' ? a.status === 'done' : a.status !== 'planned');
    const recorded = new Map(claim.record.finding.response.filter(keep).map((a) => [actionKey(a), a]));
    if (claim.outcome === 'escalated') log.info('finding re-scored higher by a late event: responding again', { findingId: finding.id, severity: finding.severity });
    const actions: ResponseAction[] = [];
    for (const planned of plan) {
      const previous = recorded.get(actionKey(planned));
      if (previous) {
        actions.push(previous);
        continue;
      }
      const result = await execute(finding, planned, now());
      actions.push(result);
      if (isEnforcedRevocation(planned)) {
        await deps.ledger.saveActions(finding.id, [...actions, ...plan.slice(actions.length)], now(), false);
      }
    }
    await deps.ledger.saveActions(finding.id, actions, now(), true);
    const out = detailOf(finding, actions);
    await publishResponse(out);
    log.info('response recorded and published', { findingId: finding.id, summary: out.summary, escalate: out.escalate });
    return { status: 'responded', findingId: finding.id, actions };
  }

  async function refuse(reason: string, findingId: string | undefined, finding?: Finding): Promise<RestoreOutcome> {
    log.warn('restore refused', { findingId, reason });
    if (finding) await publishResponse(detailOf(finding, finding.response, { restoreRefused: reason }));
    return { status: 'refused', reason, ...(findingId ? { findingId } : {}) };
  }

  async function restore(request: unknown): Promise<RestoreOutcome> {
    const problem = restoreRequestProblem(request);
    const findingId = typeof (request as RestoreRequest | undefined)?.findingId === 'string' ? (request as RestoreRequest).findingId : undefined;
    const record = findingId && findingId.length <= 256 ? await deps.ledger.get(findingId) : undefined;
    if (problem) return refuse(problem, findingId, record?.finding);
    const req = request as RestoreRequest;
    if (!record) return refuse(`restore refused: finding ${req.findingId} is not in the response ledger`, req.findingId);
    const approvers = deps.config.paging.approvers;
    // As undo: an empty list approves no one (a restore request on the bus is not trusted by itself).
    if (approvers.length === 0) {
      return refuse('restore refused: paging.approvers is empty, so nobody may restore; list the Slack user ids of the approvers in the config', req.findingId, record.finding);
    }
    if (!approvers.includes(req.approver.id)) {
      return refuse(`restore refused: ${req.approver.name} (${req.approver.id}) is not in paging.approvers`, req.findingId, record.finding);
    }
    const at = now();
    if (record.state !== 'responded') throw new ResponseInProgressError(req.findingId, 'the response');
    if (!(await deps.ledger.beginRestore(req.findingId, at, leaseMs))) throw new ResponseInProgressError(req.findingId, 'a restore');

    const reason = (req.reason ?? '').trim() || '(no reason given)';
    const approver = { id: req.approver.id, name: req.approver.name };
    let attempted = 0;
    let succeeded = 0;
    const actions: ResponseAction[] = [];
    for (const action of record.finding.response) {
      const decision = restoreDecision(action);
      const key = holdKey(action);
      if (!decision.restore) {
        // This finding no longer relies on it (e.g. the key was inactive before Blastwall acted).
        if (key && action.status === 'done' && !action.restored) await deps.ledger.releaseHold(key, req.findingId);
        actions.push(action);
        continue;
      }
      // One write releases this finding's hold and tells who still relies on the revocation
      // and what the credential was before Blastwall first acted on it.
      const after = key ? await deps.ledger.releaseHold(key, req.findingId) : { holders: [] as string[] };
      const others = after.holders.filter((id) => id !== req.findingId);
      let restored: RestoreRecord;
      if (others.length > 0) {
        restored = {
          approver,
          reason,
          at: now().toISOString(),
          status: 'skipped',
          apiCall: decision.call,
          detail: `${ACTION_CODES.stillHeld}: finding(s) ${others.join(', ')} still rely on this revocation; it stays until they are restored too`,
        };
      } else if (decision.call.operation === 'UpdateAccessKey' && after.prior === 'Inactive') {
        // The last finding relying on it: the key was inactive before Blastwall acted.
        actions.push(action);
        continue;
      } else {
        attempted++;
        const outcome = await deps.revoker.undo(decision.call, action.account);
        restored = { approver, reason, at: now().toISOString(), status: outcome.status, apiCall: decision.call, detail: outcome.detail };
        if (outcome.status === 'done') {
          succeeded++;
        } else {
          // Still revoked: this finding still relies on it (a retried restore finds it again).
          if (key) await deps.ledger.rejoinHold(key, req.findingId, now());
          log.error('restore call failed', { findingId: req.findingId, detail: outcome.detail });
        }
      }
      actions.push({ ...action, restored });
    }
    const status: RestoreEvent['status'] = attempted === 0 ? 'nothing' : succeeded === attempted ? 'done' : succeeded === 0 ? 'failed' : 'partial';
    const summary = actions
      .filter((a) => a.restored && a.restored.at >= at.toISOString())
      .map((a) => `${a.restored?.status}: ${a.restored?.detail}`)
      .join('; ');
    const event: RestoreEvent = { approver, reason, at: at.toISOString(), status, detail: summary || 'nothing to undo' };
    await deps.ledger.finishRestore(req.findingId, actions, event, now());
    await publishResponse(
      detailOf(record.finding, actions, {
        restored: { at: event.at, by: approver.name, approver, reason, status, detail: event.detail },
      }),
    );
    log.info('restore recorded and published', { findingId: req.findingId, status, approver: approver.id });
    return { status, findingId: req.findingId, actions };
  }

  return {
    /** Responds to a `Blastwall Finding` detail (validated here). */
    async respond(detail: unknown): Promise<FindingOutcome> {
      const parsed = parseFinding(detail);
      if ('problem' in parsed) {
        log.error('finding ignored', { problem: parsed.problem });
        return { status: 'ignored', reason: parsed.problem };
      }
      return handleFinding(parsed.finding);
    },
    /** Executes a `Blastwall Restore Requested` detail. */
    restore,
  };
}

export type Responder = ReturnType<typeof createResponder>;
