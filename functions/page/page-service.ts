/**
 * The page function's logic, with every dependency injected (the Lambda handler
 * wires AWS; tests wire loopback stand-ins).
 *
 * Each event is merged into the page ledger first, then the page is reconciled with
 * the channels: Slack (post once, then `chat.update` the same message and say in the
 * thread what changed) and PagerDuty (trigger with dedup key = finding id, resolve on
 * restore). The channels are attempted independently — one failing never stops the
 * other — and only then does a failure throw, so the event is retried and ends in
 * the DLQ. Re-delivered events change nothing already shown: no duplicate message,
 * no second trigger.
 */
import { createHash } from 'node:crypto';
import type { BlastwallConfig } from '../core/config.ts';
import type { Finding, ResponseAction } from '../core/finding.ts';
import { DETAIL_TYPES } from '../core/telemetry-names.ts';
import { mergeActions, mergeFinding, restoredFrom, restoreProblemOf, diffSnapshots, sameSnapshot, snapshotOf, type PageView, type RestoredInfo } from '../core/paging/page-state.ts';
import { routeChannels, pageSeverity, type PageChannel } from '../core/paging/routing.ts';
import { buildSlackMessage, threadReplyText } from '../core/paging/slack-message.ts';
import { buildResolve, buildTrigger, mapSeverity, routingKeyFor, type PagerDutySecret } from '../core/paging/pagerduty-payload.ts';
import { slackErrorCode, type SlackPager } from '../adapters/slack-pager.ts';
import type { PagerDutyPager } from '../adapters/pagerduty-pager.ts';
import { updateRecord, viewOf, type PageLedger, type PageRecord } from '../adapters/page-ledger.ts';
import type { CredentialContext } from '../adapters/credential-history.ts';
import { contextDetails, contextSlackText } from './context.ts';

export interface SlackTarget {
  pager: SlackPager;
  channel: string;
}

export interface PagerDutyTarget {
  pager: PagerDutyPager;
  secret: PagerDutySecret;
}

export interface PageLog {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

export interface PageDeps {
  config: BlastwallConfig;
  ledger: PageLedger;
  /** Resolved lazily (secrets are fetched only when a channel is needed); throwing fails that channel only. */
  slack: () => Promise<SlackTarget>;
  pagerDuty: () => Promise<PagerDutyTarget>;
  log?: PageLog;
  /** Called once per channel that could not be delivered (the handler emits `PageFailures`). */
  onChannelFailure?: (channel: PageChannel, error: unknown) => void;
  now?: () => Date;
  /** How long to wait for a concurrent invocation that is posting the first message. */
  claimWaitMs?: number;
  /** The credential's recent CloudTrail events (bounded ~1 s), added under the page once it went out (context.ts). */
  credentialContext?: (finding: Finding) => Promise<CredentialContext | undefined>;
}

export interface ChannelOutcome {
  channel: PageChannel;
  result: 'posted' | 'updated' | 'unchanged' | 'triggered' | 'resolved' | 'not-routed' | 'failed';
  error?: string;
}

export interface PageOutcome {
  findingId?: string;
  /** True when a Response arrived before its Finding: state is kept until the finding comes. */
  deferred?: boolean;
  ignored?: string;
  channels: ChannelOutcome[];
}

export class PageDeliveryError extends Error {
  constructor(
    readonly findingId: string,
    readonly failures: ChannelOutcome[],
  ) {
    super(`page for ${findingId} not delivered: ${failures.map((f) => `${f.channel}: ${f.error}`).join('; ')}`);
    this.name = 'PageDeliveryError';
  }
}

export interface BusEvent {
  'detail-type': string;
  detail: unknown;
}

interface ResponseDetail {
  findingId: string;
  finding?: Finding;
  actions?: ResponseAction[];
  restored?: RestoredInfo;
  restoreRefused?: string;
}

const CLAIM_TTL_MS = 45_000;

/** Below this much time left in the invocation, no new channel call is started: fail now, retry later. */
export const MIN_CALL_BUDGET_MS = 7_000;

type Budget = (what: string) => void;
const noBudget: Budget = () => {};

export class OutOfTimeError extends Error {
  constructor(what: string) {
    super(`not enough time left in this invocation to ${what}; the retry will finish it`);
    this.name = 'OutOfTimeError';
  }
}

export function createPageService(deps: PageDeps) {
  const log = deps.log ?? silentLog;
  const now = () => (deps.now ? deps.now() : new Date());

  /** `remainingMs`: the Lambda context's getRemainingTimeInMillis, so a slow Slack never outlives the timeout. */
  async function handle(event: BusEvent, opts: { remainingMs?: () => number } = {}): Promise<PageOutcome> {
    const remaining = opts.remainingMs;
    const budget: Budget = (what) => {
      if (remaining && remaining() < MIN_CALL_BUDGET_MS) throw new OutOfTimeError(what);
    };
    const type = event['detail-type'];
    let findingId: string;
    let change: (r: PageRecord) => PageRecord;
    let eventFinding: Finding | undefined;
    let eventRestored: RestoredInfo | undefined;
    const isFinding = type === DETAIL_TYPES.finding || type === DETAIL_TYPES.postureFinding;
    if (isFinding) {
      const finding = asFinding(event.detail);
      if (!finding) return { ignored: 'malformed finding', channels: [] };
      findingId = finding.id;
      eventFinding = finding;
      change = (r) => ({ ...r, finding: mergeFinding(r.finding, finding) });
    } else if (type === DETAIL_TYPES.response) {
      const detail = asResponse(event.detail);
      if (!detail) return { ignored: 'malformed response', channels: [] };
      findingId = detail.findingId;
      eventFinding = detail.finding;
      const restored = restoredFrom(detail.restored, detail.actions ?? []);
      eventRestored = restored;
      const problem = restoreProblemOf(detail.restored, detail.restoreRefused);
      change = (r) => {
        const next: PageRecord = {
          ...r,
          ...(detail.finding ? { finding: mergeFinding(r.finding, detail.finding) } : {}),
          actions: mergeActions(r.actions, detail.actions ?? []),
        };
        if (restored && !r.restored) next.restored = restored;
        if (problem && !next.restored) {
          // The restore did not happen: give the buttons back so an approver can try again.
          next.restoreProblem = problem;
          if (next.decision?.kind === 'restore-requested') delete next.decision;
        }
        return next;
      };
    } else {
      return { ignored: `detail-type ${type}`, channels: [] };
    }

    let record: PageRecord | undefined;
    let ledgerError: unknown;
    try {
      // A finding routed nowhere, never paged before, costs no write.
      if (eventFinding && !eventRestored) {
        const incoming = eventFinding;
        if (routeChannels(incoming, deps.config.paging.routes).length === 0 && !(await deps.ledger.get(findingId))) {
          return { findingId, channels: [{ channel: 'slack', result: 'not-routed' }, { channel: 'pagerduty', result: 'not-routed' }] };
        }
      }
      // A re-delivery that changes nothing costs no write either.
      record = await updateRecord(deps.ledger, findingId, (r) => {
        const next = change(structuredClone(r));
        return JSON.stringify(next) === JSON.stringify(r) ? undefined : next;
      });
    } catch (error) {
      ledgerError = error;
      log.error('page ledger unavailable; paging PagerDuty from the event alone', { findingId, error: String(error) });
    }

    if (record && !record.finding) {
      log.info('response arrived before its finding; kept until the finding arrives', { findingId });
      return { findingId, deferred: true, channels: [] };
    }

    // Without the ledger, PagerDuty can still be paged safely from a Finding (it dedups on
    // the key) or resolved on a restore; Slack cannot (no message ts): it fails, so the
    // retry posts once the ledger is back.
    const fallbackView: PageView | undefined = eventFinding ? { finding: eventFinding, ...(eventRestored ? { restored: eventRestored } : {}) } : undefined;
    const view = record ? viewOf(record) : fallbackView;
    const unavailable = () => Promise.reject(new Error(`page ledger unavailable: ${String(ledgerError)}`));
    if (!view) {
      throw new PageDeliveryError(findingId, [{ channel: 'slack', result: 'failed', error: `ledger unavailable: ${String(ledgerError)}` }]);
    }
    const routed = routeChannels(view.finding, deps.config.paging.routes);

    const [slack, pd] = await Promise.allSettled([
      record ? deliverSlack(findingId, routed.includes('slack'), budget) : routed.includes('slack') ? unavailable() : Promise.resolve('not-routed' as const),
      record || isFinding || view.restored
        ? deliverPagerDuty(findingId, routed.includes('pagerduty'), record, view, budget)
        : // A Response without the ledger: re-triggering could reopen a resolved incident; retry later.
          routed.includes('pagerduty') ? unavailable() : Promise.resolve('not-routed' as const),
    ]);
    const channels: ChannelOutcome[] = [
      settle('slack', slack),
      settle('pagerduty', pd),
    ];
    const failures = channels.filter((c) => c.result === 'failed');
    for (const f of failures) {
      log.error('page not delivered', { findingId, channel: f.channel, error: f.error });
      deps.onChannelFailure?.(f.channel, f.error);
    }
    log.info('page reconciled', { findingId, severity: pageSeverity(view.finding), channels });
    if (failures.length > 0) throw new PageDeliveryError(findingId, failures);
    if (type === DETAIL_TYPES.finding && record && deps.credentialContext) await addContext(findingId, budget);
    return { findingId, channels };
  }

  /** Once per finding, after the page went out: the credential's recent history in the thread and in PagerDuty. */
  async function addContext(findingId: string, budget: Budget): Promise<void> {
    try {
      budget('add the credential history');
      let mine = false;
      const record = await updateRecord(deps.ledger, findingId, (r) => {
        mine = false;
        if (r.contextAt || !r.finding?.credential.accessKeyId || (!r.slack && r.pagerduty?.state !== 'triggered')) return undefined;
        mine = true;
        return { ...r, contextAt: now().toISOString() };
      });
      if (!mine) return;
      const finding = record.finding!;
      const ctx = await deps.credentialContext!(finding);
      if (!ctx) return;
      const sends: Promise<unknown>[] = [];
      if (record.slack) sends.push(deps.slack().then((t) => t.pager.reply(record.slack!.channel, record.slack!.ts, contextSlackText(ctx))));
      if (record.pagerduty?.state === 'triggered') {
        sends.push(
          deps.pagerDuty().then((t) => {
            const key = routingKeyFor(t.secret, finding.environment);
            if (!key) return;
            const event = buildTrigger(viewOf(record)!.finding, key);
            if (event.payload) event.payload.custom_details = { ...event.payload.custom_details, credential_history: contextDetails(ctx) };
            return t.pager.send(event);
          }),
        );
      }
      const results = await Promise.allSettled(sends);
      log.info('credential history added to the page', { findingId, events: ctx.events.length, error: ctx.error, failed: results.filter((x) => x.status === 'rejected').map((x) => String((x as PromiseRejectedResult).reason)) });
    } catch (error) {
      log.warn('credential history not added to the page', { findingId, error: String(error) });
    }
  }

  /** Re-renders the page in Slack from the ledger; shared with undo. */
  async function deliverSlack(findingId: string, routed: boolean, budget: Budget = noBudget): Promise<ChannelOutcome['result']> {
    let current = await deps.ledger.get(findingId);
    if (!current) return 'not-routed';
    if (!current.slack && !routed) return 'not-routed';
    const target = await deps.slack();
    if (!current.slack) {
      budget('post the Slack message');
      const claimed = await claim(findingId);
      if (claimed === 'posted') {
        current = (await deps.ledger.get(findingId)) ?? current;
      } else if (claimed === 'claimed') {
        const view = viewOf(current)!;
        const message = buildSlackMessage(view);
        const posted = await target.pager.post(target.channel, message).catch(async (error) => {
          await updateRecord(deps.ledger, findingId, (r) => (r.slack ? undefined : { ...r, slackClaimedAt: undefined })).catch(() => undefined);
          throw error;
        });
        current = await updateRecord(deps.ledger, findingId, (r) => ({
          ...r,
          slackClaimedAt: undefined,
          slack: { channel: posted.channel, ts: posted.ts, rendered: snapshotOf(view), renderedHash: hashOf(message) },
        }));
        // Something may have changed while posting: converge below.
        const after = viewOf(current)!;
        if (hashOf(buildSlackMessage(after)) === current.slack!.renderedHash) return 'posted';
        await syncExisting(findingId, target, budget);
        return 'posted';
      } else {
        throw new Error('another invocation is posting this page and has not finished; retry later');
      }
    }
    return syncExisting(findingId, target, budget);
  }

  /** chat.update + thread reply until what Slack shows matches the ledger (bounded). */
  async function syncExisting(findingId: string, target: SlackTarget, budget: Budget): Promise<ChannelOutcome['result']> {
    let result: ChannelOutcome['result'] = 'unchanged';
    for (let round = 0; round < 3; round++) {
      const record = await deps.ledger.get(findingId);
      const slack = record?.slack;
      const view = record && viewOf(record);
      if (!record || !slack || !view) return result;
      const message = buildSlackMessage(view);
      const hash = hashOf(message);
      if (hash === slack.renderedHash) return result;
      budget('update the Slack message');
      try {
        await target.pager.update(slack.channel, slack.ts, message);
      } catch (error) {
        if (slackErrorCode(error) !== 'message_not_found') throw error;
        // Someone deleted the page: post it again rather than lose it.
        const posted = await target.pager.post(slack.channel, message);
        slack.channel = posted.channel;
        slack.ts = posted.ts;
      }
      const reply = sameSnapshot(slack.rendered, snapshotOf(view)) ? undefined : threadReplyText(diffSnapshots(slack.rendered, view));
      if (reply) {
        budget('reply in the Slack thread');
        await target.pager.reply(slack.channel, slack.ts, reply);
      }
      const rendered = snapshotOf(view);
      await updateRecord(deps.ledger, findingId, (r) => ({
        ...r,
        slack: { channel: slack.channel, ts: slack.ts, rendered, renderedHash: hash },
      }));
      result = 'updated';
    }
    return result;
  }

  /** 'claimed' = this invocation posts; 'posted' = another one did meanwhile; 'busy' = another is posting. */
  async function claim(findingId: string): Promise<'claimed' | 'posted' | 'busy'> {
    const deadline = Date.now() + (deps.claimWaitMs ?? 8000);
    for (;;) {
      let won = false;
      const rec = await updateRecord(deps.ledger, findingId, (r) => {
        won = false; // a previous attempt of this update may have lost the conditional write
        if (r.slack) return undefined;
        const claimedAt = r.slackClaimedAt ? Date.parse(r.slackClaimedAt) : 0;
        if (claimedAt && now().getTime() - claimedAt < CLAIM_TTL_MS) return undefined;
        won = true;
        return { ...r, slackClaimedAt: now().toISOString() };
      });
      if (won) return 'claimed';
      if (rec.slack) return 'posted';
      if (Date.now() >= deadline) return 'busy';
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async function deliverPagerDuty(
    findingId: string,
    routed: boolean,
    record: PageRecord | undefined,
    view: PageView,
    budget: Budget,
  ): Promise<ChannelOutcome['result']> {
    const pd = record?.pagerduty;
    const restored = view.restored !== undefined;
    if (restored) {
      // Without the ledger (record undefined) resolve anyway: resolving is idempotent.
      if (record && pd?.state !== 'triggered') return pd ? 'unchanged' : 'not-routed';
      if (!record && !routed) return 'not-routed';
      const target = await deps.pagerDuty();
      const key = routingKeyFor(target.secret, view.finding.environment);
      if (!key) throw new Error(`no PagerDuty routing key for environment ${view.finding.environment}`);
      budget('resolve the PagerDuty incident');
      await target.pager.send(buildResolve(findingId, key));
      if (record) await updateRecord(deps.ledger, findingId, (r) => ({ ...r, pagerduty: { state: 'resolved', severity: pd?.severity ?? '', at: now().toISOString() } }));
      return 'resolved';
    }
    if (!routed && !pd) return 'not-routed';
    if (pd?.state === 'resolved') return 'unchanged';
    const severity = mapSeverity(pageSeverity(view.finding));
    if (pd?.state === 'triggered' && pd.severity === severity) return 'unchanged';
    const target = await deps.pagerDuty();
    const key = routingKeyFor(target.secret, view.finding.environment);
    if (!key) throw new Error(`no PagerDuty routing key for environment ${view.finding.environment}`);
    budget('trigger PagerDuty');
    await target.pager.send(buildTrigger(view.finding, key));
    if (record) {
      await updateRecord(deps.ledger, findingId, (r) => ({ ...r, pagerduty: { state: 'triggered', severity, at: now().toISOString() } }));
    }
    return 'triggered';
  }

  return { handle, deliverSlack };
}

export type PageService = ReturnType<typeof createPageService>;

function settle(channel: PageChannel, s: PromiseSettledResult<ChannelOutcome['result']>): ChannelOutcome {
  return s.status === 'fulfilled'
    ? { channel, result: s.value }
    : { channel, result: 'failed', error: s.reason instanceof Error ? s.reason.message : String(s.reason) };
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

function asFinding(detail: unknown): Finding | undefined {
  const f = detail as Finding | undefined;
  if (!f || typeof f !== 'object') return undefined;
  if (typeof f.id !== 'string' || !f.id || typeof f.environment !== 'string' || typeof f.severity !== 'string') return undefined;
  if (!Array.isArray(f.reasons) || !Array.isArray(f.response) || !f.credential || !f.actor) return undefined;
  return { ...f, recentEvents: Array.isArray(f.recentEvents) ? f.recentEvents : [], lineage: Array.isArray(f.lineage) ? f.lineage : [], environmentsCrossed: Array.isArray(f.environmentsCrossed) ? f.environmentsCrossed : [], categories: Array.isArray(f.categories) ? f.categories : [] };
}

function asResponse(detail: unknown): ResponseDetail | undefined {
  const d = detail as ResponseDetail | undefined;
  if (!d || typeof d !== 'object') return undefined;
  const findingId = d.findingId ?? d.finding?.id;
  if (typeof findingId !== 'string' || !findingId) return undefined;
  const finding = d.finding ? asFinding(d.finding) : undefined;
  return {
    findingId,
    ...(finding ? { finding } : {}),
    actions: Array.isArray(d.actions) ? d.actions : [],
    ...(d.restored && typeof d.restored === 'object' ? { restored: d.restored } : {}),
    ...(typeof d.restoreRefused === 'string' && d.restoreRefused ? { restoreRefused: d.restoreRefused.slice(0, 500) } : {}),
  };
}

const silentLog: PageLog = { info() {}, warn() {}, error() {} };
