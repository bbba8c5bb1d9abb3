/**
 * The normalised audit event: one CloudTrail record, parsed once at the edge.
 * Everything downstream of intake speaks this type, never raw CloudTrail JSON.
 *
 * Pure domain module: no AWS SDK import, no I/O.
 */

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Rank for comparisons: info = 0 … critical = 4. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function maxSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) >= severityRank(b) ? a : b;
}

/**
 * What can be revoked, derived from `userIdentity`.
 * - `access-key`: long-term `AKIA…` key of an IAM user.
 * - `role-session`: `ASIA…` session of an assumed role (issuer = the role).
 * - `user-session`: `ASIA…` from `GetSessionToken` (issuer = the IAM user) or `GetFederationToken` (type FederatedUser).
 * - `federated`: web identity / SAML federation without an assumed role we can edit.
 * - `identity-center`: a session of an `AWSReservedSSO_*` role (IAM Identity Center); those roles cannot be edited.
 * - `root`: the account root user.
 * - `aws-service`: a call made by an AWS service itself.
 * - `console-session`: a console sign-in of an IAM user without an access key id.
 * - `anonymous` / `unknown`: nothing to revoke.
 */
export const CREDENTIAL_TYPES = [
  'access-key',
  'role-session',
  'user-session',
  'federated',
  'identity-center',
  'root',
  'aws-service',
  'console-session',
  'anonymous',
  'unknown',
] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

export interface Credential {
  type: CredentialType;
  /** `AKIA…` or `ASIA…`, when CloudTrail recorded one. */
  accessKeyId?: string;
  /** The principal's ARN as CloudTrail recorded it (user ARN, assumed-role session ARN, root ARN …). */
  arn?: string;
  /** The identity that issued a session: the role ARN for a role session, the user ARN for a session token. */
  issuerArn?: string;
  /** `Role`, `IAMUser`, `Root` … from `sessionContext.sessionIssuer.type`. */
  issuerType?: string;
  /** Account that owns the principal (may differ from the account that received the call). */
  accountId?: string;
  /** IAM user name for users, role name for role sessions. */
  principalName?: string;
  /** Role session name for role sessions. */
  sessionName?: string;
  /** `sessionContext.attributes.mfaAuthenticated`. */
  mfa?: boolean;
  /** `sessionContext.attributes.creationDate`: when the session was issued (ISO). */
  sessionIssuedAt?: string;
  /** `userIdentity.invokedBy`: set when an AWS service made the call on the principal's behalf. */
  invokedBy?: string;
  /** Environment that owns the principal (resolved from `accountId`). */
  homeEnvironment: string;
}

export interface Actor {
  /** `sourceIPAddress`: an IP, or a service host name such as `ec2.amazonaws.com`. */
  sourceIp: string;
  /** `userAgent`, truncated to a bounded length. */
  userAgent: string;
  /** A stable family of the user agent (`aws-cli`, `boto3`, `terraform`, `console` …) so a version bump is not a new actor. */
  userAgentFamily: string;
}

export interface AuditAction {
  /** `rds` for `rds.amazonaws.com`. */
  service: string;
  /** `rds.amazonaws.com`. */
  eventSource: string;
  /** `DeleteDBInstance`. */
  name: string;
  readOnly: boolean;
  /** `AwsApiCall`, `AwsConsoleSignIn`, `AwsServiceEvent` … */
  eventType: string;
  /** `AccessDenied`, `Client.UnauthorizedOperation` … absent on success. */
  errorCode?: string;
  errorMessage?: string;
}

export interface AuditResource {
  arn?: string;
  type?: string;
  accountId?: string;
}

/** A JSON object from the record, parsed with JSON.parse and never merged into another object. */
export type JsonObject = { readonly [key: string]: unknown };

export interface AuditEvent {
  /** CloudTrail `eventID`: the idempotency key. */
  id: string;
  /** Joins the two copies of a cross-account call. */
  sharedEventId?: string;
  requestId?: string;
  /** ISO 8601 `eventTime` as recorded. */
  time: string;
  /** `eventTime` in epoch milliseconds: order by this, never by arrival. */
  timeMs: number;
  /** `recipientAccountId` (falls back to the principal's account). */
  account: string;
  region: string;
  /** Environment of the account that received the call. */
  environment: string;
  actor: Actor;
  credential: Credential;
  action: AuditAction;
  resources: AuditResource[];
  requestParameters?: JsonObject;
  responseElements?: JsonObject;
  additionalEventData?: JsonObject;
}
