/**
 * The security-hub function's logic, dependencies injected (the handler wires the SDK
 * client; tests wire the loopback stand-in).
 *
 * Runs as its own function on the central bus, beside `page`, for three reasons:
 * - a failed import can never delay or block Slack or PagerDuty: it is another
 *   EventBridge target with its own retries and dead-letter queue;
 * - least privilege: only this function's role may call Security Hub, and it can do
 *   nothing else;
 * - it needs no state: each `Blastwall Finding` and `Blastwall Response` event carries
 *   the whole finding (a response event carries it with its actions), and Security Hub
 *   keeps whichever import has the newest `UpdatedAt`.
 *
 * `UpdatedAt` is the time of the newest thing the finding knows (its event, each action,
 * each restore), not the time of processing: a redelivered or late event carries an
 * older or equal time and so cannot overwrite a newer state (Security Hub ignores an
 * import that is not newer), and the same event always produces the same import.
 */
import type { Finding, ResponseAction } from '../core/finding.ts';
import { asffId, productArn, toAsff, type AsffFinding, type AsffTarget } from '../core/formats/asff.ts';
import { DETAIL_TYPES } from '../core/telemetry-names.ts';
import { SecurityHubRejectedError } from '../adapters/security-hub.ts';

export interface SecurityHubPort {
  import(finding: AsffFinding): Promise<void>;
  resolve(id: { Id: string; ProductArn: string }, note: { text: string; by: string }): Promise<void>;
}

export interface SecurityHubLog {
  info(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

export interface SecurityHubDeps {
  hub: SecurityHubPort;
  target: AsffTarget;
  log?: SecurityHubLog;
  /** A finding Security Hub refused (never retried): the handler counts it. */
  onRejected?: (findingId: string, error: SecurityHubRejectedError) => void;
}

export interface SecurityHubOutcome {
  findingId?: string;
  ignored?: string;
  imported?: boolean;
  resolved?: boolean;
  rejected?: string;
}

interface BusEvent {
  'detail-type': string;
  detail: unknown;
}

export function createSecurityHubService(deps: SecurityHubDeps) {
  const log = deps.log ?? { info() {}, error() {} };

  async function handle(event: BusEvent): Promise<SecurityHubOutcome> {
    const type = event['detail-type'];
    let finding: Finding | undefined;
    let restored: { by: string; reason: string } | undefined;
    if (type === DETAIL_TYPES.finding || type === DETAIL_TYPES.postureFinding) {
      // A Posture Finding (the scheduled audit, the backup watchdog) is a finding too: imported the same way.
      finding = asFinding(event.detail);
      if (!finding) return { ignored: 'malformed finding' };
    } else if (type === DETAIL_TYPES.response) {
      const detail = event.detail as { finding?: unknown; actions?: unknown; restored?: { status?: string; by?: string; reason?: string } } | undefined;
      const base = asFinding(detail?.finding);
      if (!base) return { ignored: 'malformed response' };
      const actions = Array.isArray(detail?.actions) ? (detail.actions as ResponseAction[]) : base.response;
      finding = { ...base, response: actions };
      restored = restoreOf(detail?.restored, actions);
    } else {
      return { ignored: `detail-type ${type}` };
    }

    const asff = toAsff(finding, deps.target, { updatedAt: versionTime(finding) });
    try {
      await deps.hub.import(asff);
      if (restored) {
        await deps.hub.resolve(
          { Id: asffId(finding.id), ProductArn: productArn(deps.target) },
          { text: `Credential restored by ${restored.by}: ${restored.reason}`, by: 'Blastwall' },
        );
      }
    } catch (error) {
      if (error instanceof SecurityHubRejectedError) {
        // The same input would be refused again: report it, do not retry.
        log.error('Security Hub rejected the finding', { findingId: finding.id, errorCode: error.errorCode, error: error.message });
        deps.onRejected?.(finding.id, error);
        return { findingId: finding.id, rejected: error.message };
      }
      throw error;
    }
    log.info('finding in Security Hub', { findingId: finding.id, id: asff.Id, severity: asff.Severity.Label, resolved: !!restored });
    return { findingId: finding.id, imported: true, resolved: !!restored };
  }

  return { handle };
}

export type SecurityHubService = ReturnType<typeof createSecurityHubService>;

/** The newest time the finding knows: its event, its actions, their restores. */
export function versionTime(finding: Finding): string {
  let latest = Date.parse(finding.time) || 0;
  const see = (t: string | undefined) => {
    const ms = t ? Date.parse(t) : NaN;
    if (Number.isFinite(ms) && ms > latest) latest = ms;
  };
  for (const e of finding.recentEvents) see(e.time);
  for (const a of finding.response) {
    see(a.at);
    see(a.restored?.at);
  }
  return new Date(latest).toISOString();
}

/** Restored when respond says so (`restored.status` done) or every enforced revocation was undone. */
function restoreOf(detail: { status?: string; by?: string; reason?: string } | undefined, actions: ResponseAction[]): { by: string; reason: string } | undefined {
  if (detail && typeof detail === 'object') {
    return detail.status === undefined || detail.status === 'done' ? { by: String(detail.by ?? 'an approver'), reason: String(detail.reason ?? '') } : undefined;
  }
  const revocations = actions.filter((a) => a.status === 'done' && a.action !== 'manual' && a.mode === 'enforce');
  if (revocations.length === 0 || !revocations.every((a) => a.restored?.status === 'done')) return undefined;
  const r = revocations[0]!.restored!;
  return { by: r.approver?.name ?? 'an approver', reason: r.reason ?? '' };
}

/** The bus detail as a Finding, or undefined when it lacks what the export reads. */
function asFinding(detail: unknown): Finding | undefined {
  const f = detail as Partial<Finding> | undefined;
  if (!f || typeof f !== 'object') return undefined;
  if (typeof f.id !== 'string' || !f.id || typeof f.account !== 'string' || typeof f.severity !== 'string' || typeof f.time !== 'string') return undefined;
  if (!f.credential || typeof f.credential !== 'object' || !f.actor || typeof f.actor !== 'object') return undefined;
  const list = <T>(v: T[] | undefined): T[] => (Array.isArray(v) ? v : []);
  return {
    ...(f as Finding),
    eventId: String(f.eventId ?? ''),
    eventName: String(f.eventName ?? ''),
    eventSource: String(f.eventSource ?? ''),
    region: String(f.region ?? ''),
    environment: String(f.environment ?? 'unknown'),
    summary: String(f.summary ?? ''),
    reasons: list(f.reasons),
    categories: list(f.categories),
    environmentsCrossed: list(f.environmentsCrossed),
    lineage: list(f.lineage),
    recentEvents: list(f.recentEvents),
    response: list(f.response),
  };
}
