/**
 * Issue 15, item 6: the responder's own power, and every function's, proven with a real IAM
 * policy evaluator (@cloud-copilot/iam-simulate) against the policies the CDK stacks
 * synthesise — not by reading JSON. Each row of test/iam/power-table.ts is one request and
 * the answer IAM gives; docs/deploy.md embeds the same table.
 */
import { readFileSync } from 'node:fs';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { beforeAll, describe, expect, it } from 'vitest';
import { revokeOlderSessionsDocument } from '../../functions/core/response/policy-document.ts';
import { flat, roleStatements, synthesise, templateResolver, type Statement, type Synthesised } from '../infra/support.ts';
import { CENTRAL, MEMBER, ORG, POWER_TABLE, powerTableMarkdown, type PowerRow, type Result, type Who } from './power-table.ts';

const REGION = 'eu-west-1';
const PLACEHOLDER = {
  TABLE: `arn:aws:dynamodb:${REGION}:${CENTRAL}:table/Blastwall-Central-State`,
  BUS: `arn:aws:events:${REGION}:${CENTRAL}:event-bus/Blastwall-central`,
  SLACK_SECRET: `arn:aws:secretsmanager:${REGION}:${CENTRAL}:secret:blastwall/slack-AbCdEf`,
  PAGERDUTY_SECRET: `arn:aws:secretsmanager:${REGION}:${CENTRAL}:secret:blastwall/pagerduty-AbCdEf`,
} as const;

type Policy = { Version: '2012-10-17'; Statement: Statement[] };
let s: Synthesised;
const policies = new Map<Who, { principal: string; policy: Policy }>();
let responderTrust: Policy;

/** Replaces the template's references by the concrete ARNs the rows use. */
function resolver(template: Synthesised['central'], account: string, region: string) {
  return templateResolver(template, account, region, (type, id) => {
    if (type === 'AWS::DynamoDB::Table') return PLACEHOLDER.TABLE;
    if (type === 'AWS::Events::EventBus') return PLACEHOLDER.BUS;
    if (type === 'AWS::SecretsManager::Secret') return id.startsWith('Slack') ? PLACEHOLDER.SLACK_SECRET : PLACEHOLDER.PAGERDUTY_SECRET;
    return undefined;
  });
}

function roleId(template: Synthesised['central'], name: string): string {
  const entry = Object.entries(template.findResources('AWS::IAM::Role')).find(([, r]) => flat(r.Properties?.RoleName) === name);
  if (!entry) throw new Error(`no role ${name}`);
  return entry[0];
}

beforeAll(() => {
  s = synthesise();
  const central = resolver(s.central, CENTRAL, REGION);
  for (const fn of ['detect', 'respond', 'page', 'undo'] as const) {
    const name = `Blastwall-${fn}-function`;
    policies.set(fn, { principal: `arn:aws:iam::${CENTRAL}:role/${name}`, policy: { Version: '2012-10-17', Statement: central(roleStatements(s.central, roleId(s.central, name))) as Statement[] } });
  }
  const member = resolver(s.memberTemplate, MEMBER, 'us-east-1');
  const responder = roleId(s.memberTemplate, 'BlastwallResponder');
  policies.set('responder', { principal: `arn:aws:iam::${MEMBER}:role/BlastwallResponder`, policy: { Version: '2012-10-17', Statement: member(roleStatements(s.memberTemplate, responder)) as Statement[] } });
  const trust = (s.memberTemplate.toJSON() as any).Resources[responder].Properties.AssumeRolePolicyDocument;
  responderTrust = member(trust) as Policy;
}, 120_000);

async function simulate(row: PowerRow): Promise<Result> {
  const { principal, policy } = policies.get(row.who)!;
  const resource = (PLACEHOLDER as Record<string, string>)[row.resource] ?? row.resource;
  const resourceAccount = resource.split(':')[4] || MEMBER;
  const assumes = row.action === 'sts:AssumeRole';
  const response = await runSimulation(
    {
      identityPolicies: [{ name: 'synthesised', policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      // AssumeRole also asks the role's trust policy: the responder's as synthesised; any other role trusts the central account.
      ...(assumes
        ? {
            resourcePolicy: resource.endsWith(':role/BlastwallResponder')
              ? responderTrust
              : { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${CENTRAL}:root` }, Action: 'sts:AssumeRole' }] },
          }
        : {}),
      request: {
        action: row.action,
        principal,
        resource: { accountId: resourceAccount, resource },
        contextVariables: { 'aws:PrincipalOrgID': ORG, 'aws:PrincipalArn': principal, 'aws:PrincipalAccount': principal.split(':')[4]!, ...(row.context ?? {}) },
      },
    } as never,
    {},
  );
  const r = response as { resultType: string; overallResult?: Result; errors?: unknown };
  if (r.resultType === 'error') throw new Error(`simulation rejected: ${JSON.stringify(r.errors)}`);
  return r.overallResult!;
}

describe('what each role can and cannot do, as IAM evaluates the synthesised policies', () => {
  it.each(POWER_TABLE.map((row) => [`${row.who}: ${row.action} on ${row.resource}${row.context ? ` ${JSON.stringify(row.context)}` : ''} → ${row.result}`, row] as const))(
    '%s',
    async (_label, row) => {
      expect(await simulate(row)).toBe(row.result);
    },
  );

  it('the revocation deny ends sessions issued before its cut-off and spares newer ones', async () => {
    const run = async (issued: string) =>
      (
        (await runSimulation(
          {
            identityPolicies: [
              { name: 'admin', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } },
              { name: 'BlastwallRevokeOlderSessions', policy: JSON.parse(revokeOlderSessionsDocument('2026-11-25T10:00:06Z')) },
            ],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            request: {
              action: 'rds:DeleteDBInstance',
              principal: `arn:aws:sts::${MEMBER}:assumed-role/ProdDeploy/s`,
              resource: { accountId: MEMBER, resource: `arn:aws:rds:${REGION}:${MEMBER}:db:prod-db` },
              contextVariables: { 'aws:TokenIssueTime': issued },
            },
          } as never,
          {},
        )) as { overallResult: Result }
      ).overallResult;
    expect(await run('2026-11-25T10:00:05Z')).toBe('ExplicitlyDenied');
    expect(await run('2026-11-25T10:00:07Z')).toBe('Allowed');
  });
});

describe('docs/deploy.md', () => {
  it('embeds exactly the table these tests prove', () => {
    const doc = readFileSync(new URL('../../docs/deploy.md', import.meta.url), 'utf8');
    const match = /<!-- power-table:start -->\n([\s\S]*?)\n<!-- power-table:end -->/.exec(doc);
    expect(match, 'the power-table markers are missing from docs/deploy.md').not.toBeNull();
    expect(match![1]).toBe(powerTableMarkdown());
  });
});
