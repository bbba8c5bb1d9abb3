/**
 * Self-protection: what an attacker does to Blastwall itself, as the `detector-tamper`
 * signal (critical). Three patterns the catalogue's name-prefix check cannot see:
 *
 * 1. **Squatting Blastwall's name space.** Creating or changing an IAM role or user whose
 *    name starts with the own-resource prefix, when it is not one of the exact names
 *    Blastwall's own deployment creates (functions/core/response/own-principals.ts: the
 *    four function roles, a forwarder per region, the responder; in the member topology
 *    its detect and heartbeat roles per region and the central config reader; Blastwall creates no
 *    users). Made through CloudFormation or not: a stack an attacker deploys is
 *    CloudFormation too, and Blastwall's deployment never creates any other name. One of
 *    the exact names created or changed by anyone but CloudFormation (e.g. the responder's
 *    name pre-created in an account the StackSet has not reached yet) is tamper too.
 * 2. **The StackSet's forwarders.** The member template rolled out by a StackSet lives in
 *    stacks named `StackSet-<prefix>-Member-…`, so its forwarding rule's name does not
 *    start with the prefix. Disabling, deleting, re-pointing or emptying that rule
 *    (`DisableRule`, `DeleteRule`, `RemoveTargets`, `PutRule`, `PutTargets`) blinds
 *    Blastwall in that account and region: critical (medium when CloudFormation does it,
 *    i.e. the StackSet itself).
 * 3. **Blastwall's own roles writing IAM.** IAM cannot narrow the responder's
 *    `PutRolePolicy` / `DeleteRolePolicy` to one policy name or content, so what it
 *    cannot express is watched here: any IAM write by a role inside Blastwall's name space
 *    (or a session named `blastwall-respond`) that is not exactly Blastwall's deny — the
 *    policy name `BlastwallRevokeOlderSessions` with the exact document shape — or its
 *    removal, or an access key's status, is critical. Its finding names Blastwall's own
 *    role, which Blastwall never revokes; the plan escalates it to a human instead, so it
 *    is paged, never hidden.
 *
 * Pure: `(event, history) → signal`. The signal reads only the event and
 * `history.settings.ownResourcePrefix`.
 */
import type { AuditEvent, Severity } from '../audit-event.ts';
import { ownNamesFromPrefix, ownStackRoleNamePattern } from '../response/own-principals.ts';
import { REVOKE_POLICY_NAME, cutoffOfDocument, revokeOlderSessionsDocument } from '../response/policy-document.ts';
import type { Signal } from './scoring.ts';
import type { History } from './signals.ts';

/** The session name respond uses when it assumes the responder role (responder-credentials.ts). */
export const RESPONDER_SESSION_NAME = 'blastwall-respond';

const STACKSET_RULE_CALLS = new Set(['DisableRule', 'DeleteRule', 'RemoveTargets', 'PutRule', 'PutTargets']);

function param(event: AuditEvent, key: string): string | undefined {
  const v = event.requestParameters?.[key];
  return typeof v === 'string' ? v : undefined;
}

function byCloudFormation(event: AuditEvent): boolean {
  return event.credential.invokedBy === 'cloudformation.amazonaws.com' || event.actor.userAgentFamily === 'cloudformation';
}

function startsWith(value: string, prefix: string): boolean {
  return value.toLowerCase().startsWith(prefix.toLowerCase());
}

/** The role a session belongs to (its name), for role sessions. */
function roleOf(event: AuditEvent): string | undefined {
  const c = event.credential;
  if (c.type !== 'role-session' && c.type !== 'aws-service') return undefined;
  return c.issuerArn?.match(/:role\/(?:.*\/)?([^/]+)$/)?.[1] ?? c.arn?.match(/:assumed-role\/([^/]+)\//)?.[1] ?? c.principalName;
}

/** True for exactly the deny Blastwall writes: `{Version, Statement:[{Sid, Effect:Deny, Action:[*], Resource:[*], Condition:{DateLessThan:{aws:TokenIssueTime}}}]}`. */
export function isBlastwallDeny(document: string | undefined): boolean {
  if (!document) return false;
  const cutoff = cutoffOfDocument(document);
  if (!cutoff || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(cutoff)) return false;
  let text = document.trim();
  if (/^%7B/i.test(text)) {
    try {
      text = decodeURIComponent(text);
    } catch {
      return false;
    }
  }
  try {
    return JSON.stringify(JSON.parse(text)) === revokeOlderSessionsDocument(cutoff);
  } catch {
    return false;
  }
}

/** An IAM write by one of Blastwall's own roles is exactly Blastwall's job: the deny, its removal, a key's status. */
function isBlastwallsJob(event: AuditEvent): boolean {
  const name = event.action.name;
  if (name === 'UpdateAccessKey') return true;
  const policy = param(event, 'policyName');
  if (name === 'DeleteRolePolicy' || name === 'DeleteUserPolicy') return policy === REVOKE_POLICY_NAME;
  if (name === 'PutRolePolicy' || name === 'PutUserPolicy') return policy === REVOKE_POLICY_NAME && isBlastwallDeny(param(event, 'policyDocument'));
  return false;
}

function signal(severity: Severity, text: string): Signal {
  return { id: 'detector-tamper', severity, text };
}

function attempt(event: AuditEvent): string {
  return event.action.errorCode ? `tried to call (AWS refused it: ${event.action.errorCode})` : 'called';
}

export function selfProtection(event: AuditEvent, history: History): Signal | undefined {
  const prefix = history.settings.ownResourcePrefix;
  const source = event.action.eventSource;
  const name = event.action.name;

  // 3. Blastwall's own roles doing anything in IAM beyond the deny.
  if (source === 'iam.amazonaws.com' && !event.action.readOnly) {
    const role = roleOf(event);
    const own = (role !== undefined && startsWith(role, prefix)) || event.credential.sessionName === RESPONDER_SESSION_NAME;
    if (own && !isBlastwallsJob(event)) {
      const target = param(event, 'roleName') ?? param(event, 'userName') ?? param(event, 'groupName') ?? 'an IAM principal';
      return signal(
        'critical',
        `Blastwall's own role ${role ?? event.credential.arn ?? ''} ${attempt(event)} iam:${name} on ${target}${param(event, 'policyName') ? ` (policy ${param(event, 'policyName')})` : ''}, which is not Blastwall's deny (${REVOKE_POLICY_NAME} with its exact document) or its removal: a compromised respond function, or someone using its role. Blastwall never revokes its own roles, so a human must.`,
      );
    }
  }

  // 1. A role or user inside Blastwall's name space that Blastwall's deployment never creates.
  if (source === 'iam.amazonaws.com' && !event.action.readOnly) {
    const roleName = param(event, 'roleName');
    const userName = param(event, 'userName');
    const own = ownNamesFromPrefix(prefix);
    const cfn = byCloudFormation(event);
    // CloudFormation naming a role of one of Blastwall's own stacks (CDK helper roles have generated names): its deployment.
    const isOwnName = (name: string) => own.exact.has(name.toLowerCase()) || own.forwarder.test(name) || own.memberFunction.test(name) || (cfn && ownStackRoleNamePattern(prefix).test(name));
    const squat =
      roleName && startsWith(roleName, prefix) && !isOwnName(roleName)
        ? `role ${roleName}, inside Blastwall's own name space (${prefix}…), which Blastwall's deployment never creates${cfn ? ' (through CloudFormation, as any stack could)' : ''}: a name chosen to pass for Blastwall`
        : roleName && isOwnName(roleName) && !cfn
          ? `Blastwall's own role ${roleName}, outside Blastwall's deployment (not through CloudFormation): only its stacks create or change it`
          : userName && startsWith(userName, prefix)
            ? `user ${userName}, inside Blastwall's own name space (${prefix}…), where Blastwall's deployment creates no user`
            : undefined;
    // The catalogue already calls it critical tamper (a change by name, not through CloudFormation): one reason is enough.
    const alreadyCritical = history.match?.category === 'detector-tamper' && history.match.severity === 'critical' && !cfn;
    if (squat && !alreadyCritical) {
      return signal(event.action.errorCode ? 'high' : 'critical', `${event.credential.arn ?? event.credential.principalName ?? 'A principal'} ${attempt(event)} iam:${name} on ${squat}.`);
    }
  }

  // 2. The forwarding rule of a StackSet-deployed member.
  if (source === 'events.amazonaws.com' && STACKSET_RULE_CALLS.has(name)) {
    const rule = param(event, 'name') ?? param(event, 'rule');
    if (rule && startsWith(rule, `StackSet-${prefix}-Member-`)) {
      const cfn = byCloudFormation(event);
      return signal(
        cfn ? 'medium' : event.action.errorCode ? 'high' : 'critical',
        `${event.credential.arn ?? event.credential.principalName ?? 'A principal'} ${attempt(event)} events:${name} on ${rule}, Blastwall's forwarding rule deployed by its StackSet: without it this account and region send Blastwall nothing.${
          cfn ? ' It was made through CloudFormation, which is how the StackSet updates its members, so it weighs less.' : ''
        }`,
      );
    }
  }
  return undefined;
}
