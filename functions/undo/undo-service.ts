/**
 * The undo endpoint's logic (Lambda Function URL ← Slack interactivity), with its
 * dependencies injected. Order matters and is the security of this function:
 *   1. the Slack signature (v0 HMAC-SHA256, ≤ 5 min old, constant-time) — anything
 *      unsigned, stale or tampered gets 401 and a log line, and changes nothing;
 *   2. the clicking user must be in `paging.approvers`;
 *   3. "Restore credential" publishes `Blastwall Restore Requested` on the bus
 *      (respond does the IAM work; undo has no IAM power), "Keep revoked" is
 *      recorded; each decision is taken once (a double click publishes once);
 *   4. the Slack message is updated and the thread says who decided.
 * A request whose signature was accepted is honoured once: a replay of the same signed
 * request (same timestamp and body, or the same Slack trigger_id / action timestamp)
 * inside the signature window changes nothing — also after a failed restore gave the
 * buttons back.
 */
import type { APIGatewayProxyStructuredResultV2 as LambdaFunctionURLResult, LambdaFunctionURLEvent } from 'aws-lambda';
import type { BlastwallConfig } from '../core/config.ts';
import { DETAIL_TYPES } from '../core/telemetry-names.ts';
import { createHash } from 'node:crypto';
import { MAX_SIGNATURE_AGE_SECONDS, verifySlackSignature } from '../core/paging/signature.ts';
import type { RequestOnce } from '../adapters/request-once.ts';
import { isApprover, parseInteraction, type UndoInteraction } from '../core/paging/interaction.ts';
import { hasRestorableRevocation } from '../core/paging/describe.ts';
import { updateRecord, viewOf, type PageLedger, type PageRecord } from '../adapters/page-ledger.ts';
import type { SlackPager } from '../adapters/slack-pager.ts';
import { createPageService, type PageLog, type SlackTarget } from '../page/page-service.ts';

export interface UndoDeps {
  config: BlastwallConfig;
  ledger: PageLedger;
  /** Marks each accepted request, so a replay of it changes nothing. */
  requests: RequestOnce;
  /** The Slack app's signing secret. */
  signingSecret: () => Promise<string>;
  /** The bot (for chat.update / thread reply / ephemeral notes). */
  slack: () => Promise<{ pager: SlackPager; channel: string }>;
  /** EventBridge PutEvents on the central bus. */
  publish: (detailType: string, detail: Record<string, unknown>) => Promise<void>;
  log?: PageLog;
  /** Called on every refused interaction (the handler emits `UndoRefused`). */
  onRefused?: (reason: string) => void;
  now?: () => Date;
}

export interface RestoreRequestedDetail {
  findingId: string;
  approver: { id: string; name: string };
  reason: string;
  [key: string]: unknown;
}

const silent: PageLog = { info() {}, warn() {}, error() {} };

function reply(statusCode: number, text: string): LambdaFunctionURLResult {
  return { statusCode, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: text };
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function header(event: LambdaFunctionURLEvent, name: string): string | undefined {
  const headers = event.headers ?? {};
  const found = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return found ? headers[found] : undefined;
}

export function createUndoService(deps: UndoDeps) {
  const log = deps.log ?? silent;
  const now = () => (deps.now ? deps.now() : new Date());
  const pages = createPageService({
    config: deps.config,
    ledger: deps.ledger,
    slack: deps.slack as () => Promise<SlackTarget>,
    pagerDuty: () => Promise.reject(new Error('undo does not page PagerDuty')),
    log,
  });

  function refuse(statusCode: number, reason: string, data: Record<string, unknown> = {}): LambdaFunctionURLResult {
    log.warn('undo request refused', { reason, ...data });
    deps.onRefused?.(reason);
    return reply(statusCode, statusCode === 401 ? 'unauthorized' : reason);
  }

  async function handle(event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> {
    const method = event.requestContext?.http?.method ?? 'POST';
    const sourceIp = event.requestContext?.http?.sourceIp;
    if (method !== 'POST') return refuse(405, 'method not allowed', { method, sourceIp });
    const body = event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    if (body.length > 64 * 1024) return refuse(401, 'body too large', { sourceIp });

    let secret: string;
    try {
      secret = await deps.signingSecret();
    } catch (error) {
      log.error('signing secret unavailable', { error: String(error) });
      return reply(503, 'signing secret unavailable');
    }
    const check = verifySlackSignature({
      signingSecret: secret,
      timestamp: header(event, 'x-slack-request-timestamp'),
      signature: header(event, 'x-slack-signature'),
      body,
      nowSeconds: Math.floor(now().getTime() / 1000),
    });
    if (!check.ok) return refuse(401, `signature: ${check.reason}`, { sourceIp });

    const parsed = parseInteraction(body);
    if (!parsed.ok) return refuse(400, parsed.reason, { sourceIp });
    const i = parsed.interaction;

    // Once: by the signed bytes, and by Slack's own ids of the click. The marks outlive the
    // signature window (a request older than that is refused as stale anyway).
    const ttlMs = 2 * MAX_SIGNATURE_AGE_SECONDS * 1000;
    const nowMs = now().getTime();
    const ids = [`sig#${sha256(`${header(event, 'x-slack-request-timestamp')}:${body}`)}`];
    if (i.triggerId || i.actionTs) ids.push(`click#${sha256(`${i.triggerId ?? ''}|${i.actionTs ?? ''}|${i.user.id}|${i.findingId}`)}`);
    const fresh = await Promise.all(ids.map((id) => deps.requests.firstTime(id, nowMs, ttlMs)));
    if (fresh.some((f) => !f)) return refuse(200, 'replayed request', { sourceIp, user: i.user.id, findingId: i.findingId });

    if (!isApprover(i.user.id, deps.config.paging.approvers)) {
      const out = refuse(200, 'not an approver', { user: i.user.id, findingId: i.findingId, choice: i.choice });
      await whisper(i, `Only approvers can ${i.choice === 'restore' ? 'restore this credential' : 'decide on this page'}. Nothing was changed.`);
      return out;
    }

    const record = await deps.ledger.get(i.findingId);
    const view = record && viewOf(record);
    if (!record || !view) return refuse(404, 'unknown finding', { findingId: i.findingId, user: i.user.id });
    if (i.choice === 'restore' && !hasRestorableRevocation(view.finding)) {
      await whisper(i, 'Nothing to restore: Blastwall revoked nothing for this finding.');
      return reply(200, 'nothing to restore');
    }
    if (record.decision || record.restored) {
      await whisper(i, `Already decided: ${record.restored ? 'restored' : record.decision!.kind === 'kept' ? `kept revoked by ${record.decision!.by.name}` : `restore requested by ${record.decision!.by.name}`}.`);
      return reply(200, 'already decided');
    }

    // Take the decision once: the conditional write loses to a concurrent click.
    const decision = { kind: i.choice === 'restore' ? ('restore-requested' as const) : ('kept' as const), by: i.user, at: now().toISOString() };
    let won = false;
    await updateRecord(deps.ledger, i.findingId, (r: PageRecord) => {
      won = false; // a previous attempt of this update may have lost the conditional write
      if (r.decision || r.restored) return undefined;
      won = true;
      return { ...r, decision, restoreProblem: undefined };
    });
    if (!won) return reply(200, 'already decided');

    if (i.choice === 'restore') {
      const detail: RestoreRequestedDetail = {
        findingId: i.findingId,
        approver: { id: i.user.id, name: i.user.name },
        reason: `Restore approved in Slack by ${i.user.name} (${i.user.id})`,
      };
      try {
        await deps.publish(DETAIL_TYPES.restoreRequested, detail);
      } catch (error) {
        // Nothing happened: give the button back.
        await updateRecord(deps.ledger, i.findingId, (r) => (r.decision?.at === decision.at ? { ...r, decision: undefined } : undefined)).catch(() => undefined);
        log.error('restore request not published', { findingId: i.findingId, error: String(error) });
        await whisper(i, 'The restore request could not be sent. Nothing was changed; try again.');
        return reply(500, 'restore request not published');
      }
      log.info('restore requested', { findingId: i.findingId, approver: i.user });
    } else {
      log.info('kept revoked', { findingId: i.findingId, approver: i.user });
    }

    try {
      await pages.deliverSlack(i.findingId, true);
    } catch (error) {
      // The decision stands; the page function's next event re-renders the message.
      log.error('slack message not updated after decision', { findingId: i.findingId, error: String(error) });
    }
    return reply(200, i.choice === 'restore' ? 'restore requested' : 'kept revoked');
  }

  async function whisper(i: UndoInteraction, text: string): Promise<void> {
    if (!i.channel) return;
    try {
      const { pager } = await deps.slack();
      await pager.whisper(i.channel, i.user.id, text);
    } catch (error) {
      log.warn('ephemeral note not sent', { error: String(error) });
    }
  }

  return { handle };
}
