/**
 * The page's context: what else this credential did lately, straight from CloudTrail
 * (`LookupEvents` by `AccessKeyId` in the finding's account and region), bounded to
 * about a second and 20 events — a page must not wait for history. Every field comes
 * from event records (attacker-controlled): cut to a sane length here, escaped where
 * it is rendered.
 */
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { lookupEventPages } from './cloudtrail-history.ts';

export const CONTEXT_MAX_EVENTS = 20;
export const CONTEXT_TIMEOUT_MS = 1000;
export const CONTEXT_LOOKBACK_HOURS = 24;

export interface CredentialEvent {
  time: string;
  eventName: string;
  eventSource: string;
  region: string;
  sourceIp: string;
  userAgent: string;
  errorCode?: string;
}

export interface CredentialContext {
  accessKeyId: string;
  account: string;
  region: string;
  /** Newest first. */
  events: CredentialEvent[];
  /** Set when CloudTrail did not answer in time or failed: the page says so instead of "nothing". */
  error?: string;
}

const cut = (value: unknown, max = 128): string => (typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value)).slice(0, max);

export async function credentialRecentEvents(
  client: CloudTrailClient,
  target: { accessKeyId: string; account: string; region: string },
  options: { now?: Date; timeoutMs?: number; max?: number; lookbackHours?: number } = {},
): Promise<CredentialContext> {
  const now = options.now ?? new Date();
  const max = Math.min(options.max ?? CONTEXT_MAX_EVENTS, 50);
  const abort = new AbortController();
  const context: CredentialContext = { ...target, events: [] };
  const timeoutMs = options.timeoutMs ?? CONTEXT_TIMEOUT_MS;
  const read = async () => {
    const pages = lookupEventPages(
      client,
      { start: new Date(now.getTime() - (options.lookbackHours ?? CONTEXT_LOOKBACK_HOURS) * 3_600_000), end: now, attribute: { key: 'AccessKeyId', value: target.accessKeyId } },
      // One page, one attempt: no retry can fit in a second.
      { maxPages: 1, pageSize: max, abortSignal: abort.signal, retry: { attempts: 1, baseMs: 0, maxMs: 0, sleep: async () => {} } },
    );
    const events: CredentialEvent[] = [];
    for await (const page of pages) {
      for (const r of page.records.slice(0, max) as Array<Record<string, unknown>>) {
        events.push({
          time: cut(r.eventTime, 40),
          eventName: cut(r.eventName),
          eventSource: cut(r.eventSource),
          region: cut(r.awsRegion, 32),
          sourceIp: cut(r.sourceIPAddress, 64),
          userAgent: cut(r.userAgent, 96),
          ...(r.errorCode ? { errorCode: cut(r.errorCode, 64) } : {}),
        });
      }
    }
    return events;
  };
  // The abort ends the HTTP request; the race also bounds what comes before it (assuming the
  // history role on a cold start), which an abort signal does not reach.
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new Error('timeout'));
    }, timeoutMs);
  });
  const reading = read();
  reading.catch(() => {}); // after a timeout its rejection (the abort) is expected and has no reader
  try {
    context.events = await Promise.race([reading, late]);
  } catch (error) {
    context.error = abort.signal.aborted ? `CloudTrail did not answer within ${timeoutMs} ms` : `${(error as Error).name}: ${cut((error as Error).message, 200)}`;
  } finally {
    clearTimeout(timer);
  }
  return context;
}
