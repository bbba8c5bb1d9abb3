/**
 * What each Blastwall function and the member responder role can and cannot do — the
 * table docs/deploy.md embeds ("What each role can do"), every row proven by the IAM
 * policy evaluator against the policies the CDK stacks synthesise
 * (test/iam/power.test.ts). A row is a request; its result is what IAM answers.
 */
export const CENTRAL = '999999999999';
export const MEMBER = '333333333333';
export const ORG = 'o-exampleorg1';
export const OTHER_ORG = 'o-otherorg000';

export type Who = 'detect' | 'respond' | 'page' | 'undo' | 'responder';
export type Result = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface PowerRow {
  who: Who;
  action: string;
  /** Resource ARN (placeholders: TABLE, BUS, SLACK_SECRET, PAGERDUTY_SECRET). */
  resource: string;
  context?: Record<string, string | string[]>;
  result: Result;
  /** What the row shows, in plain words (the table's last column). */
  means: string;
}

const role = (name: string, account = MEMBER) => `arn:aws:iam::${account}:role/${name}`;
const user = (name: string) => `arn:aws:iam::${MEMBER}:user/${name}`;
const ev = (detailType: string) => ({ 'events:source': ['blastwall'], 'events:detail-type': [detailType] });
const keys = (...k: string[]) => ({ 'dynamodb:LeadingKeys': k });

export const POWER_TABLE: PowerRow[] = [
  // ── responder (BlastwallResponder, every member account) ──
  { who: 'responder', action: 'iam:UpdateAccessKey', resource: user('ci-deployer'), result: 'Allowed', means: 'deactivates (and restores) any untagged user\'s access key in its account' },
  { who: 'responder', action: 'iam:PutRolePolicy', resource: role('ProdDeploy'), result: 'Allowed', means: 'writes an inline policy on any untagged role of its account — IAM cannot limit it to the Blastwall deny, so the detector watches every such write' },
  { who: 'responder', action: 'iam:DeleteRolePolicy', resource: role('TeamRole'), result: 'Allowed', means: 'could delete another team\'s inline guard-rail deny on an untagged role — watched: critical detector tamper unless it is BlastwallRevokeOlderSessions' },
  { who: 'responder', action: 'iam:PutUserPolicy', resource: user('ci-deployer'), result: 'Allowed', means: 'writes an inline policy on any untagged user — watched the same way' },
  { who: 'responder', action: 'iam:PutRolePolicy', resource: role('Blastwall-anything'), result: 'Allowed', means: 'a role merely named like Blastwall is not protected (no immunity by name)' },
  { who: 'responder', action: 'iam:PutRolePolicy', resource: role('TeamRole'), context: { 'aws:ResourceTag/BlastwallProtected': 'true' }, result: 'ExplicitlyDenied', means: 'never touches a principal tagged BlastwallProtected=true' },
  { who: 'responder', action: 'iam:UpdateAccessKey', resource: user('break-glass'), context: { 'aws:ResourceTag/BlastwallProtected': 'true' }, result: 'ExplicitlyDenied', means: 'nor a tagged user\'s keys' },
  { who: 'responder', action: 'iam:DeleteRolePolicy', resource: role('BlastwallResponder'), result: 'ExplicitlyDenied', means: 'never touches itself' },
  { who: 'responder', action: 'iam:PutRolePolicy', resource: role('Blastwall-forwarder-us-east-1'), result: 'ExplicitlyDenied', means: 'nor the forwarder roles of its account' },
  { who: 'responder', action: 'iam:PutRolePolicy', resource: role('Blastwall-respond-function', CENTRAL), result: 'ExplicitlyDenied', means: 'nor the central function roles (its own deny lists them; another account is out of its reach anyway)' },
  { who: 'responder', action: 'iam:AttachRolePolicy', resource: role('ProdDeploy'), result: 'ImplicitlyDenied', means: 'cannot attach managed policies (no AdministratorAccess grant)' },
  { who: 'responder', action: 'iam:UpdateAssumeRolePolicy', resource: role('ProdDeploy'), result: 'ImplicitlyDenied', means: 'cannot change who may assume a role' },
  { who: 'responder', action: 'iam:PassRole', resource: role('ProdDeploy'), result: 'ImplicitlyDenied', means: 'cannot pass a role to a service' },
  { who: 'responder', action: 'iam:CreateAccessKey', resource: user('ci-deployer'), result: 'ImplicitlyDenied', means: 'cannot create credentials' },
  { who: 'responder', action: 'iam:CreateRole', resource: role('Blastwall-x'), result: 'ImplicitlyDenied', means: 'cannot create roles or users' },
  { who: 'responder', action: 'sts:AssumeRole', resource: role('ProdDeploy'), result: 'ImplicitlyDenied', means: 'cannot assume any role' },
  { who: 'responder', action: 's3:DeleteBucket', resource: 'arn:aws:s3:::prod-data', result: 'ImplicitlyDenied', means: 'has no power outside IAM' },
  // ── respond (central) ──
  { who: 'respond', action: 'sts:AssumeRole', resource: role('BlastwallResponder'), context: { 'aws:ResourceOrgID': ORG }, result: 'Allowed', means: 'assumes the responder role of a member account in the organisation' },
  { who: 'respond', action: 'sts:AssumeRole', resource: role('BlastwallResponder'), context: { 'aws:ResourceOrgID': OTHER_ORG }, result: 'ImplicitlyDenied', means: 'not outside the organisation' },
  { who: 'respond', action: 'sts:AssumeRole', resource: role('ProdDeploy'), context: { 'aws:ResourceOrgID': ORG }, result: 'ImplicitlyDenied', means: 'and no other role' },
  { who: 'respond', action: 'events:PutEvents', resource: 'BUS', context: ev('Blastwall Response'), result: 'Allowed', means: 'publishes Blastwall Response' },
  { who: 'respond', action: 'events:PutEvents', resource: 'BUS', context: ev('Blastwall Finding'), result: 'ImplicitlyDenied', means: 'cannot forge a finding' },
  { who: 'respond', action: 'dynamodb:UpdateItem', resource: 'TABLE', context: keys('FINDING#f-1'), result: 'Allowed', means: 'its ledger items (FINDING#, BREAKER#)' },
  { who: 'respond', action: 'dynamodb:PutItem', resource: 'TABLE', context: keys('PAGE#f-1'), result: 'ImplicitlyDenied', means: 'not the page ledger' },
  { who: 'respond', action: 'secretsmanager:GetSecretValue', resource: 'SLACK_SECRET', result: 'ImplicitlyDenied', means: 'cannot read the Slack token' },
  { who: 'respond', action: 'iam:PutRolePolicy', resource: role('ProdDeploy', CENTRAL), result: 'ImplicitlyDenied', means: 'has no IAM power of its own' },
  // ── detect (central) ──
  { who: 'detect', action: 'dynamodb:PutItem', resource: 'TABLE', context: keys('CRED#AKIAEXAMPLE'), result: 'Allowed', means: 'its state items (CRED#, ACTOR#, SESSION#, RES#, EVT#)' },
  { who: 'detect', action: 'dynamodb:GetItem', resource: 'TABLE', context: keys('FINDING#f-1'), result: 'ImplicitlyDenied', means: 'not the response ledger' },
  { who: 'detect', action: 'events:PutEvents', resource: 'BUS', context: ev('Blastwall Finding'), result: 'Allowed', means: 'publishes Blastwall Finding' },
  { who: 'detect', action: 'events:PutEvents', resource: 'BUS', context: ev('Blastwall Restore Requested'), result: 'ImplicitlyDenied', means: 'cannot request a restore' },
  { who: 'detect', action: 'sts:AssumeRole', resource: role('BlastwallResponder'), context: { 'aws:ResourceOrgID': ORG }, result: 'ImplicitlyDenied', means: 'cannot revoke anything' },
  // ── page (central) ──
  { who: 'page', action: 'secretsmanager:GetSecretValue', resource: 'SLACK_SECRET', result: 'Allowed', means: 'reads the Slack and PagerDuty secrets' },
  { who: 'page', action: 'events:PutEvents', resource: 'BUS', context: ev('Blastwall Restore Requested'), result: 'ImplicitlyDenied', means: 'publishes nothing' },
  { who: 'page', action: 'sts:AssumeRole', resource: role('BlastwallResponder'), context: { 'aws:ResourceOrgID': ORG }, result: 'ImplicitlyDenied', means: 'cannot revoke or restore' },
  // ── undo (central, public Function URL) ──
  { who: 'undo', action: 'events:PutEvents', resource: 'BUS', context: ev('Blastwall Restore Requested'), result: 'Allowed', means: 'publishes Blastwall Restore Requested (respond checks the approver again)' },
  { who: 'undo', action: 'events:PutEvents', resource: 'BUS', context: ev('Blastwall Response'), result: 'ImplicitlyDenied', means: 'cannot fake a response' },
  { who: 'undo', action: 'dynamodb:PutItem', resource: 'TABLE', context: keys('PAGE#REQ#abc'), result: 'Allowed', means: 'its page and request-mark items (PAGE#)' },
  { who: 'undo', action: 'dynamodb:UpdateItem', resource: 'TABLE', context: keys('FINDING#HOLD#x'), result: 'ImplicitlyDenied', means: 'not the response ledger or holds' },
  { who: 'undo', action: 'secretsmanager:GetSecretValue', resource: 'PAGERDUTY_SECRET', result: 'ImplicitlyDenied', means: 'reads only the Slack secret' },
  { who: 'undo', action: 'sts:AssumeRole', resource: role('BlastwallResponder'), context: { 'aws:ResourceOrgID': ORG }, result: 'ImplicitlyDenied', means: 'has no IAM power: respond restores' },
];

const WHO_LABEL: Record<Who, string> = {
  responder: '`BlastwallResponder` (member)',
  respond: '`respond`',
  detect: '`detect`',
  page: '`page`',
  undo: '`undo`',
};

const RESULT_LABEL: Record<Result, string> = { Allowed: 'can', ExplicitlyDenied: 'cannot (explicit deny)', ImplicitlyDenied: 'cannot' };

/** The markdown table docs/deploy.md embeds between `<!-- power-table:start -->` and `<!-- power-table:end -->`. */
export function powerTableMarkdown(): string {
  const rows = POWER_TABLE.map((r) => {
    const on = r.resource.replace(MEMBER, '<member>').replace(CENTRAL, '<central>');
    const ctx = r.context ? ` (${Object.entries(r.context).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`).join('; ')})` : '';
    return `| ${WHO_LABEL[r.who]} | ${RESULT_LABEL[r.result]} | \`${r.action}\` on \`${on}\`${ctx} | ${r.means} |`;
  });
  return ['| Role | Result | Request | What it means |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
