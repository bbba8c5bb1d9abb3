/**
 * Member topology (`deployment.topology: "member"`, docs/deploy.md "Topology"): every member
 * account and region runs its own `detect`. A detector in an account whose administrators
 * can stop it must be tamper-evident, so each member sends a heartbeat to the central bus
 * every {@link HEARTBEAT_INTERVAL_MINUTES} minutes, and the central account judges them:
 *
 * - **silent**: no heartbeat for longer than the silence limit (15 minutes: three missed
 *   beats). A member is known from its first heartbeat (members that still forward, which
 *   the two topologies mix, send none), and stays known until its item expires;
 * - **unknown code**: the member's detect runs a deployment package whose SHA-256 is not the
 *   central detect's (both are built from the same bundle by the same `cdk deploy`, so their
 *   `CodeSha256` is equal; anything else is code Blastwall did not deploy, or a member not
 *   yet updated).
 *
 * Pure: no AWS SDK. Every field of a heartbeat is attacker-controlled (a member's
 * administrator can send anything from that account): the sender's account is taken from
 * the EventBridge envelope, which EventBridge sets, and the heartbeat must name the same.
 */
import { BLASTWALL_EVENT_SOURCE, DETAIL_TYPES } from './telemetry-names.ts';

export const HEARTBEAT_INTERVAL_MINUTES = 5;
/** A member is silent after this long without a heartbeat (three missed beats). */
export const HEARTBEAT_SILENCE_MINUTES = 15;

/** What a member's heartbeat function publishes (`Blastwall Heartbeat`). */
export interface HeartbeatDetail {
  account: string;
  region: string;
  /** Lambda's `CodeSha256` of the member's detect function (base64 SHA-256 of its deployment package). */
  codeSha256: string;
  /** Invocations of the member's detect in [windowStart, windowEnd) (CloudWatch `AWS/Lambda Invocations`). */
  eventsJudged: number;
  windowStart: string;
  windowEnd: string;
  sentAt: string;
}

/** The last heartbeat kept per member and region. */
export interface LastHeartbeat {
  account: string;
  region: string;
  seenAtMs: number;
  codeSha256: string;
  eventsJudged: number;
}

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** Base64 of 32 bytes. */
const SHA256_BASE64 = /^[A-Za-z0-9+/]{43}=$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/**
 * The window a heartbeat reports: the five minutes that ended five minutes before `now`
 * (floored to the minute), so CloudWatch has published the invocations of every minute in it.
 */
export function heartbeatWindow(now: Date): { start: Date; end: Date } {
  const minute = Math.floor(now.getTime() / 60_000) * 60_000;
  const end = new Date(minute - HEARTBEAT_INTERVAL_MINUTES * 60_000);
  return { start: new Date(end.getTime() - HEARTBEAT_INTERVAL_MINUTES * 60_000), end };
}

export function buildHeartbeat(input: { account: string; region: string; codeSha256: string; eventsJudged: number; window: { start: Date; end: Date }; now: Date }): HeartbeatDetail {
  return {
    account: input.account,
    region: input.region,
    codeSha256: input.codeSha256,
    eventsJudged: input.eventsJudged,
    windowStart: input.window.start.toISOString(),
    windowEnd: input.window.end.toISOString(),
    sentAt: input.now.toISOString(),
  };
}

export type ParsedHeartbeat = { ok: true; heartbeat: HeartbeatDetail } | { ok: false; reason: string };

function own(o: object, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? (o as Record<string, unknown>)[key] : undefined;
}

/** Validates a `Blastwall Heartbeat` envelope; the sender's account (the envelope's, set by EventBridge) must be the one the heartbeat names. */
export function parseHeartbeat(envelope: unknown): ParsedHeartbeat {
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) return { ok: false, reason: 'not an EventBridge event' };
  if (own(envelope, 'source') !== BLASTWALL_EVENT_SOURCE || own(envelope, 'detail-type') !== DETAIL_TYPES.heartbeat) return { ok: false, reason: 'not a Blastwall Heartbeat' };
  const sender = own(envelope, 'account');
  if (typeof sender !== 'string' || !ACCOUNT.test(sender)) return { ok: false, reason: 'envelope account is not a 12-digit account' };
  const detail = own(envelope, 'detail');
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return { ok: false, reason: 'detail is not an object' };
  const account = own(detail, 'account');
  const region = own(detail, 'region');
  const codeSha256 = own(detail, 'codeSha256');
  const eventsJudged = own(detail, 'eventsJudged');
  const times = ['windowStart', 'windowEnd', 'sentAt'].map((k) => own(detail, k));
  if (account !== sender) return { ok: false, reason: 'detail.account is not the account that sent the heartbeat' };
  if (typeof region !== 'string' || !REGION.test(region)) return { ok: false, reason: 'detail.region is not an AWS region' };
  if (typeof codeSha256 !== 'string' || !SHA256_BASE64.test(codeSha256)) return { ok: false, reason: 'detail.codeSha256 is not a base64 SHA-256' };
  if (typeof eventsJudged !== 'number' || !Number.isInteger(eventsJudged) || eventsJudged < 0 || eventsJudged > 1e12) return { ok: false, reason: 'detail.eventsJudged is not a count' };
  if (!times.every((t) => typeof t === 'string' && ISO.test(t) && !Number.isNaN(Date.parse(t)))) return { ok: false, reason: 'detail.windowStart/windowEnd/sentAt must be ISO times' };
  const [windowStart, windowEnd, sentAt] = times as [string, string, string];
  return { ok: true, heartbeat: { account, region, codeSha256, eventsJudged, windowStart, windowEnd, sentAt } };
}

export interface MemberProblem {
  account: string;
  region: string;
  lastSeenMs: number;
  codeSha256: string;
}

export interface HeartbeatJudgement {
  silent: MemberProblem[];
  unknownCode: MemberProblem[];
  /** Members whose last heartbeat is within the silence limit. */
  reporting: number;
  /** Events those members judged in their last heartbeat's window. */
  eventsJudged: number;
}

/**
 * Judges the last heartbeat of every member: silent when older than `silenceMinutes`,
 * unknown code when its `codeSha256` is not in `knownCodeSha256`. A silent member is not
 * also judged on its (stale) code.
 */
export function judgeHeartbeats(input: {
  last: readonly LastHeartbeat[];
  knownCodeSha256: readonly string[];
  nowMs: number;
  silenceMinutes?: number;
}): HeartbeatJudgement {
  const limitMs = (input.silenceMinutes ?? HEARTBEAT_SILENCE_MINUTES) * 60_000;
  const known = new Set(input.knownCodeSha256);
  const byMember = new Map(input.last.map((h) => [`${h.account}#${h.region}`, h]));
  const silent: MemberProblem[] = [];
  const unknownCode: MemberProblem[] = [];
  let reporting = 0;
  let eventsJudged = 0;
  for (const h of byMember.values()) {
    if (input.nowMs - h.seenAtMs > limitMs) {
      silent.push({ account: h.account, region: h.region, lastSeenMs: h.seenAtMs, codeSha256: h.codeSha256 });
      continue;
    }
    reporting++;
    eventsJudged += h.eventsJudged;
    if (!known.has(h.codeSha256)) unknownCode.push({ account: h.account, region: h.region, lastSeenMs: h.seenAtMs, codeSha256: h.codeSha256 });
  }
  const order = (a: MemberProblem, b: MemberProblem) => `${a.account}#${a.region}`.localeCompare(`${b.account}#${b.region}`);
  return { silent: silent.sort(order), unknownCode: unknownCode.sort(order), reporting, eventsJudged };
}
