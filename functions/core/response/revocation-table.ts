/**
 * What Blastwall will and won't revoke, per credential kind: the table the planner
 * follows and docs/response.md shows (a test keeps the two identical).
 */
import type { CredentialType } from '../audit-event.ts';

export interface RevocationRule {
  credential: CredentialType;
  /** How the credential looks in CloudTrail. */
  looksLike: string;
  /** `yes`: an API call revokes it; `partly`: a call plus a human step; `no`: only a human can. */
  revocable: 'yes' | 'partly' | 'no';
  /** The exact IAM operations Blastwall calls (empty when it calls none). */
  operations: string[];
  /** What Blastwall does, in one sentence. */
  does: string;
  /** What a restore does. */
  restore: string;
}

export const REVOCATION_TABLE: readonly RevocationRule[] = [
  {
    credential: 'access-key',
    looksLike: '`AKIA…` key of an IAM user',
    revocable: 'yes',
    operations: ['iam:UpdateAccessKey'],
    does: '`UpdateAccessKey Status=Inactive` on exactly that key of that user; never another key, never a delete',
    restore: '`UpdateAccessKey Status=Active` (not if the key was already inactive before Blastwall acted)',
  },
  {
    credential: 'role-session',
    looksLike: '`ASIA…` session of an assumed role',
    revocable: 'yes',
    operations: ['iam:PutRolePolicy'],
    does: 'inline deny `BlastwallRevokeOlderSessions` on the issuing role: `Deny *` when `aws:TokenIssueTime` is before now, so every older session ends and new ones work',
    restore: '`DeleteRolePolicy BlastwallRevokeOlderSessions` (unless another unrestored finding still holds it)',
  },
  {
    credential: 'user-session',
    looksLike: '`ASIA…` from `GetSessionToken` / `GetFederationToken`',
    revocable: 'yes',
    operations: ['iam:PutUserPolicy', 'iam:UpdateAccessKey'],
    does: 'the same deny on the IAM user, plus `UpdateAccessKey Status=Inactive` on the key that minted the session when lineage knows it (otherwise a manual step names the command)',
    restore: '`DeleteUserPolicy BlastwallRevokeOlderSessions`, and re-enables the key',
  },
  {
    credential: 'console-session',
    looksLike: 'console sign-in of an IAM user',
    revocable: 'partly',
    operations: ['iam:PutUserPolicy'],
    does: 'the same deny on the IAM user ends the console session; disabling the password is a manual step (`aws iam delete-login-profile`), because Blastwall cannot restore a deleted password',
    restore: '`DeleteUserPolicy BlastwallRevokeOlderSessions`',
  },
  {
    credential: 'federated',
    looksLike: 'SAML / web-identity user',
    revocable: 'no',
    operations: [],
    does: 'nothing it can edit: pages at the top severity with the steps (disable the user at the identity provider, revoke the assumed role\'s sessions)',
    restore: '—',
  },
  {
    credential: 'identity-center',
    looksLike: 'session of an `AWSReservedSSO_*` role',
    revocable: 'no',
    operations: [],
    does: 'nothing: Identity Center roles cannot be edited; pages at the top severity with the console path (delete the user\'s sessions, disable the user, deny older sessions in the permission set)',
    restore: '—',
  },
  {
    credential: 'root',
    looksLike: 'the account root user',
    revocable: 'no',
    operations: [],
    does: 'nothing: no IAM policy restricts root; pages at the top severity with the steps (password, root access keys, MFA, SCP)',
    restore: '—',
  },
  {
    credential: 'aws-service',
    looksLike: 'AWS service principal or service-linked role session',
    revocable: 'no',
    operations: [],
    does: 'nothing: service-linked roles can only be changed by their service; pages at the top severity naming the service and what to disable',
    restore: '—',
  },
  {
    credential: 'anonymous',
    looksLike: 'unauthenticated call',
    revocable: 'no',
    operations: [],
    does: 'nothing to revoke: pages with the resource policy to close',
    restore: '—',
  },
  {
    credential: 'unknown',
    looksLike: 'anything CloudTrail did not identify',
    revocable: 'no',
    operations: [],
    does: 'nothing: pages at the top severity with the event to inspect',
    restore: '—',
  },
];

export function ruleFor(type: CredentialType): RevocationRule {
  const rule = REVOCATION_TABLE.find((r) => r.credential === type);
  if (!rule) throw new Error(`no revocation rule for credential type ${type}`);
  return rule;
}

/** The table as the Markdown docs/response.md embeds between its markers. */
export function revocationTableMarkdown(): string {
  const rows = REVOCATION_TABLE.map(
    (r) =>
      `| \`${r.credential}\` | ${r.looksLike} | ${r.revocable} | ${r.operations.length ? r.operations.map((o) => `\`${o}\``).join(', ') : '—'} | ${r.does} | ${r.restore} |`,
  );
  return [
    '| Credential | Looks like | Revocable | IAM calls | What Blastwall does | Restore |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
