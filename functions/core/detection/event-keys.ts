/**
 * Ordering and keys: the order events are detected in, the processed-marker key,
 * the deterministic finding id, an event's summary and a call's id. Pure.
 */
import * as nodeCrypto from 'node:crypto';
import type { AuditEvent } from '../audit-event.ts';
import type { EventSummary } from '../finding.ts';
import { credentialKey } from './keys.ts';
import { cloudTrailTimeMs } from '../cloudtrail-time.ts';

/** sha256 hex of a string: the one-shot `crypto.hash` where Node has it (≈ 3× faster for short inputs), the same digest either way. */
const sha256 = (text: string): string =>
  typeof (nodeCrypto as { hash?: unknown }).hash === 'function'
    ? (nodeCrypto as unknown as { hash(algorithm: string, data: string): string }).hash('sha256', text)
    : nodeCrypto.createHash('sha256').update(text).digest('hex');

/** Sort a batch by event time (then event id), as the pipeline must: never by arrival. */
export function orderByEventTime<T extends AuditEvent>(events: readonly T[]): T[] {
  return [...events].sort((a, b) => a.timeMs - b.timeMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function fingerprint(event: AuditEvent): string {
  return sha256(`${event.time}|${event.action.eventSource}|${event.action.name}`).slice(0, 8);
}

/**
 * The processed-marker key: the CloudTrail event id plus a fingerprint of time and
 * call, so two different records that carry the same id (hand-edited exports do)
 * are never mistaken for a duplicate delivery. A real redelivery is byte-identical.
 */
export function eventKey(event: AuditEvent): string {
  return `${event.id}#${fingerprint(event)}`;
}

/** Deterministic: the same event always yields the same finding id. */
export function findingId(event: AuditEvent): string {
  return `f-${sha256(`${eventKey(event)}|${credentialKey(event.credential)}`).slice(0, 16)}`;
}

export function summarise(event: AuditEvent): EventSummary {
  const summary: EventSummary = {
    eventId: event.id,
    time: event.time,
    eventName: event.action.name,
    eventSource: event.action.eventSource,
    account: event.account,
    environment: event.environment,
    sourceIp: event.actor.sourceIp,
    userAgentFamily: event.actor.userAgentFamily,
  };
  if (event.credential.accessKeyId) summary.accessKeyId = event.credential.accessKeyId;
  if (event.action.errorCode) summary.errorCode = event.action.errorCode;
  if (event.sharedEventId) summary.sharedEventId = event.sharedEventId;
  return summary;
}

/** The id of the call: the shared id of a cross-account call's two copies, else the event id. */
export function callId(event: AuditEvent): string {
  return event.sharedEventId ?? event.id;
}

/**
 * Date.parse of a summary's time. A time as CloudTrail writes it
 * (`YYYY-MM-DDTHH:MM:SSZ`, 20 characters, fields in range) is read digit by digit
 * (`cloudTrailTimeMs`, no allocation) and gives exactly what Date.parse gives; any
 * other form goes to Date.parse.
 */
export function timeOf(time: string): number {
  const ms = cloudTrailTimeMs(time);
  return ms === ms ? ms : Date.parse(time);
}
