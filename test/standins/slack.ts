/**
 * A loopback stand-in for the Slack Web API methods Blastwall calls
 * (`chat.postMessage`, `chat.update`, `chat.postEphemeral`), spoken to by the real
 * `@slack/web-api` WebClient through `slackApiUrl`. It checks the bot token, keeps
 * the messages and threads, and injects faults: HTTP 429 with `Retry-After`, 5xx,
 * or a platform error (`ok: false`).
 */
import { listen, readBody, sendJson } from './loopback-http.ts';

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  /** When the stand-in received it (ms since epoch). */
  at: number;
  /** The status it answered. */
  status: number;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: Array<Record<string, unknown>>;
  thread_ts?: string;
  /** How many times chat.update changed it. */
  updates: number;
}

export type SlackFault = { status: 429; retryAfter: number } | { status: 500 | 502 | 503 } | { error: string };

export interface SlackStandIn {
  /** Pass as `slackApiUrl`. */
  url: string;
  token: string;
  calls: SlackCall[];
  messages: StoredMessage[];
  ephemerals: Array<{ channel: string; user: string; text: string }>;
  /** Top-level messages (not thread replies) in a channel. */
  topLevel(channel?: string): StoredMessage[];
  replies(threadTs: string): StoredMessage[];
  /** The next `times` calls of `method` (or any method, `*`) answer with `fault`. */
  fail(method: string, fault: SlackFault, times?: number): void;
  /** Every call fails with 503 until `up()`. */
  down(): void;
  up(): void;
  close(): Promise<void>;
}

export async function startSlackStandIn(opts: { token?: string } = {}): Promise<SlackStandIn> {
  const token = opts.token ?? 'xoxb-test-token';
  const calls: SlackCall[] = [];
  const messages: StoredMessage[] = [];
  const ephemerals: SlackStandIn['ephemerals'] = [];
  const faults: Array<{ method: string; fault: SlackFault; times: number }> = [];
  let isDown = false;
  let seq = 0;
  const nextTs = () => `1764000000.${String(++seq).padStart(6, '0')}`;

  const http = await listen(async (req, res) => {
    const raw = await readBody(req);
    const method = (req.url ?? '').replace(/^\/api\//, '').replace(/\?.*$/, '');
    const args = parseArgs(raw, req.headers['content-type'] ?? '');
    const record = (status: number) => calls.push({ method, args, at: Date.now(), status });

    if (isDown) {
      record(503);
      return sendJson(res, 503, { ok: false, error: 'service_unavailable' });
    }
    const faultIdx = faults.findIndex((f) => f.method === method || f.method === '*');
    if (faultIdx >= 0) {
      const f = faults[faultIdx]!;
      if (--f.times <= 0) faults.splice(faultIdx, 1);
      if ('error' in f.fault) {
        record(200);
        return sendJson(res, 200, { ok: false, error: f.fault.error });
      }
      record(f.fault.status);
      if (f.fault.status === 429) return sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(f.fault.retryAfter) });
      return sendJson(res, f.fault.status, { ok: false, error: 'internal_error' });
    }
    record(200);
    const auth = req.headers.authorization;
    if (auth !== `Bearer ${token}`) return sendJson(res, 200, { ok: false, error: 'invalid_auth' });

    const channel = typeof args.channel === 'string' ? args.channel : undefined;
    switch (method) {
      case 'chat.postMessage': {
        if (!channel) return sendJson(res, 200, { ok: false, error: 'channel_not_found' });
        if (!args.text && !args.blocks) return sendJson(res, 200, { ok: false, error: 'no_text' });
        const threadTs = typeof args.thread_ts === 'string' ? args.thread_ts : undefined;
        if (threadTs && !messages.some((m) => m.ts === threadTs && m.channel === channel)) {
          return sendJson(res, 200, { ok: false, error: 'thread_not_found' });
        }
        const msg: StoredMessage = {
          channel,
          ts: nextTs(),
          ...(typeof args.text === 'string' ? { text: args.text } : {}),
          ...(Array.isArray(args.blocks) ? { blocks: args.blocks as StoredMessage['blocks'] } : {}),
          ...(threadTs ? { thread_ts: threadTs } : {}),
          updates: 0,
        };
        messages.push(msg);
        return sendJson(res, 200, { ok: true, channel, ts: msg.ts, message: { text: msg.text, blocks: msg.blocks, ts: msg.ts } });
      }
      case 'chat.update': {
        const msg = messages.find((m) => m.channel === channel && m.ts === args.ts);
        if (!msg) return sendJson(res, 200, { ok: false, error: 'message_not_found' });
        if (typeof args.text === 'string') msg.text = args.text;
        if (Array.isArray(args.blocks)) msg.blocks = args.blocks as StoredMessage['blocks'];
        msg.updates++;
        return sendJson(res, 200, { ok: true, channel, ts: msg.ts, text: msg.text });
      }
      case 'chat.postEphemeral': {
        if (!channel || typeof args.user !== 'string') return sendJson(res, 200, { ok: false, error: 'user_not_in_channel' });
        ephemerals.push({ channel, user: args.user, text: String(args.text ?? '') });
        return sendJson(res, 200, { ok: true, message_ts: nextTs() });
      }
      default:
        return sendJson(res, 200, { ok: false, error: 'unknown_method' });
    }
  });

  return {
    url: `http://127.0.0.1:${http.port}/api/`,
    token,
    calls,
    messages,
    ephemerals,
    topLevel: (ch) => messages.filter((m) => !m.thread_ts && (ch === undefined || m.channel === ch)),
    replies: (ts) => messages.filter((m) => m.thread_ts === ts),
    fail: (method, fault, times = 1) => void faults.push({ method, fault, times }),
    down: () => void (isDown = true),
    up: () => void (isDown = false),
    close: http.close,
  };
}

/** The WebClient sends form-encoded fields, objects (blocks) as JSON strings. */
function parseArgs(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('application/json')) {
    try {
      return JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    if ((k === 'blocks' || k === 'attachments' || k === 'metadata') && v.startsWith('[')) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        /* keep the string */
      }
    }
    out[k] = v;
  }
  return out;
}
