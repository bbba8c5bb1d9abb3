/**
 * Response planning: from a finding to the exact IAM calls (or the manual steps)
 * that revoke its credential and, where the table says so, its lineage.
 *
 * Pure: no AWS SDK, no I/O, no clock (the time comes in `ctx.now`).
 */
import { severityRank, type Credential, type CredentialType } from '../audit-event.ts';
import type { BlastwallConfig, ResponseMode } from '../config.ts';
import { createEnvironmentResolver, type EnvironmentResolver } from '../environment.ts';
import type { Finding, ResponseAction } from '../finding.ts';
import { ACTION_CODES } from './codes.ts';
import { REVOKE_POLICY_NAME, revocationCutoff, revokeOlderSessionsDocument } from './policy-document.ts';
import { protectedMatcher } from './protected.ts';

export interface PlanContext {
  config: BlastwallConfig;
  ownRoleArns?: string[];
  now: Date;
  /** The caller's resolver (with the accounts placed by organisational unit); else one from the config alone. */
  resolver?: EnvironmentResolver;
}

const ACCOUNT = /^\d{12}$/;
const IAM_NAME = /^[\w+=,.@-]{1,128}$/;
const LONG_TERM_KEY = /^AKIA[A-Z0-9]{12,124}$/;

const MODE_RANK: Record<ResponseMode, number> = { enforce: 0, 'dry-run': 1, 'page-only': 2 };

/** The stricter of two modes: `page-only` > `dry-run` > `enforce`. */
export function stricterMode(a: ResponseMode, b: ResponseMode): ResponseMode {
  return MODE_RANK[a] >= MODE_RANK[b] ? a : b;
}

export function accountOfArn(arn: string | undefined): string | undefined {
  const account = arn?.split(':')[4];
  return account && ACCOUNT.test(account) ? account : undefined;
}

export function partitionOfArn(arn: string | undefined): string {
  const partition = arn?.split(':')[1];
  return partition && /^aws(-[a-z]+)*$/.test(partition) ? partition : 'aws';
}

function lastPathPart(arn: string | undefined, kind: 'role' | 'user'): string | undefined {
  if (!arn) return undefined;
  const match = new RegExp(`:${kind}/(?:.*/)?([^/]+)$`).exec(arn);
  return match?.[1];
}

/**
 * The name to act on. The ARNs CloudTrail recorded are authoritative: when they name the
 * principal they must agree with each other (else undefined: never act on a guess) and win
 * over the bare name; without them, the bare name is used. IAM user and role names are
 * unique regardless of case, so a difference in case alone is agreement.
 */
function agreed(fromArns: (string | undefined)[], bare: string | undefined): string | undefined {
  const present = fromArns.filter((n): n is string => !!n);
  if (present.length === 0) return bare;
  return new Set(present.map((n) => n.toLowerCase())).size === 1 ? present[0] : undefined;
}

/** IAM user name of a user credential (access key, user session, console session). */
function userNameOf(c: Credential): string | undefined {
  if (c.type === 'user-session' && c.issuerArn) return agreed([lastPathPart(c.issuerArn, 'user')], c.principalName);
  return agreed([lastPathPart(c.arn, 'user')], c.principalName);
}

function roleNameOf(c: Credential): string | undefined {
  return agreed([lastPathPart(c.issuerArn, 'role'), c.arn?.match(/:assumed-role\/([^/]+)(?:\/|$)/)?.[1]], c.principalName);
}

function accountOf(c: Credential): string | undefined {
  const account = c.accountId ?? accountOfArn(c.issuerArn) ?? accountOfArn(c.arn);
  return account && ACCOUNT.test(account) ? account : undefined;
}

function userArn(c: Credential, account: string, name: string): string {
  if (c.type !== 'user-session' && c.arn?.includes(':user/') && lastPathPart(c.arn, 'user') === name && accountOfArn(c.arn) === account) return c.arn;
  if (c.issuerArn?.includes(':user/') && lastPathPart(c.issuerArn, 'user') === name && accountOfArn(c.issuerArn) === account) return c.issuerArn;
  return `arn:${partitionOfArn(c.arn ?? c.issuerArn)}:iam::${account}:user/${name}`;
}

function roleArn(c: Credential, account: string, name: string): string {
  if (c.issuerArn?.includes(':role/') && lastPathPart(c.issuerArn, 'role') === name && accountOfArn(c.issuerArn) === account) return c.issuerArn;
  return `arn:${partitionOfArn(c.arn)}:iam::${account}:role/${name}`;
}

/** Why / which step: a role or purpose sentence used in `detail`. */
type Purpose = 'credential' | 'minting-key' | 'lineage';

interface Draft {
  action: string;
  target: string;
  account: string;
  apiCall?: ResponseAction['apiCall'];
  detail: string;
  undo?: string;
  /** Manual step: a human must act. */
  manual?: boolean;
  /** ARNs checked against protected principals. */
  principalArns: string[];
}

function purposeText(purpose: Purpose, c: Credential): string {
  if (purpose === 'credential') return 'the credential in the finding';
  if (purpose === 'minting-key') return 'the long-term key that minted the session';
  return `a source in the session's lineage, which can mint it again; from environment ${c.homeEnvironment}`;
}

function manual(c: Credential, account: string, target: string, detail: string): Draft {
  return { action: 'manual', target, account, detail, manual: true, principalArns: [c.arn, c.issuerArn].filter((a): a is string => !!a) };
}

function incomplete(c: Credential, what: string): Draft {
  const account = accountOf(c) ?? 'unknown';
  const target = c.accessKeyId ?? c.arn ?? c.issuerArn ?? c.type;
  return {
    ...manual(c, account, target, `Blastwall cannot build the call: ${what}. Revoke by hand: ${HUMAN_FALLBACK[c.type] ?? 'inspect the event in CloudTrail'}`),
  };
}

const HUMAN_FALLBACK: Partial<Record<CredentialType, string>> = {
  'access-key': 'IAM console → Users → (user) → Security credentials → Access keys → Deactivate',
  'role-session': 'IAM console → Roles → (role) → Revoke active sessions',
  'user-session': 'IAM console → Users → (user) → Security credentials → deactivate the access keys',
  'console-session': 'IAM console → Users → (user) → Security credentials → Console sign-in → Disable',
};

function accessKeyDraft(c: Credential, purpose: Purpose): Draft {
  const account = accountOf(c);
  const user = userNameOf(c);
  const key = c.accessKeyId;
  if (!account) return incomplete(c, 'the key owner\'s account is unknown');
  if (!user || !IAM_NAME.test(user)) return incomplete(c, 'the IAM user name is unknown, malformed, or recorded inconsistently');
  if (!key || !LONG_TERM_KEY.test(key)) return incomplete(c, 'the access key id is unknown or not an AKIA key');
  return {
    action: 'iam:UpdateAccessKey',
    target: key,
    account,
    apiCall: { service: 'iam', operation: 'UpdateAccessKey', input: { UserName: user, AccessKeyId: key, Status: 'Inactive' } },
    detail: `Deactivate access key ${key} of IAM user ${user} in ${account} (${purposeText(purpose, c)}); the user's other keys are untouched`,
    undo: `aws iam update-access-key --user-name ${user} --access-key-id ${key} --status Active`,
    principalArns: [userArn(c, account, user), `arn:${partitionOfArn(c.arn)}:iam::${account}:user/${user}`, ...(c.arn ? [c.arn] : [])],
  };
}

function roleDenyDraft(c: Credential, purpose: Purpose, cutoff: string): Draft {
  const account = accountOf(c);
  const role = roleNameOf(c);
  if (!account) return incomplete(c, 'the role\'s account is unknown');
  if (!role || !IAM_NAME.test(role)) return incomplete(c, 'the role name is unknown, malformed, or recorded inconsistently');
  const arn = roleArn(c, account, role);
  return {
    action: 'iam:PutRolePolicy',
    target: arn,
    account,
    apiCall: {
      service: 'iam',
      operation: 'PutRolePolicy',
      input: { RoleName: role, PolicyName: REVOKE_POLICY_NAME, PolicyDocument: revokeOlderSessionsDocument(cutoff) },
    },
    detail: `End every session of role ${role} in ${account} issued before ${cutoff} (${purposeText(purpose, c)}); new sessions keep working`,
    undo: `aws iam delete-role-policy --role-name ${role} --policy-name ${REVOKE_POLICY_NAME}`,
    principalArns: [arn, `arn:${partitionOfArn(c.arn)}:iam::${account}:role/${role}`, ...(c.arn ? [c.arn] : [])],
  };
}

function userDenyDraft(c: Credential, purpose: Purpose, cutoff: string): Draft {
  const account = accountOf(c);
  const user = userNameOf(c);
  if (!account) return incomplete(c, 'the user\'s account is unknown');
  if (!user || !IAM_NAME.test(user)) return incomplete(c, 'the IAM user name is unknown, malformed, or recorded inconsistently');
  const arn = userArn(c, account, user);
  return {
    action: 'iam:PutUserPolicy',
    target: arn,
    account,
    apiCall: {
      service: 'iam',
      operation: 'PutUserPolicy',
      input: { UserName: user, PolicyName: REVOKE_POLICY_NAME, PolicyDocument: revokeOlderSessionsDocument(cutoff) },
    },
    detail: `End every temporary session of IAM user ${user} in ${account} issued before ${cutoff} (${purposeText(purpose, c)})`,
    undo: `aws iam delete-user-policy --user-name ${user} --policy-name ${REVOKE_POLICY_NAME}`,
    principalArns: [arn, `arn:${partitionOfArn(c.arn)}:iam::${account}:user/${user}`, ...(c.arn ? [c.arn] : [])],
  };
}

function permissionSetOf(role: string | undefined): string | undefined {
  return role?.match(/^AWSReservedSSO_(.+)_[0-9a-f]{8,}$/)?.[1] ?? role?.replace(/^AWSReservedSSO_/, '');
}

/** The human steps for credentials no API call can revoke. */
function manualDraft(c: Credential, cutoff: string, finding: Finding): Draft {
  const account = accountOf(c) ?? finding.account;
  const target = c.arn ?? c.issuerArn ?? c.accessKeyId ?? c.type;
  switch (c.type) {
    case 'root':
      return manual(
        c,
        account,
        target,
        `The root user of ${account} cannot be restricted by any IAM policy, so Blastwall cannot revoke it. Do now: ` +
          `(1) from the Organizations management account, IAM console → Root access management → ${account} → Take privileged action (or sign in as root) and reset the root password; ` +
          `(2) IAM console → Security credentials (as root) → Access keys: deactivate and delete every root access key${c.accessKeyId ? ` (this one is ${c.accessKeyId})` : ''}; ` +
          `(3) check the MFA devices; (4) attach an SCP denying actions by arn:aws:iam::*:root to the member account.`,
      );
    case 'identity-center': {
      const role = roleNameOf(c);
      const set = permissionSetOf(role);
      return manual(
        c,
        account,
        target,
        `${role ?? 'This'} is an IAM Identity Center role (AWSReservedSSO_*): Identity Center owns it and it cannot be edited, so Blastwall cannot attach a deny. Do now: ` +
          `(1) IAM Identity Center console → Users → ${c.sessionName ?? '(the user)'} → Active sessions → delete all, then Disable user access; ` +
          `(2) to end the AWS sessions already issued: IAM Identity Center console → Permission sets → ${set ?? '(the permission set)'} → Inline policy → add ` +
          `{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"${cutoff}"}}} → Save → AWS accounts → ${account} → Update (reprovision).`,
      );
    }
    case 'federated':
      return manual(
        c,
        account,
        target,
        `A federated identity (${c.arn ?? c.principalName ?? 'SAML/web identity'}) has no IAM principal Blastwall can edit. Do now: ` +
          `(1) disable the user at the identity provider; (2) IAM console → Roles → (the role it assumed) → Revoke active sessions; ` +
          `(3) review the role's trust policy for the provider.`,
      );
    case 'aws-service': {
      const slr = c.issuerArn?.includes(':role/aws-service-role/') ? roleNameOf(c) : undefined;
      const service = c.issuerArn?.match(/:role\/aws-service-role\/([^/]+)\//)?.[1] ?? c.invokedBy ?? c.principalName ?? c.arn ?? 'an AWS service';
      return manual(
        c,
        account,
        target,
        slr
          ? `${slr} is a service-linked role of ${service}: only the service can change it, so Blastwall cannot attach a deny. Do now: ` +
              `(1) IAM console → Roles → ${slr} → "Used by" names the feature; disable that feature of ${service}, or find who configured it (CloudTrail: the calls that created or changed the resource); ` +
              `(2) revoke that principal; once the service's resources are gone: aws iam delete-service-linked-role --role-name ${slr}.`
          : `The call was made by ${service} itself: there is no credential to revoke. Do now: find what made the service act (CloudTrail: the calls that created or changed the resource ${finding.eventSource}) and revoke that principal.`,
      );
    }
    case 'anonymous':
      return manual(
        c,
        account,
        target,
        `The call was unauthenticated: there is no credential to revoke. Do now: remove the public or anonymous grant from the resource policy that allowed ${finding.eventSource} ${finding.eventName} in ${account}.`,
      );
    default:
      return manual(
        c,
        account,
        target,
        `Blastwall could not identify the credential (type ${c.type}). Do now: open CloudTrail → Event history → event ${finding.eventId} in ${finding.account}, identify the principal and revoke it by hand.`,
      );
  }
}

function consoleFollowUp(c: Credential): Draft {
  const account = accountOf(c) ?? 'unknown';
  const user = userNameOf(c) ?? '(user)';
  return manual(
    c,
    account,
    c.arn ?? `user/${user}`,
    `The deny ends the current console session, but the password still signs in. Do now: aws iam delete-login-profile --user-name ${user} ` +
      `(IAM console → Users → ${user} → Security credentials → Console sign-in → Disable), then reset MFA.`,
  );
}

function unknownMintingKey(c: Credential): Draft {
  const account = accountOf(c) ?? 'unknown';
  const user = userNameOf(c) ?? '(user)';
  return manual(
    c,
    account,
    c.issuerArn ?? c.arn ?? `user/${user}`,
    `The long-term key that minted this session is not known, and it can mint new sessions. Do now: aws iam list-access-keys --user-name ${user}, ` +
      `then aws iam update-access-key --user-name ${user} --access-key-id <the key> --status Inactive for the key used from the finding's source.`,
  );
}

/** Drafts for one credential, without its lineage. */
function draftsFor(c: Credential, purpose: Purpose, cutoff: string, finding: Finding): Draft[] {
  switch (c.type) {
    case 'access-key':
      return [accessKeyDraft(c, purpose)];
    case 'role-session':
      return [roleDenyDraft(c, purpose, cutoff)];
    case 'user-session':
      return [userDenyDraft(c, purpose, cutoff)];
    case 'console-session':
      return [userDenyDraft(c, purpose, cutoff), consoleFollowUp(c)];
    default:
      return [manualDraft(c, cutoff, finding)];
  }
}

function sameUser(a: Credential, b: Credential): boolean {
  return accountOf(a) === accountOf(b) && userNameOf(a) !== undefined && userNameOf(a) === userNameOf(b);
}

/** A user session whose minting key is not in the lineage: a manual step (the key can mint again). */
function mintingKeyOf(c: Credential, lineage: readonly Credential[], cutoff: string, finding: Finding): Draft[] {
  const key = lineage.find((l) => l.type === 'access-key' && sameUser(l, c));
  return key ? draftsFor(key, 'minting-key', cutoff, finding) : [unknownMintingKey(c)];
}

/**
 * Every draft for the finding: its credential, then its sources. Revoking a session alone
 * leaves whatever minted it able to mint another one seconds later (a production key that
 * assumed a production admin role simply assumes it again), so every credential in the
 * lineage — nearest first, in any environment — is revoked as well: a key is deactivated,
 * each role of a role chain gets the deny on its older sessions, a user session's user and
 * minting key are revoked; a source no API can revoke (root, Identity Center, federated …)
 * becomes a manual step that escalates the page.
 */
function drafts(finding: Finding, cutoff: string): Draft[] {
  const c = finding.credential;
  const out = draftsFor(c, 'credential', cutoff, finding);
  const lineage = finding.lineage ?? [];
  if (c.type === 'user-session') out.push(...mintingKeyOf(c, lineage, cutoff, finding));
  for (const source of lineage) {
    out.push(...draftsFor(source, 'lineage', cutoff, finding));
    if (source.type === 'user-session') out.push(...mintingKeyOf(source, lineage, cutoff, finding));
  }
  const seen = new Set<string>();
  return out.filter((d) => {
    const key = `${d.action}|${d.account}|${d.target}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Pure. The actions that fit the finding's credential (and lineage), each with the exact
 * API call, mode and status 'planned'; protected principals, page-only, below-threshold
 * severity → status 'skipped' with a `detail` saying why; credential kinds that can't be
 * revoked → action 'manual' with the exact console path/command in `detail`.
 */
export function planResponse(finding: Finding, ctx: PlanContext): ResponseAction[] {
  const cutoff = revocationCutoff(ctx.now);
  const resolver = ctx.resolver ?? createEnvironmentResolver(ctx.config);
  const isProtected = protectedMatcher(ctx.config, ctx.ownRoleArns ?? []);
  const threshold = ctx.config.response.revokeAtSeverity;
  const belowThreshold = severityRank(finding.severity) < severityRank(threshold);
  const at = ctx.now.toISOString();
  const ownRoleTampering = finding.reasons.some((r) => r.signal === 'detector-tamper' && !r.mitigating);

  return drafts(finding, cutoff).map((d): ResponseAction => {
    const targetEnvironment = resolver.forAccount(d.account);
    const mode = stricterMode(finding.mode, resolver.mode(targetEnvironment));
    const action: ResponseAction = { action: d.action, target: d.target, account: d.account, mode, status: 'planned', detail: d.detail, at };
    if (d.apiCall) action.apiCall = d.apiCall;
    if (d.undo) action.undo = d.undo;
    const protectedBy = d.principalArns.map((arn) => isProtected(arn)).find((m) => m !== undefined);
    if (d.manual) {
      action.status = 'skipped';
      action.code = ACTION_CODES.notRevocable;
      if (protectedBy) action.detail = `${d.detail} (note: ${protectedBy})`;
      if (!belowThreshold) action.escalate = true;
      return action;
    }
    if (protectedBy) {
      const skipped: ResponseAction = { ...action, status: 'skipped', code: ACTION_CODES.protected, detail: `not revoked: ${protectedBy}. Would have: ${d.detail}` };
      if (ownRoleTampering && protectedBy.includes("is Blastwall's own")) {
        // Never hidden by Blastwall's own protection: a human revokes it.
        skipped.escalate = true;
        skipped.detail =
          `not revoked by Blastwall: ${protectedBy}, and Blastwall never revokes itself — but this role is acting outside its job (detector tamper). ` +
          `Do now: IAM console → Roles → the role in ${d.account} → Revoke active sessions; check the respond function's code, its recent deployments and who can change them. Would have: ${d.detail}`;
      }
      return skipped;
    }
    if (mode === 'page-only') {
      return {
        ...action,
        status: 'skipped',
        code: ACTION_CODES.pageOnly,
        detail: `not revoked: environment ${targetEnvironment === finding.environment ? finding.environment : `${finding.environment} or ${targetEnvironment}`} is page-only. Would have: ${d.detail}`,
      };
    }
    if (belowThreshold) {
      return {
        ...action,
        status: 'skipped',
        code: ACTION_CODES.belowThreshold,
        detail: `not revoked: severity ${finding.severity} is below response.revokeAtSeverity (${threshold}). Would have: ${d.detail}`,
      };
    }
    return action;
  });
}

function renderInput(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...input };
  if (typeof out.PolicyDocument === 'string') {
    try {
      out.PolicyDocument = JSON.parse(out.PolicyDocument);
    } catch {
      // leave it as the string it is
    }
  }
  return out;
}

/** One line for the CLI and pages: `iam:UpdateAccessKey {"UserName":…,"Status":"Inactive"} in account 333333333333`. */
export function describeApiCall(action: ResponseAction): string {
  if (!action.apiCall) return `manual in account ${action.account}: ${action.detail ?? 'a human must act'}`;
  return `iam:${action.apiCall.operation} ${JSON.stringify(renderInput(action.apiCall.input))} in account ${action.account}`;
}

/** True for an action that changes IAM when executed (counts against the breaker). */
export function isRevocation(action: ResponseAction): boolean {
  return action.action !== 'manual' && action.apiCall !== undefined;
}

/** A revocation `respond` will execute: planned, in an `enforce` environment (dry-run and page-only only record it). */
export function isEnforcedRevocation(action: ResponseAction): boolean {
  return isRevocation(action) && action.status === 'planned' && action.mode === 'enforce';
}
