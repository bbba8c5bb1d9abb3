/**
 * Catalogue: identity-change. Data, one entry per call family, each with its sources.
 * Test cases stand beside it in `identity-change.cases.ts`.
 */
import type { CatalogueEntry } from './types.ts';
import { docs, panther, rp } from './types.ts';

export const IDENTITY_CHANGE: readonly CatalogueEntry[] = [
  // ── RDS ───────────────────────────────────────────────────────────────────
  {
    id: 'rds.remove-role',
    eventSource: 'rds.amazonaws.com',
    eventNames: ['RemoveRoleFromDBInstance', 'RemoveRoleFromDBCluster'],
    category: 'identity-change',
    severity: 'low',
    what: 'removes an IAM role from an RDS database (features that use it, such as exports, stop)',
    sources: [docs('RDS API Reference: RemoveRoleFromDBInstance')],
  },
  // ── Lambda ────────────────────────────────────────────────────────────────
  {
    id: 'lambda.remove-permission',
    eventSource: 'lambda.amazonaws.com',
    eventNames: ['RemovePermission'],
    category: 'identity-change',
    severity: 'low',
    what: "removes a statement from a Lambda function's resource policy",
    sources: [docs('Lambda API Reference: RemovePermission'), panther('AWS.LAMBDA.CRUD')],
    ownResourcePaths: [rp('functionName')],
  },
  // ── IAM: identity changes (and any change to Blastwall's roles) ───────────
  {
    id: 'iam.admin-policy',
    eventSource: 'iam.amazonaws.com',
    eventNames: ['AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy', 'PutUserPolicy', 'PutRolePolicy', 'PutGroupPolicy'],
    category: 'identity-change',
    severity: 'low',
    what: 'grants permissions to an IAM identity',
    modifiers: [
      { when: { param: rp('policyArn'), matches: 'AdministratorAccess$|IAMFullAccess$' }, severity: 'high', text: '(administrator access)' },
      { when: { param: rp('policyDocument'), matches: '"Action"\\s*:\\s*"\\*"|"Action"\\s*:\\s*\\[\\s*"\\*"' }, severity: 'high', text: '(every action)' },
    ],
    sources: [docs('IAM API Reference: AttachUserPolicy'), panther('AWS.IAM.AttachAdminUserPolicy'), panther('AWS.IAM.AttachAdminRolePolicy')],
    ownResourcePaths: [rp('roleName')],
  },
  {
    id: 'iam.backdoor-trust',
    eventSource: 'iam.amazonaws.com',
    eventNames: ['UpdateAssumeRolePolicy'],
    category: 'identity-change',
    severity: 'medium',
    what: 'changes who may assume an IAM role',
    modifiers: [
      { when: { param: rp('policyDocument'), foreignAccount: true }, severity: 'high', text: 'to an account outside the configuration' },
      { when: { param: rp('policyDocument'), matches: '"AWS"\\s*:\\s*"\\*"|"Principal"\\s*:\\s*"\\*"' }, severity: 'high', text: 'to anyone' },
    ],
    sources: [docs('IAM API Reference: UpdateAssumeRolePolicy'), panther('AWS.IAM.BackdoorRole')],
    ownResourcePaths: [rp('roleName')],
  },
  {
    id: 'iam.credentials',
    eventSource: 'iam.amazonaws.com',
    eventNames: ['CreateAccessKey', 'UpdateLoginProfile'],
    category: 'identity-change',
    severity: 'low',
    what: 'creates or changes credentials of an IAM user (its own)',
    sources: [docs('IAM API Reference: CreateAccessKey'), panther('AWS.IAM.Backdoor.User.Keys'), panther('AWS.CloudTrail.LoginProfileCreatedOrModified')],
  },
  {
    id: 'iam.identity-deletion',
    eventSource: 'iam.amazonaws.com',
    eventNames: [
      'DeleteUser',
      'DeleteRole',
      'DeleteGroup',
      'DeleteLoginProfile',
      'DeleteAccessKey',
      'DeleteUserPolicy',
      'DeleteGroupPolicy',
      'DeletePolicy',
      'DeletePolicyVersion',
      'DetachUserPolicy',
      'DetachGroupPolicy',
      'RemoveUserFromGroup',
      'DeleteServiceLinkedRole',
      'DeleteInstanceProfile',
      'DeleteSSHPublicKey',
    ],
    category: 'identity-change',
    severity: 'low',
    what: 'deletes or detaches an IAM identity, credential or policy',
    sources: [docs('IAM API Reference: DeleteUser / DeleteGroupPolicy / DeleteLoginProfile'), panther('AWS.CloudTrail.IAMAnythingChanged')],
    target: { type: 'iam:role', paths: [rp('roleName')] },
  },
  {
    id: 'iam.saml-provider',
    eventSource: 'iam.amazonaws.com',
    eventNames: ['DeleteSAMLProvider', 'UpdateSAMLProvider', 'CreateSAMLProvider', 'DeleteOpenIDConnectProvider'],
    category: 'identity-change',
    severity: 'medium',
    what: 'changes how federated users sign in (SAML/OIDC provider)',
    sources: [docs('IAM API Reference: UpdateSAMLProvider'), panther('AWS.Suspicious.SAML.Activity')],
  },
];
