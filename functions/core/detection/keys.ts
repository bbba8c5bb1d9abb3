/**
 * Identity keys used by detection state. Pure functions of the audit event.
 *
 * - principal key: what history is kept for — the identity, not one of its
 *   credentials. An IAM user's access keys, the session tokens they mint and its
 *   console session are one principal (`user:arn…`); a role's sessions are one
 *   principal (`role:arn…`); root is its account. A key whose record names no
 *   user ARN (hand-edited exports) is its own principal (`key:AKIA…`).
 * - credential key: what can be revoked (the access key id when there is one).
 * - actor key: one machine — source IP + user-agent family. AWS services acting on
 *   someone's behalf are not actors.
 */
import type { AuditEvent, Credential } from '../audit-event.ts';

export function principalKey(credential: Credential): string {
  switch (credential.type) {
    case 'access-key':
      return credential.arn?.includes(':user/') ? `user:${credential.arn}` : `key:${credential.accessKeyId ?? credential.arn ?? 'unknown'}`;
    case 'role-session':
    case 'identity-center':
    case 'aws-service':
      return `role:${credential.issuerArn ?? credential.arn ?? 'unknown'}`;
    case 'user-session':
    case 'console-session':
      return `user:${credential.issuerArn ?? credential.arn ?? 'unknown'}`;
    case 'root':
      return `root:${credential.accountId ?? credential.arn ?? 'unknown'}`;
    default:
      return `principal:${credential.arn ?? credential.principalName ?? credential.accessKeyId ?? credential.type}`;
  }
}

export function credentialKey(credential: Credential): string {
  return credential.accessKeyId ?? principalKey(credential);
}

/** True when the call was made by an AWS service (on someone's behalf or for itself), not by a machine we can correlate. */
export function isServiceCall(event: AuditEvent): boolean {
  const ip = event.actor.sourceIp;
  if (event.credential.type === 'aws-service' || event.credential.invokedBy !== undefined || ip === 'AWS Internal' || ip === 'unknown') return true;
  // Both patterns end in "m" or "M": an address (the usual case) ends in a digit or a hex letter, and needs no regex.
  const last = ip.charCodeAt(ip.length - 1);
  if (last !== 0x6d && last !== 0x4d) return false;
  return /\.amazonaws\.com$/i.test(ip) || /^[a-z][a-z0-9.-]*\.amazonaws\.com$/i.test(ip);
}

export function actorKey(event: AuditEvent): string | undefined {
  if (isServiceCall(event)) return undefined;
  return `${event.actor.sourceIp}|${event.actor.userAgentFamily}`;
}

/** The network a source IP belongs to: /24 for IPv4, /64 for IPv6, the host name otherwise. */
export function networkOf(ip: string): string {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (ip.includes(':')) {
    const groups = ip.split(':').slice(0, 4);
    return `${groups.join(':')}::/64`;
  }
  return ip.toLowerCase();
}

/** How a credential reads in a sentence. */
export function describeCredential(credential: Credential): string {
  const id = credential.accessKeyId ? ` ${credential.accessKeyId}` : '';
  const env = credential.homeEnvironment && credential.homeEnvironment !== 'unknown' ? `${credential.homeEnvironment} ` : '';
  const name = credential.principalName ?? credential.arn ?? 'unknown';
  switch (credential.type) {
    case 'access-key':
      return `the ${env}access key${id} of IAM user ${name}`;
    case 'role-session':
      return `a ${env}session${id} of role ${name}`;
    case 'user-session':
      return `a ${env}session token${id} of IAM user ${name}`;
    case 'console-session':
      return `the ${env}console session of IAM user ${name}`;
    case 'identity-center':
      return `an Identity Center session${id} (${credential.sessionName ?? name}) in role ${name}`;
    case 'root':
      return `the root user of account ${credential.accountId ?? 'unknown'}`;
    case 'federated':
      return `a federated identity (${name})`;
    case 'aws-service':
      return `the AWS service ${credential.invokedBy ?? name}`;
    default:
      return `an ${credential.type} identity (${name})`;
  }
}
