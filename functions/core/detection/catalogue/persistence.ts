/**
 * Catalogue: persistence — a way back in that outlives the session: keys and
 * passwords for other users, backdoored functions, trust anchors, federation
 * tokens. Test cases stand beside it in `persistence.cases.ts`.
 */
import type { CatalogueEntry } from './types.ts';
import { blastwall, docs, elastic, panther, rp, sigma, stratus } from './types.ts';

export const PERSISTENCE: readonly CatalogueEntry[] = [
  // ── IAM ───────────────────────────────────────────────────────────────────
  {
    id: 'iam.access-key-for-another-user',
    eventSource: 'iam.amazonaws.com',
    eventNames: ['CreateAccessKey'],
    category: 'persistence',
    severity: 'medium',
    what: 'creates an access key for another IAM user',
    when: { param: rp('userName'), notCaller: true },
    sources: [
      docs('IAM API Reference: CreateAccessKey'),
      panther('AWS.IAM.Backdoor.User.Keys'),
      sigma('aws_iam_backdoor_users_keys.yml (AWS IAM Backdoor Users Keys)'),
      elastic('AWS IAM User Created Access Keys For Another User'),
      stratus('aws.persistence.iam-backdoor-user'),
    ],
    ownResourcePaths: [rp('userName')],
  },
  {
    id: 'iam.create-login-profile',
    eventSource: 'iam.amazonaws.com',
    eventNames: ['CreateLoginProfile'],
    category: 'persistence',
    severity: 'medium',
    what: 'gives an IAM user a console password',
    sources: [docs('IAM API Reference: CreateLoginProfile'), panther('AWS.CloudTrail.LoginProfileCreatedOrModified'), elastic('AWS IAM Login Profile Added to User'), stratus('aws.persistence.iam-create-user-login-profile')],
    ownResourcePaths: [rp('userName')],
  },
  // ── Lambda ────────────────────────────────────────────────────────────────
  {
    id: 'lambda.code-updated-by-human',
    eventSource: 'lambda.amazonaws.com',
    eventNames: ['UpdateFunctionCode'],
    category: 'persistence',
    severity: 'medium',
    what: "replaces a Lambda function's code by hand (not through a deployment)",
    humanOnly: true,
    sources: [docs('Lambda API Reference: UpdateFunctionCode'), panther('AWS.Lambda.UpdateFunctionCode'), stratus('aws.persistence.lambda-overwrite-code')],
  },
  {
    id: 'lambda.layer-added-by-human',
    eventSource: 'lambda.amazonaws.com',
    eventNames: ['UpdateFunctionConfiguration'],
    category: 'persistence',
    severity: 'medium',
    what: 'adds layers (code that runs inside the function) to a Lambda function by hand',
    when: { not: { param: rp('layers'), empty: true } },
    humanOnly: true,
    sources: [
      docs('Lambda API Reference: UpdateFunctionConfiguration (Layers)'),
      panther('AWS.Lambda.UpdateFunctionConfiguration'),
      sigma('aws_new_lambda_layer_attached.yml (AWS New Lambda Layer Attached)'),
      stratus('aws.persistence.lambda-layer-extension'),
    ],
  },
  // ── IAM Roles Anywhere, STS ───────────────────────────────────────────────
  {
    id: 'rolesanywhere.trust-anchor',
    eventSource: 'rolesanywhere.amazonaws.com',
    eventNames: ['CreateTrustAnchor', 'UpdateTrustAnchor'],
    category: 'persistence',
    severity: 'medium',
    what: 'trusts a certificate authority to hand out IAM role sessions (IAM Roles Anywhere)',
    sources: [docs('IAM Roles Anywhere API Reference: CreateTrustAnchor'), elastic('AWS IAM Roles Anywhere Trust Anchor Created with External CA'), stratus('aws.persistence.rolesanywhere-create-trust-anchor')],
  },
  {
    id: 'rolesanywhere.profile',
    eventSource: 'rolesanywhere.amazonaws.com',
    eventNames: ['CreateProfile', 'UpdateProfile'],
    category: 'persistence',
    severity: 'medium',
    what: 'creates an IAM Roles Anywhere profile (which roles a certificate may assume)',
    sources: [docs('IAM Roles Anywhere API Reference: CreateProfile'), elastic('AWS IAM Roles Anywhere Profile Creation'), stratus('aws.persistence.rolesanywhere-create-trust-anchor')],
  },
  {
    id: 'sts.federation-token',
    eventSource: 'sts.amazonaws.com',
    eventNames: ['GetFederationToken'],
    category: 'persistence',
    severity: 'medium',
    what: 'mints a federation token (a session that survives deleting the key that made it, for up to 36 hours)',
    humanOnly: true,
    sources: [docs('STS API Reference: GetFederationToken'), blastwall('sessions that outlive their key: revoke the user as well as the key'), stratus('aws.persistence.sts-federation-token')],
  },
];
