/**
 * A loopback stand-in for the PagerDuty Events API v2 (`POST /v2/enqueue`). It
 * validates events as PagerDuty does (routing key, action, payload fields and
 * severity), answers 202 with the dedup key, keeps incidents by dedup key (a
 * trigger on an open incident adds an alert, never a second incident) and
 * injects 5xx / 429.
 */
import { listen, readBody, sendJson } from './loopback-http.ts';

export interface PdIncident {
  dedupKey: string;
  status: 'triggered' | 'resolved';
  /** Triggers received for this open incident (re-deliveries add alerts, not incidents). */
  triggers: number;
  summary: string;
  severity: string;
  customDetails?: Record<string, unknown>;
  links?: Array<{ href: string; text: string }>;
}

export interface PagerDutyStandIn {
  /** Pass as `baseUrl`. */
  url: string;
  /** Every request body received, valid or not, with the status answered. */
  requests: Array<{ body: Record<string, unknown> | undefined; status: number }>;
  incidents: PdIncident[];
  open(dedupKey: string): PdIncident | undefined;
  fail(status: 429 | 500 | 502 | 503, times?: number, retryAfter?: number): void;
  down(): void;
  up(): void;
  close(): Promise<void>;
}

const SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);

export async function startPagerDutyStandIn(opts: { routingKeys?: string[] } = {}): Promise<PagerDutyStandIn> {
  const keys = new Set(opts.routingKeys ?? ['R0UTINGKEY0000000000000000000000']);
  const requests: PagerDutyStandIn['requests'] = [];
  const incidents: PdIncident[] = [];
  const faults: Array<{ status: number; times: number; retryAfter?: number }> = [];
  let isDown = false;

  const http = await listen(async (req, res) => {
    const raw = await readBody(req);
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    const answer = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      requests.push({ body, status });
      sendJson(res, status, json, headers);
    };
    if (isDown) return answer(503, { status: 'unavailable' });
    const fault = faults[0];
    if (fault) {
      if (--fault.times <= 0) faults.shift();
      return answer(fault.status, { status: 'error', message: 'injected' }, fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {});
    }
    if (req.method !== 'POST' || req.url !== '/v2/enqueue') return answer(404, { status: 'not found' });
    if (!body) return answer(400, { status: 'invalid event', message: 'Event object is invalid', errors: ['Invalid JSON'] });
    const errors: string[] = [];
    const key = body.routing_key;
    if (typeof key !== 'string' || key.length !== 32 || !keys.has(key)) errors.push('Invalid routing key');
    const action = body.event_action;
    if (action !== 'trigger' && action !== 'acknowledge' && action !== 'resolve') errors.push("'event_action' is invalid");
    let dedupKey = typeof body.dedup_key === 'string' ? body.dedup_key : undefined;
    if (dedupKey && dedupKey.length > 255) errors.push("'dedup_key' is too long");
    const payload = body.payload as Record<string, unknown> | undefined;
    if (action === 'trigger') {
      if (!payload) errors.push("'payload' is missing");
      else {
        if (typeof payload.summary !== 'string' || !payload.summary) errors.push("'payload.summary' is missing");
        else if (payload.summary.length > 1024) errors.push("'payload.summary' is too long");
        if (typeof payload.source !== 'string' || !payload.source) errors.push("'payload.source' is missing");
        if (typeof payload.severity !== 'string' || !SEVERITIES.has(payload.severity)) errors.push("'payload.severity' is invalid");
      }
    } else if (!dedupKey) errors.push("'dedup_key' is required for acknowledge and resolve");
    if (errors.length > 0) return answer(400, { status: 'invalid event', message: 'Event object is invalid', errors });

    if (action === 'trigger') {
      dedupKey ??= `pd-${incidents.length + 1}`;
      const open = incidents.find((i) => i.dedupKey === dedupKey && i.status === 'triggered');
      if (open) {
        open.triggers++;
        open.summary = String(payload!.summary);
        open.severity = String(payload!.severity);
        open.customDetails = payload!.custom_details as Record<string, unknown>;
      } else {
        incidents.push({
          dedupKey,
          status: 'triggered',
          triggers: 1,
          summary: String(payload!.summary),
          severity: String(payload!.severity),
          customDetails: payload!.custom_details as Record<string, unknown>,
          links: body.links as PdIncident['links'],
        });
      }
    } else if (action === 'resolve') {
      const open = incidents.find((i) => i.dedupKey === dedupKey && i.status === 'triggered');
      if (open) open.status = 'resolved';
    }
    return answer(202, { status: 'success', message: 'Event processed', dedup_key: dedupKey });
  });

  return {
    url: `http://127.0.0.1:${http.port}`,
    requests,
    incidents,
    open: (k) => incidents.find((i) => i.dedupKey === k && i.status === 'triggered'),
    fail: (status, times = 1, retryAfter) => void faults.push({ status, times, ...(retryAfter !== undefined ? { retryAfter } : {}) }),
    down: () => void (isDown = true),
    up: () => void (isDown = false),
    close: http.close,
  };
}
