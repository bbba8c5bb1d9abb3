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
import { UNKNOWN_ENVIRONMENT } from './config-schema.ts';
import { cloudTrailTimeMs } from './cloudtrail-time.ts';

export const SUPPORTED_DETAIL_TYPES = [
  'AWS API Call via CloudTrail',
  'AWS Console Sign In via CloudTrail',
  'AWS Service Event via CloudTrail',
] as const;

/**
 * Bounds on a record as a whole, from what AWS documents, never below what AWS emits.
 *
 * - `recordBytes`: CloudTrail's quotas page: "Event version 1.05 and newer: total event size
 *   limit of 256 KB … CloudTrail does not send events over 256 KB to CloudWatch Logs or
 *   EventBridge" (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/WhatIsCloudTrail-Limits.html).
 *   Measured as the record's compact JSON in UTF-8 bytes (the form CloudTrail writes), with
 *   256 KB read as 256 × 1024, the larger of the two readings.
 * - `depth`: AWS documents no nesting limit for CloudTrail. Real records nest about a dozen
 *   levels (11 is the deepest in test/fixtures/corpus); the deepest nesting an AWS API documents
 *   for a caller's own data is DynamoDB's 32 levels, about 70 JSON levels in a record. 1,000 is
 *   far above that and far below where the recursive `JSON.stringify` that later code uses
 *   overflows the stack (about 4,500 levels on Node 20). Measured iteratively, as is everything
 *   in this module that walks a record.
 *
 * No identifier has a length limit of its own: an eventID, requestID (Secrets Manager's
 * StartSecretVersionDelete writes 142–143 characters), ARN or key id is bounded by the record.
 */
export const RECORD_LIMITS = {
  recordBytes: 256 * 1024,
  depth: 1_000,
} as const;

/**
 * Limits that are not length limits on identifiers: display-only text is truncated (never
 * rejected) at these lengths, and at most `resources` entries of `resources` are kept.
 */
export const LIMITS = {
  userAgent: 1024,
  sourceIp: 256,
  errorMessage: 2048,
  resourceText: 2048,
  resources: 200,
} as const;

/** eventName and eventSource are shapes, not free text: an AWS API name or service host name is short. */
const NAME_MAX = 128;

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

function requiredString(obj: JsonObject, key: string, max?: number, label = key): string {
  const value = own(obj, key);
  if (value === undefined || value === null) reject(missing(obj, label));
  if (typeof value !== 'string') reject(`${label} must be a string, got ${describe(value)}`);
  if (value.length === 0) reject(`${label} is empty`);
  if (max !== undefined && value.length > max) reject(`${label} is ${value.length} characters long; at most ${max} are accepted`);
  return value;
}

/** An optional string: absent, null and '' are absent; any other type is refused. Its length is bounded by the record's size. */
function optionalString(obj: JsonObject, key: string, label = key): string | undefined {
  const value = own(obj, key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') reject(`${label} must be a string, got ${describe(value)}`);
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

/** The kind of a value, with its article: "an object", "a number", "null". */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  const kind = typeof value;
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}

/**
 * Names other tools give CloudTrail's fields, so that a record exported from a SIEM or a
 * data lake is refused with a reason that says so (matched also ignoring case, e.g. Panther's
 * lower-cased `eventname`). Sources:
 * - Elastic (Filebeat / Elastic Agent AWS module, ECS): `@timestamp`, `event.action`,
 *   `event.provider`, `event.id`, `cloud.account.id`, `aws.cloudtrail.user_identity.*`
 *   (https://www.elastic.co/guide/en/beats/filebeat/current/exported-fields-aws.html);
 *   CrowdStrike Falcon LogScale's CloudTrail parser maps to the same names.
 * - Microsoft Sentinel's `AWSCloudTrail` table: `TimeGenerated`, `AwsEventId`,
 *   `UserIdentityType`, `UserIdentityArn`, `UserIdentityAccountId`
 *   (https://learn.microsoft.com/azure/azure-monitor/reference/tables/awscloudtrail).
 * - OCSF as written by Amazon Security Lake: `time`, `api.operation`, `api.service.name`,
 *   `metadata.uid`, `actor`, `cloud.account.uid`
 *   (https://docs.opensearch.org/docs/security-analytics/log-types-reference/cloudtrail).
 * - Fivetran's CloudTrail connector: `event_time`, `event_name`, `event_source`,
 *   `recipient_account_id`, `user_identity_*`
 *   (https://fivetran.com/docs/connectors/applications/aws-cloudtrail/connector-schema).
 */
const OTHER_NAMES: Readonly<Record<string, readonly string[]>> = {
  eventTime: ['@timestamp', 'TimeGenerated', 'time', 'event_time', 'timestamp'],
  eventName: ['event.action', 'api.operation', 'event_name', 'aws.cloudtrail.event_name'],
  eventSource: ['event.provider', 'api.service.name', 'event_source', 'aws.cloudtrail.event_source'],
  userIdentity: ['aws.cloudtrail.user_identity', 'UserIdentityType', 'UserIdentityArn', 'user_identity', 'user_identity_type', 'actor'],
  recipientAccountId: ['cloud.account.id', 'cloud.account.uid', 'RecipientAccountId', 'recipient_account_id'],
};

/** The value at a dotted name, read both as one flat key (`"event.action"`) and as a path (`event → action`). */
function hasName(obj: JsonObject, name: string): boolean {
  if (own(obj, name) !== undefined) return true;
  if (!name.includes('.')) return false;
  let node: unknown = obj;
  for (const part of name.split('.')) {
    if (!isObject(node)) return false;
    node = own(node, part);
  }
  return node !== undefined;
}

/** "eventTime is missing", and when the record carries the field under another tool's name, which. */
function missing(obj: JsonObject, field: string): string {
  const found =
    Object.keys(obj).find((k) => k !== field && k.toLowerCase() === field.toLowerCase()) ??
    (OTHER_NAMES[field] ?? []).find((name) => name !== field && hasName(obj, name)) ??
    // A prefix of the renamed field (`aws.cloudtrail.user_identity.arn` for userIdentity): flat keys only.
    (OTHER_NAMES[field] ?? []).map((name) => Object.keys(obj).find((k) => k.startsWith(`${name}.`) || k.startsWith(`${name}_`))).find((k) => k !== undefined);
  if (found === undefined) {
    // An EventBridge event whose detail-type was dropped is read as a record: say so.
    if (isObject(own(obj, 'detail')) && typeof own(obj, 'source') === 'string') {
      return `${field} is missing; the record has detail and source — an EventBridge event without its detail-type?`;
    }
    return `${field} is missing`;
  }
  return `${field} is missing; the record has ${found.slice(0, 60)} — a SIEM export? Blastwall reads CloudTrail's own field names`;
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
  // CloudTrail's own shape, read digit by digit (the general path below costs a regex, two
  // splits, a Date and a Date.parse per record: a quarter of normalising); any other shape, an
  // impossible date or one out of range takes the general path and its exact messages.
  const fast = cloudTrailTimeMs(value);
  if (fast >= MIN_TIME && fast <= MAX_TIME) return fast;
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
  // A fleet repeats a handful of agent strings: remember the answer instead of up to 13 regexes per
  // event. Bounded (agents are attacker-controlled): cleared when full, never grows past the bound.
  const known = FAMILY_CACHE.get(userAgent);
  if (known !== undefined) return known;
  const family = familyOf(userAgent);
  if (userAgent.length <= FAMILY_CACHE_MAX_KEY) {
    if (FAMILY_CACHE.size >= FAMILY_CACHE_MAX_ENTRIES) FAMILY_CACHE.clear();
    FAMILY_CACHE.set(userAgent, family);
  }
  return family;
}

const FAMILY_CACHE = new Map<string, string>();
const FAMILY_CACHE_MAX_ENTRIES = 4096;
const FAMILY_CACHE_MAX_KEY = 1024;

function familyOf(userAgent: string): string {
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
  const rawType = optionalString(identity, 'type', 'userIdentity.type');
  const accessKeyId = optionalString(identity, 'accessKeyId', 'userIdentity.accessKeyId');
  const arn = optionalString(identity, 'arn', 'userIdentity.arn');
  const accountId = optionalString(identity, 'accountId', 'userIdentity.accountId');
  const invokedBy = optionalString(identity, 'invokedBy', 'userIdentity.invokedBy');
  const userName = optionalString(identity, 'userName', 'userIdentity.userName');
  const sessionContext = optionalObject(identity, 'sessionContext');
  const issuer = sessionContext ? optionalObject(sessionContext, 'sessionIssuer') : undefined;
  const attributes = sessionContext ? optionalObject(sessionContext, 'attributes') : undefined;
  const issuerArn = issuer ? optionalString(issuer, 'arn', 'userIdentity.sessionContext.sessionIssuer.arn') : undefined;
  const issuerType = issuer ? optionalString(issuer, 'type', 'userIdentity.sessionContext.sessionIssuer.type') : undefined;
  const issuerName = issuer ? optionalString(issuer, 'userName', 'userIdentity.sessionContext.sessionIssuer.userName') : undefined;
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
      // Service events (Secrets Manager's version deletions …) name no type, only the service acting: an AWS service.
      type = rawType === undefined && invokedBy !== undefined ? 'aws-service' : 'unknown';
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
    const arn = boundedText(item, 'ARN', LIMITS.resourceText) ?? boundedText(item, 'arn', LIMITS.resourceText);
    const type = boundedText(item, 'type', LIMITS.resourceText);
    const accountId = boundedText(item, 'accountId', LIMITS.resourceText);
    if (arn) resource.arn = arn;
    if (type) resource.type = type;
    if (accountId) resource.accountId = accountId;
    out.push(resource);
  }
  return out;
}

/** An EventBridge envelope's record, with the account EventBridge says the event belongs to. */
interface Unwrapped {
  record: JsonObject;
  envelopeAccount?: string;
}

/** Unwraps an EventBridge envelope; returns the CloudTrail record. */
function unwrap(value: unknown): Unwrapped {
  if (!isObject(value)) reject(`expected a JSON object (a CloudTrail record or an EventBridge event), got ${describe(value)}`);
  const detailType = own(value, 'detail-type');
  if (detailType !== undefined) {
    if (typeof detailType !== 'string') reject(`detail-type must be a string, got ${describe(detailType)}`);
    if (!(SUPPORTED_DETAIL_TYPES as readonly string[]).includes(detailType)) {
      reject(`unsupported detail-type "${detailType.slice(0, 80)}": expected one of ${SUPPORTED_DETAIL_TYPES.map((t) => `"${t}"`).join(', ')}`);
    }
    const detail = own(value, 'detail');
    if (detail === undefined || detail === null) reject('EventBridge detail is missing');
    if (!isObject(detail)) reject(`EventBridge detail must be an object, got ${describe(detail)}`);
    const account = own(value, 'account');
    return typeof account === 'string' && account !== '' ? { record: detail, envelopeAccount: account } : { record: detail };
  }
  return { record: value };
}

/**
 * Refuses a record larger than CloudTrail writes or nested deeper than {@link RECORD_LIMITS}.depth,
 * walking it with an explicit stack (never recursion) and stopping as soon as a bound is passed.
 * The size counted is the record's compact JSON in UTF-8 bytes.
 *
 * Fast path: one walk checks the depth and sums a bound from above on the size (6 bytes per
 * UTF-16 unit — `\u00XX` is the longest a character gets — and 24 per number or literal). A
 * record under that bound (every real one but the largest) is within the limit without its
 * exact size being counted; otherwise {@link exactSize} counts it.
 */
function checkBounds(record: JsonObject): void {
  const { recordBytes, depth: maxDepth } = RECORD_LIMITS;
  const keys = Object.keys(record);
  let units = 0; // UTF-16 units of strings and keys
  let other = 2 + 2 * keys.length; // brackets, commas, colons, scalars
  // One pair of stacks for the whole walk: objects carry their depth, scalars are summed as met.
  const values: unknown[] = [];
  const depths: number[] = [];
  for (const field of keys) {
    units += field.length + 2;
    const top = record[field];
    if (typeof top === 'string') {
      units += top.length + 2;
      continue;
    }
    if (typeof top !== 'object' || top === null) {
      other += 24;
      continue;
    }
    values.push(top);
    depths.push(2);
    while (values.length) {
      const value = values.pop();
      if (typeof value === 'string') {
        units += value.length + 2;
        continue;
      }
      if (typeof value !== 'object' || value === null) {
        other += 24;
        continue;
      }
      const depth = depths.pop()!;
      if (depth > maxDepth) reject(`${field.slice(0, 60)} nests deeper than ${maxDepth} levels; real CloudTrail records nest a few dozen at most`);
      if (Array.isArray(value)) {
        other += 2 + value.length;
        for (let i = 0; i < value.length; i++) {
          const child = value[i];
          values.push(child);
          if (typeof child === 'object' && child !== null) depths.push(depth + 1);
        }
      } else {
        const members = Object.keys(value);
        other += 2 + 2 * members.length;
        for (const key of members) {
          units += key.length + 2;
          const child = (value as JsonObject)[key];
          values.push(child);
          if (typeof child === 'object' && child !== null) depths.push(depth + 1);
        }
      }
    }
  }
  if (units * 6 + other > recordBytes) exactSize(record, keys);
}

/** The record's exact size as compact UTF-8 JSON, one top-level field at a time; refuses it past the bound, naming the largest field. */
function exactSize(record: JsonObject, keys: readonly string[]): void {
  const { recordBytes } = RECORD_LIMITS;
  let total = 2 + Math.max(0, keys.length - 1); // {} and the commas between members
  let largest = { field: '', bytes: 0 };
  for (const field of keys) {
    let bytes = stringBytes(field) + 1;
    const values: unknown[] = [record[field]];
    while (values.length) {
      const value = values.pop();
      if (typeof value === 'string') bytes += stringBytes(value);
      else if (typeof value === 'number') bytes += Number.isFinite(value) ? String(value).length : 4;
      else if (typeof value === 'boolean') bytes += value ? 4 : 5;
      else if (value !== null && typeof value === 'object') {
        if (Array.isArray(value)) {
          bytes += 2 + Math.max(0, value.length - 1);
          for (let i = value.length - 1; i >= 0; i--) values.push(value[i]);
        } else {
          const members = Object.keys(value);
          bytes += 2 + Math.max(0, members.length - 1);
          for (const key of members) {
            bytes += stringBytes(key) + 1;
            values.push((value as JsonObject)[key]);
          }
        }
      } else bytes += 4; // null (and what JSON writes as null)
      if (total + bytes > recordBytes) {
        if (bytes > largest.bytes) largest = { field, bytes };
        reject(
          `the record is larger than ${recordBytes} bytes as JSON (${largest.field.slice(0, 60)} alone is ${largest.bytes === bytes ? 'at least ' : ''}${largest.bytes}): ` +
            'CloudTrail writes no event larger than 256 KB',
        );
      }
    }
    total += bytes;
    if (bytes > largest.bytes) largest = { field, bytes };
  }
}

// Characters JSON escapes: the quote, the backslash, control characters.
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/** UTF-8 bytes of a string written as JSON, quotes included. */
function stringBytes(s: string): number {
  return NEEDS_ESCAPE.test(s) ? Buffer.byteLength(JSON.stringify(s), 'utf8') : Buffer.byteLength(s, 'utf8') + 2;
}

/**
 * The account of an ARN (`arn:partition:service:region:account:resource`), or undefined
 * when the ARN names none (an AWS-managed policy, a service) or is not an ARN.
 */
function arnAccount(arn: string | undefined): string | undefined {
  if (!arn?.startsWith('arn:')) return undefined;
  const account = arn.split(':', 6)[4];
  return account ? account : undefined;
}

/**
 * Forged identities. In every CloudTrail record the principal's own account —
 * `userIdentity.accountId` — is the account in its ARN and in its session issuer's ARN, and an
 * EventBridge event's `account` is the `recipientAccountId` of the record it carries
 * (EventBridge sets it; a forwarding rule keeps it). A record that disagrees would make
 * Blastwall judge the principal by one account's environment and act on another's.
 *
 * Not forgeries, and accepted: `recipientAccountId` ≠ `userIdentity.accountId` (a cross-account
 * call: the record is written to both accounts); identities without an ARN (AWS services,
 * web-identity and SAML users, `AWSAccount`); and disagreements between accounts the
 * configuration does not name, as sanitised exports write them (Panther's hand-edited records
 * mix `123451234516` and `123123123123` in one identity): those accounts all resolve to the
 * `unknown` environment, whichever of them is believed.
 */
function checkIdentityAccounts(identity: JsonObject, credential: Credential, resolver: EnvironmentResolver): void {
  const accountId = credential.accountId;
  if (accountId === undefined) return;
  const sessionContext = optionalObject(identity, 'sessionContext');
  const issuer = sessionContext ? optionalObject(sessionContext, 'sessionIssuer') : undefined;
  const issuerAccount = issuer ? own(issuer, 'accountId') : undefined;
  const claims: [string, string | undefined][] = [
    ['userIdentity.arn', arnAccount(credential.arn)],
    ['userIdentity.sessionContext.sessionIssuer.arn', arnAccount(credential.issuerArn)],
    ['userIdentity.sessionContext.sessionIssuer.accountId', typeof issuerAccount === 'string' && issuerAccount !== '' ? issuerAccount : undefined],
  ];
  for (const [field, other] of claims) {
    if (other === undefined || other === accountId) continue;
    if (!configured(resolver, accountId) && !configured(resolver, other)) continue;
    reject(`userIdentity.accountId ${accountId.slice(0, 40)} disagrees with ${field} (account ${other.slice(0, 40)}): a forged identity?`);
  }
}

function configured(resolver: EnvironmentResolver, account: string): boolean {
  return resolver.forAccount(account) !== UNKNOWN_ENVIRONMENT;
}

/** Normalise one value; never throws for bad input. */
export function normaliseRecord(value: unknown, resolver: EnvironmentResolver): NormaliseResult {
  try {
    return { ok: true, event: normaliseOrThrow(value, resolver) };
  } catch (error) {
    if (error instanceof Rejection) return { ok: false, reason: error.message };
    const message = error instanceof RangeError ? 'nested too deeply to read' : ((error as Error)?.message ?? String(error));
    return { ok: false, reason: `unreadable record: ${message.slice(0, 200)}` };
  }
}

function normaliseOrThrow(value: unknown, resolver: EnvironmentResolver): AuditEvent {
  const { record, envelopeAccount } = unwrap(value);
  checkBounds(record);
  const eventName = requiredString(record, 'eventName', NAME_MAX);
  if (!EVENT_NAME.test(eventName)) reject(`eventName "${eventName.slice(0, 60)}" has characters no AWS API name has`);
  const eventSource = requiredString(record, 'eventSource', NAME_MAX);
  if (!EVENT_SOURCE.test(eventSource)) reject(`eventSource "${eventSource.slice(0, 60)}" is not a service host name`);
  const time = own(record, 'eventTime') === undefined && typeof own(record, 'p_event_time') === 'string'
    ? requiredString(record, 'p_event_time', 64, 'eventTime (p_event_time)')
    : requiredString(record, 'eventTime', 64);
  const timeMs = parseTime(time);

  const identity = own(record, 'userIdentity');
  if (identity === undefined) reject(missing(record, 'userIdentity'));
  if (!isObject(identity)) reject(`userIdentity must be an object, got ${describe(identity)}`);
  const credential = deriveCredential(identity, resolver);
  checkIdentityAccounts(identity, credential, resolver);

  // Sanitised exports sometimes drop eventID: derive a stable one so duplicates still collapse.
  const id = optionalString(record, 'eventID') ?? derivedEventId(record, eventSource, eventName, time);

  const recipient = optionalString(record, 'recipientAccountId');
  if (recipient !== undefined && envelopeAccount !== undefined && recipient !== envelopeAccount) {
    reject(`recipientAccountId ${recipient.slice(0, 40)} disagrees with the EventBridge envelope's account ${envelopeAccount.slice(0, 40)}: a forged record?`);
  }
  // Without recipientAccountId (records older than eventVersion 1.02), EventBridge's own account, else the caller's.
  const account = recipient ?? envelopeAccount ?? credential.accountId;
  if (!account) reject(missing(record, 'recipientAccountId').replace(/^recipientAccountId is missing/, 'recipientAccountId is missing and userIdentity has no accountId'));
  if (!ACCOUNT.test(account)) reject(`recipientAccountId "${account.slice(0, 40)}" is not an account id`);

  const region = optionalString(record, 'awsRegion') ?? 'us-east-1';
  const userAgent = boundedText(record, 'userAgent', LIMITS.userAgent) ?? 'unknown';
  const actor: Actor = {
    sourceIp: boundedText(record, 'sourceIPAddress', LIMITS.sourceIp) ?? 'unknown',
    userAgent,
    userAgentFamily: userAgentFamily(userAgent),
  };

  const readOnlyRaw = own(record, 'readOnly');
  const eventType = optionalString(record, 'eventType') ?? 'AwsApiCall';
  const errorCode = optionalString(record, 'errorCode');
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
  const sharedEventId = optionalString(record, 'sharedEventID');
  const requestId = optionalString(record, 'requestID');
  if (sharedEventId) event.sharedEventId = sharedEventId;
  if (requestId) event.requestId = requestId;
  if (errorCode) event.action.errorCode = errorCode;
  if (errorMessage) event.action.errorMessage = errorMessage;
  if (requestParameters) event.requestParameters = requestParameters;
  if (responseElements) event.responseElements = responseElements;
  if (additionalEventData) event.additionalEventData = additionalEventData;
  return event;
}

/**
 * A stable id for a record without eventID: SHA-256 of the JSON of what identifies the call.
 * The JSON is written by {@link writeJson} (iterative), byte for byte what `JSON.stringify`
 * writes, so ids derived before this was iterative stay the same.
 */
function derivedEventId(record: JsonObject, eventSource: string, eventName: string, time: string): string {
  const requestId = own(record, 'requestID');
  const identity = own(record, 'userIdentity');
  const principal = isObject(identity) ? own(identity, 'arn') ?? own(identity, 'principalId') : undefined;
  const params = own(record, 'requestParameters');
  const hash = createHash('sha256');
  writeJson([eventSource, eventName, time, requestId ?? null, principal ?? null, own(record, 'sourceIPAddress') ?? null, params ?? null], (chunk) => hash.update(chunk));
  return `derived-${hash.digest('hex').slice(0, 32)}`;
}

/**
 * Writes a JSON value as `JSON.stringify` would (no indentation), in chunks, with an explicit
 * stack instead of recursion: any depth, no stack overflow. Like `JSON.stringify`: object
 * members whose value is undefined, a function or a symbol are left out, and such array
 * elements, NaN and ±Infinity are written as null; Number, String and Boolean objects are
 * written as their value. (No `toJSON`: records are parsed JSON, which has none.)
 */
export function writeJson(root: unknown, out: (chunk: string) => void): void {
  // Work items: a value to write, or a literal to emit (closing brackets, commas, keys).
  const stack: ({ v: unknown } | string)[] = [{ v: root }];
  while (stack.length) {
    const item = stack.pop()!;
    if (typeof item === 'string') {
      out(item);
      continue;
    }
    let v = item.v;
    if (v instanceof Number || v instanceof String || v instanceof Boolean) v = v.valueOf();
    if (v === null || v === undefined || typeof v === 'function' || typeof v === 'symbol') out('null');
    else if (typeof v === 'string') out(JSON.stringify(v));
    else if (typeof v === 'number') out(Number.isFinite(v) ? String(v) : 'null');
    else if (typeof v === 'boolean') out(v ? 'true' : 'false');
    else if (typeof v === 'bigint') out(String(v));
    else if (Array.isArray(v)) {
      out('[');
      stack.push(']');
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ v: v[i] });
        if (i > 0) stack.push(',');
      }
    } else {
      const obj = v as JsonObject;
      const keys = Object.keys(obj).filter((k) => {
        const x = obj[k];
        return x !== undefined && typeof x !== 'function' && typeof x !== 'symbol';
      });
      out('{');
      stack.push('}');
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push({ v: obj[keys[i]!] });
        stack.push(`${i > 0 ? ',' : ''}${JSON.stringify(keys[i])}:`);
      }
    }
  }
}

/** Older records lack `readOnly`: infer from the verb, as CloudTrail itself does. */
function inferReadOnly(eventName: string): boolean {
  return /^(Get|Describe|List|Head|Lookup|Search|Batch(Get|Describe)|Check|Validate|Preview|View|Select|Query|Scan)/.test(eventName);
}
