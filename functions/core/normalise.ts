/**
 * Intake of one record: an EventBridge envelope or a raw CloudTrail record,
 * hostile until proven otherwise, into the normalised {@link AuditEvent}.
 *
 * Rules: every field is type-checked and bounded; nothing from the input is
 * merged into another object (no prototype pollution); a rejection says which
 * field is wrong and why, so the CLI can print `FILE:LINE: reason`.
 */
import { createHash } from 'node:crypto';
import type { Actor, AuditEvent, AuditResource, Credential, CredentialType, JsonObject } from './audit-event.ts';
import type { EnvironmentResolver } from './environment.ts';

export const SUPPORTED_DETAIL_TYPES = [
  'AWS API Call via CloudTrail',
  'AWS Console Sign In via CloudTrail',
  'AWS Service Event via CloudTrail',
] as const;

export const LIMITS = {
  eventName: 128,
  eventSource: 128,
  eventId: 128,
  arn: 2048,
  accessKeyId: 128,
  userAgent: 1024,
  sourceIp: 256,
  region: 64,
  errorCode: 256,
  errorMessage: 2048,
  resources: 200,
} as const;

export type NormaliseResult = { ok: true; event: AuditEvent } | { ok: false; reason: string };

class Rejection extends Error {}

function reject(reason: string): never {
  throw new Rejection(reason);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own property only: `__proto__`, `constructor` and inherited names never resolve to anything but data. */
function own(obj: JsonObject, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

function requiredString(obj: JsonObject, key: string, max: number, label = key): string {
  const value = own(obj, key);
  if (value === undefined || value === null) reject(`${label} is missing`);
  if (typeof value !== 'string') reject(`${label} must be a string, got ${describe(value)}`);
  if (value.length === 0) reject(`${label} is empty`);
  if (value.length > max) reject(`${label} is ${value.length} characters long; at most ${max} are accepted`);
  return value;
}

function optionalString(obj: JsonObject, key: string, max: number, label = key): string | undefined {
  const value = own(obj, key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') reject(`${label} must be a string, got ${describe(value)}`);
  if (value.length > max) reject(`${label} is ${value.length} characters long; at most ${max} are accepted`);
  return value;
}

/** For free text we only display: truncate instead of rejecting the whole record. */
function boundedText(obj: JsonObject, key: string, max: number): string | undefined {
  const value = own(obj, key);
  if (typeof value !== 'string' || value.length === 0) return undefined;
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

function optionalObject(obj: JsonObject, key: string): JsonObject | undefined {
  const value = own(obj, key);
  return isObject(value) ? value : undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}

const EVENT_NAME = /^[A-Za-z0-9_.:\-]+$/;
const EVENT_SOURCE = /^[a-z0-9][a-z0-9.\-]*$/;
// Real CloudTrail writes 12 digits; sanitised exports write placeholders such as `123456789` or `xxx`.
// Accept those (they resolve to the `unknown` environment) but nothing that could smuggle markup or keys.
const ACCOUNT = /^[A-Za-z0-9-]{1,32}$/;
// ISO 8601 with a date, a time and an optional zone: what CloudTrail writes.
// Panther's normalised exports write a space instead of the `T` and nanoseconds; both are read as UTC.
const ISO_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$/;
const MIN_TIME = Date.UTC(2006, 0, 1); // before AWS existed
const MAX_TIME = Date.UTC(2100, 0, 1);

function parseTime(value: string): number {
  if (!ISO_TIME.test(value)) reject(`eventTime "${value.slice(0, 40)}" is not an ISO 8601 timestamp`);
  const [, date = '', clock = '', fraction = '', zone = 'Z'] = ISO_TIME.exec(value) ?? [];
  // Date.parse rolls impossible dates over (30 February → 2 March, 24:00 → the next day):
  // a corrupt timestamp must be refused, not ordered and baselined at a time it never had.
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute, second] = clock.split(':').map(Number) as [number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
    reject(`eventTime "${value}" is not a calendar date and time`);
  }
  const ms = Date.parse(`${date}T${clock}${fraction.slice(0, 4)}${zone}`);
  if (!Number.isFinite(ms)) reject(`eventTime "${value}" is not a valid date`);
  if (ms < MIN_TIME || ms > MAX_TIME) reject(`eventTime "${value}" is outside 2006–2100`);
  return ms;
}

/**
 * The user-agent family: stable across versions, so an upgrade of the CLI is not a new actor.
 * Order matters: a Terraform run carries the Go SDK's agent too.
 */
const UA_FAMILIES: ReadonlyArray<[RegExp, string]> = [
  [/terraform/i, 'terraform'],
  [/pulumi/i, 'pulumi'],
  [/aws-cdk|cdk\//i, 'aws-cdk'],
  [/cloudformation/i, 'cloudformation'],
  [/stratus-red-team/i, 'stratus-red-team'],
  [/^aws-cli\//i, 'aws-cli'],
  [/^aws-sdk-go-v2|^aws-sdk-go/i, 'aws-sdk-go'],
  [/^boto3|botocore/i, 'boto3'],
  [/^aws-sdk-js|^aws-sdk-nodejs|@aws-sdk|aws-sdk-js-v3/i, 'aws-sdk-js'],
  [/^aws-sdk-java|^aws-sdk-java-v2/i, 'aws-sdk-java'],
  [/^console\.amazonaws\.com|^signin\.amazonaws\.com|Mozilla\//i, 'console'],
  [/^AWS Internal$/i, 'aws-internal'],
  [/\.amazonaws\.com$/i, 'aws-service'],
];

export function userAgentFamily(userAgent: string): string {
  for (const [pattern, family] of UA_FAMILIES) if (pattern.test(userAgent)) return family;
  const first = userAgent.split(/[\s/]/, 1)[0] ?? '';
  return first.toLowerCase().slice(0, 64) || 'unknown';
}

function roleNameFromArn(arn: string | undefined): string | undefined {
  if (!arn) return undefined;
  const match = /:role\/(?:.*\/)?([^/]+)$/.exec(arn);
  return match?.[1];
}

function deriveCredential(identity: JsonObject, resolver: EnvironmentResolver): Credential {
  const rawType = optionalString(identity, 'type', 64, 'userIdentity.type');
  const accessKeyId = optionalString(identity, 'accessKeyId', LIMITS.accessKeyId, 'userIdentity.accessKeyId');
  const arn = optionalString(identity, 'arn', LIMITS.arn, 'userIdentity.arn');
  const accountId = optionalString(identity, 'accountId', 64, 'userIdentity.accountId');
  const invokedBy = optionalString(identity, 'invokedBy', 256, 'userIdentity.invokedBy');
  const userName = optionalString(identity, 'userName', 256, 'userIdentity.userName');
  const sessionContext = optionalObject(identity, 'sessionContext');
  const issuer = sessionContext ? optionalObject(sessionContext, 'sessionIssuer') : undefined;
  const attributes = sessionContext ? optionalObject(sessionContext, 'attributes') : undefined;
  const issuerArn = issuer ? optionalString(issuer, 'arn', LIMITS.arn, 'userIdentity.sessionContext.sessionIssuer.arn') : undefined;
  const issuerType = issuer ? optionalString(issuer, 'type', 64, 'userIdentity.sessionContext.sessionIssuer.type') : undefined;
  const issuerName = issuer ? optionalString(issuer, 'userName', 256, 'userIdentity.sessionContext.sessionIssuer.userName') : undefined;
  const mfaRaw = attributes ? own(attributes, 'mfaAuthenticated') : undefined;
  const createdRaw = attributes ? own(attributes, 'creationDate') : undefined;
  const fromConsole = own(identity, 'sessionCredentialFromConsole');

  let type: CredentialType;
  let principalName = userName;
  let sessionName: string | undefined;
  switch (rawType) {
    case 'Root':
      type = 'root';
      break;
    case 'IAMUser':
      if (accessKeyId?.startsWith('AKIA')) type = 'access-key';
      else if (accessKeyId?.startsWith('ASIA')) type = fromConsole === 'true' || fromConsole === true ? 'console-session' : 'user-session';
      else type = 'console-session';
      break;
    case 'AssumedRole': {
      const roleName = issuerName ?? roleNameFromArn(issuerArn);
      principalName = roleName;
      sessionName = arn?.split('/').pop();
      if (roleName?.startsWith('AWSReservedSSO_')) type = 'identity-center';
      else if (issuerArn?.includes(':role/aws-service-role/')) type = 'aws-service';
      else type = 'role-session';
      break;
    }
    case 'FederatedUser':
      // GetFederationToken: a session minted by an IAM user (the issuer).
      type = 'user-session';
      principalName = issuerName ?? userName;
      break;
    case 'WebIdentityUser':
    case 'SAMLUser':
      type = 'federated';
      break;
    case 'IdentityCenterUser':
      type = 'identity-center';
      break;
    case 'AWSService':
      type = 'aws-service';
      break;
    case 'Anonymous':
      type = 'anonymous';
      break;
    default:
      type = 'unknown';
  }

  const credential: Credential = { type, homeEnvironment: resolver.forAccount(accountId) };
  if (accessKeyId) credential.accessKeyId = accessKeyId;
  if (arn) credential.arn = arn;
  if (issuerArn) credential.issuerArn = issuerArn;
  if (issuerType) credential.issuerType = issuerType;
  if (accountId) credential.accountId = accountId;
  if (principalName) credential.principalName = principalName;
  if (sessionName) credential.sessionName = sessionName;
  if (mfaRaw === 'true' || mfaRaw === true) credential.mfa = true;
  else if (mfaRaw === 'false' || mfaRaw === false) credential.mfa = false;
  if (typeof createdRaw === 'string' && createdRaw.length <= 64) credential.sessionIssuedAt = createdRaw;
  if (invokedBy) credential.invokedBy = invokedBy;
  return credential;
}

function readResources(record: JsonObject): AuditResource[] {
  const raw = own(record, 'resources');
  if (!Array.isArray(raw)) return [];
  const out: AuditResource[] = [];
  for (const item of raw.slice(0, LIMITS.resources)) {
    if (!isObject(item)) continue;
    const resource: AuditResource = {};
    const arn = boundedText(item, 'ARN', LIMITS.arn) ?? boundedText(item, 'arn', LIMITS.arn);
    const type = boundedText(item, 'type', 256);
    const accountId = boundedText(item, 'accountId', 64);
    if (arn) resource.arn = arn;
    if (type) resource.type = type;
    if (accountId) resource.accountId = accountId;
    out.push(resource);
  }
  return out;
}

/** Unwraps an EventBridge envelope; returns the CloudTrail record. */
function unwrap(value: unknown): JsonObject {
  if (!isObject(value)) reject(`expected a JSON object (a CloudTrail record or an EventBridge event), got ${describe(value)}`);
  const detailType = own(value, 'detail-type');
  if (detailType !== undefined) {
    if (typeof detailType !== 'string') reject(`detail-type must be a string, got ${describe(detailType)}`);
    if (!(SUPPORTED_DETAIL_TYPES as readonly string[]).includes(detailType)) {
      reject(`unsupported detail-type "${detailType.slice(0, 80)}": expected one of ${SUPPORTED_DETAIL_TYPES.map((t) => `"${t}"`).join(', ')}`);
    }
    const detail = own(value, 'detail');
    if (!isObject(detail)) reject(`EventBridge detail must be an object, got ${describe(detail)}`);
    return detail;
  }
  return value;
}

/** Normalise one value; never throws for bad input. */
export function normaliseRecord(value: unknown, resolver: EnvironmentResolver): NormaliseResult {
  try {
    return { ok: true, event: normaliseOrThrow(value, resolver) };
  } catch (error) {
    if (error instanceof Rejection) return { ok: false, reason: error.message };
    return { ok: false, reason: `unreadable record: ${(error as Error).message ?? String(error)}` };
  }
}

function normaliseOrThrow(value: unknown, resolver: EnvironmentResolver): AuditEvent {
  const record = unwrap(value);
  const eventName = requiredString(record, 'eventName', LIMITS.eventName);
  if (!EVENT_NAME.test(eventName)) reject(`eventName "${eventName.slice(0, 60)}" has characters no AWS API name has`);
  const eventSource = requiredString(record, 'eventSource', LIMITS.eventSource);
  if (!EVENT_SOURCE.test(eventSource)) reject(`eventSource "${eventSource.slice(0, 60)}" is not a service host name`);
  const time = own(record, 'eventTime') === undefined && typeof own(record, 'p_event_time') === 'string'
    ? requiredString(record, 'p_event_time', 64, 'eventTime (p_event_time)')
    : requiredString(record, 'eventTime', 64);
  const timeMs = parseTime(time);

  const identity = own(record, 'userIdentity');
  if (!isObject(identity)) reject(`userIdentity must be an object, got ${describe(identity)}`);
  const credential = deriveCredential(identity, resolver);

  // Sanitised exports sometimes drop eventID: derive a stable one so duplicates still collapse.
  const id = optionalString(record, 'eventID', LIMITS.eventId) ?? derivedEventId(record, eventSource, eventName, time);

  const recipient = optionalString(record, 'recipientAccountId', 64);
  const account = recipient ?? credential.accountId;
  if (!account) reject('recipientAccountId is missing and userIdentity has no accountId');
  if (!ACCOUNT.test(account)) reject(`recipientAccountId "${account.slice(0, 40)}" is not an account id`);

  const region = optionalString(record, 'awsRegion', LIMITS.region) ?? 'us-east-1';
  const userAgent = boundedText(record, 'userAgent', LIMITS.userAgent) ?? 'unknown';
  const actor: Actor = {
    sourceIp: boundedText(record, 'sourceIPAddress', LIMITS.sourceIp) ?? 'unknown',
    userAgent,
    userAgentFamily: userAgentFamily(userAgent),
  };

  const readOnlyRaw = own(record, 'readOnly');
  const eventType = optionalString(record, 'eventType', 64) ?? 'AwsApiCall';
  const errorCode = optionalString(record, 'errorCode', LIMITS.errorCode);
  const errorMessage = boundedText(record, 'errorMessage', LIMITS.errorMessage);
  const resources = readResources(record);
  const requestParameters = optionalObject(record, 'requestParameters');
  const responseElements = optionalObject(record, 'responseElements');
  const additionalEventData = optionalObject(record, 'additionalEventData');
  const bucketName = requestParameters ? own(requestParameters, 'bucketName') : undefined;
  const resourceArns = resources.flatMap((r) => (r.arn ? [r.arn] : []));
  if (typeof bucketName === 'string' && bucketName.length <= 255) resourceArns.push(`arn:aws:s3:::${bucketName}`);

  const event: AuditEvent = {
    id,
    time,
    timeMs,
    account,
    region,
    environment: resolver.forCall(account, resourceArns),
    actor,
    credential,
    action: {
      service: eventSource.split('.', 1)[0] ?? eventSource,
      eventSource,
      name: eventName,
      readOnly: readOnlyRaw === true || readOnlyRaw === 'true' || (readOnlyRaw === undefined && inferReadOnly(eventName)),
      eventType,
    },
    resources,
  };
  const sharedEventId = optionalString(record, 'sharedEventID', LIMITS.eventId);
  const requestId = optionalString(record, 'requestID', LIMITS.eventId);
  if (sharedEventId) event.sharedEventId = sharedEventId;
  if (requestId) event.requestId = requestId;
  if (errorCode) event.action.errorCode = errorCode;
  if (errorMessage) event.action.errorMessage = errorMessage;
  if (requestParameters) event.requestParameters = requestParameters;
  if (responseElements) event.responseElements = responseElements;
  if (additionalEventData) event.additionalEventData = additionalEventData;
  return event;
}

function derivedEventId(record: JsonObject, eventSource: string, eventName: string, time: string): string {
  const requestId = own(record, 'requestID');
  const identity = own(record, 'userIdentity');
  const principal = isObject(identity) ? own(identity, 'arn') ?? own(identity, 'principalId') : undefined;
  const params = own(record, 'requestParameters');
  const basis = JSON.stringify([eventSource, eventName, time, requestId ?? null, principal ?? null, own(record, 'sourceIPAddress') ?? null, params ?? null]);
  return `derived-${createHash('sha256').update(basis).digest('hex').slice(0, 32)}`;
}

/** Older records lack `readOnly`: infer from the verb, as CloudTrail itself does. */
function inferReadOnly(eventName: string): boolean {
  return /^(Get|Describe|List|Head|Lookup|Search|Batch(Get|Describe)|Check|Validate|Preview|View|Select|Query|Scan)/.test(eventName);
}
