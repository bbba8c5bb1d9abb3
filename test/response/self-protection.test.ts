/**
 * Issue 15, items 1 and 6 (the detection half): what an attacker does to Blastwall itself
 * is critical detector tamper, through the pipeline the detect function and `blastwall
 * replay` share:
 * - a role or user inside Blastwall's name space that Blastwall's deployment never creates
 *   (also through CloudFormation, which used to score it medium);
 * - DisableRule / RemoveTargets / DeleteRule on a StackSet-deployed forwarder (used to be low);
 * - an IAM write by Blastwall's own responder role that is not exactly Blastwall's deny —
 *   paged at critical and escalated to a human, never hidden by Blastwall's own protection.
 */
import { describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG, parseConfig } from '../../functions/core/config.ts';
import type { Finding } from '../../functions/core/finding.ts';
import { createPipeline } from '../../functions/core/pipeline.ts';
import { isBlastwallDeny } from '../../functions/core/detection/self-protection.ts';
import { memberRegions, ownMemberResourceArns, ownStackRoleNamePattern } from '../../functions/core/response/own-principals.ts';
import { resourceNames } from '../../lib/names.ts';
import { REVOKE_POLICY_NAME, revokeOlderSessionsDocument } from '../../functions/core/response/policy-document.ts';
import { createMemoryStateStore } from '../../functions/adapters/memory-state-store.ts';

const PROD = '333333333333';
const config = parseConfig(EXAMPLE_CONFIG);
let n = 0;

interface Caller {
  role: string;
  session?: string;
  cloudFormation?: boolean;
}

function record(caller: Caller, eventSource: string, eventName: string, requestParameters: Record<string, unknown>, errorCode?: string) {
  n++;
  const session = caller.session ?? 'mallory';
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROAEXAMPLE${n}:${session}`,
      arn: `arn:aws:sts::${PROD}:assumed-role/${caller.role}/${session}`,
      accountId: PROD,
      accessKeyId: `ASIAEXAMPLE${String(n).padStart(9, '0')}`,
      sessionContext: {
        sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLE', arn: `arn:aws:iam::${PROD}:role/${caller.role}`, accountId: PROD, userName: caller.role },
        attributes: { creationDate: '2026-11-25T09:00:00Z', mfaAuthenticated: 'false' },
      },
      ...(caller.cloudFormation ? { invokedBy: 'cloudformation.amazonaws.com' } : {}),
    },
    eventTime: `2026-11-25T10:${String(n % 60).padStart(2, '0')}:00Z`,
    eventSource,
    eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: caller.cloudFormation ? 'cloudformation.amazonaws.com' : '198.18.0.7',
    userAgent: caller.cloudFormation ? 'cloudformation.amazonaws.com' : 'aws-cli/2.15.30',
    requestParameters,
    responseElements: null,
    ...(errorCode ? { errorCode, errorMessage: 'denied' } : {}),
    requestID: `req-${n}`,
    eventID: `evt-self-protection-${n}`,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: PROD,
  };
}

async function findingOf(raw: unknown): Promise<Finding | undefined> {
  const pipeline = createPipeline({ config, store: createMemoryStateStore() });
  const normalised = pipeline.normalise(raw);
  if (!normalised.ok) throw new Error(normalised.reason);
  return (await pipeline.detect(normalised.event, new Date('2026-11-25T11:00:00Z'))).finding;
}

const tamper = (f: Finding | undefined) => f?.reasons.find((r) => r.signal === 'detector-tamper');

describe('squatting Blastwall\'s name space (issue 15 item 1)', () => {
  it('a role named Blastwall-anything created through CloudFormation is critical tamper, and revocable', async () => {
    const f = await findingOf(record({ role: 'ops-deployer', cloudFormation: true }, 'iam.amazonaws.com', 'CreateRole', { roleName: 'Blastwall-anything', assumeRolePolicyDocument: '{}' }));
    expect(f?.severity).toBe('critical');
    expect(tamper(f)?.severity).toBe('critical');
    expect(tamper(f)?.text).toContain("inside Blastwall's own name space");
    // The principal that did it is revoked: nothing named like Blastwall shields it.
    expect(f!.response[0]).toMatchObject({ action: 'iam:PutRolePolicy', target: `arn:aws:iam::${PROD}:role/ops-deployer`, status: 'planned' });
  });

  it('changing such a role (a policy on it) and creating a Blastwall* user are critical too; failing to, high', async () => {
    const policy = await findingOf(record({ role: 'ops-admin' }, 'iam.amazonaws.com', 'AttachRolePolicy', { roleName: 'BlastwallHelper', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    expect(policy?.severity).toBe('critical');
    expect(tamper(policy)).toBeDefined();
    const user = await findingOf(record({ role: 'ops-admin', cloudFormation: true }, 'iam.amazonaws.com', 'CreateUser', { userName: 'Blastwall-ci' }));
    expect(tamper(user)?.severity).toBe('critical');
    const refused = await findingOf(record({ role: 'ops-admin' }, 'iam.amazonaws.com', 'CreateRole', { roleName: 'Blastwall-x' }, 'AccessDenied'));
    expect(tamper(refused)?.severity).toBe('high');
  });

  it('anyone but CloudFormation creating or changing one of Blastwall\'s exact role names is critical tamper too', async () => {
    for (const [eventName, roleName] of [
      ['CreateRole', 'BlastwallResponder'],
      ['AttachRolePolicy', 'Blastwall-respond-function'],
      ['UpdateAssumeRolePolicy', 'BlastwallResponder'],
      ['PutRolePolicy', 'Blastwall-forwarder-us-east-1'],
    ] as const) {
      const f = await findingOf(record({ role: 'ops-admin' }, 'iam.amazonaws.com', eventName, { roleName, policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess', policyName: 'x', policyDocument: '{}' }));
      expect(f?.severity, `${eventName} ${roleName}`).toBe('critical');
      expect(tamper(f)?.severity, `${eventName} ${roleName}`).toBe('critical');
    }
  });

  it('Blastwall\'s own deployment creating its exact role names through CloudFormation is not squatting', async () => {
    for (const roleName of ['Blastwall-detect-function', 'Blastwall-forwarder-eu-west-1', 'BlastwallResponder']) {
      const f = await findingOf(record({ role: 'cdk-hnb659fds-cfn-exec-role', cloudFormation: true }, 'iam.amazonaws.com', 'CreateRole', { roleName }));
      expect(tamper(f)?.text ?? '', roleName).not.toContain("inside Blastwall's own name space");
      expect(f?.severity ?? 'info', roleName).not.toBe('critical');
    }
  });
});

describe("roles CloudFormation names for Blastwall's own stacks", () => {
  it("CDK helper roles of Blastwall's stacks (generated names) created through CloudFormation are its deployment; the same name by hand is critical", async () => {
    // CDK's helper roles (log retention, custom resources, schedules, security-hub …) have no fixed name: CloudFormation names them stack-logicalId-random.
    for (const roleName of ['Blastwall-Central-LogRetentionaae0aa3c5b4d4f87b0-1A2B3C4D5E6F', 'Blastwall-Central-SecurityHubFunctionServiceRole-9ZYXWVUT', 'Blastwall-Member-eu-west-1-CustomResourceRole-QWERTY']) {
      const deploy = await findingOf(record({ role: 'cdk-hnb659fds-cfn-exec-role', cloudFormation: true }, 'iam.amazonaws.com', 'CreateRole', { roleName }));
      expect(tamper(deploy), roleName).toBeUndefined();
      const byHand = await findingOf(record({ role: 'ops-admin' }, 'iam.amazonaws.com', 'CreateRole', { roleName }));
      expect(tamper(byHand)?.severity, roleName).toBe('critical');
    }
    // The pattern is the stacks' own names (lib/names.ts), whatever the prefix.
    const names = resourceNames('Blastwall');
    for (const stack of [names.centralStack, names.memberStack('ap-southeast-2'), names.memberTemplateStack]) expect(ownStackRoleNamePattern('Blastwall').test(`${stack}-SomeRole-ABC123`), stack).toBe(true);
    // A look-alike stack name is not one of Blastwall's stacks.
    const lookAlike = await findingOf(record({ role: 'ops-deployer', cloudFormation: true }, 'iam.amazonaws.com', 'CreateRole', { roleName: 'Blastwall-Centralish-Role-ABC' }));
    expect(tamper(lookAlike)?.severity).toBe('critical');
  });
});

describe('StackSet-deployed forwarders (issue 15 item 1)', () => {
  it.each(['DisableRule', 'RemoveTargets', 'DeleteRule'])('%s on StackSet-Blastwall-Member-… is critical', async (eventName) => {
    const rule = 'StackSet-Blastwall-Member-1f2e3d4c-ForwardCloudTrail8A1B2C3D-AbCdEfGh';
    const params = eventName === 'RemoveTargets' ? { rule, ids: ['CentralBus'] } : { name: rule };
    const f = await findingOf(record({ role: 'ops-admin' }, 'events.amazonaws.com', eventName, params));
    expect(f?.severity).toBe('critical');
    expect(tamper(f)?.text).toContain("Blastwall's forwarding rule deployed by its StackSet");
  });

  it('the StackSet itself (through CloudFormation) weighs medium; another rule is not Blastwall\'s', async () => {
    const cfn = await findingOf(record({ role: 'stacksets-exec-abc', cloudFormation: true }, 'events.amazonaws.com', 'DeleteRule', { name: 'StackSet-Blastwall-Member-1f2e-Forward-x' }));
    expect(tamper(cfn)?.severity).toBe('medium');
    const other = await findingOf(record({ role: 'ops-admin' }, 'events.amazonaws.com', 'DisableRule', { name: 'StackSet-Other-Member-1f2e-x' }));
    expect(tamper(other)).toBeUndefined();
  });
});

describe('the responder\'s own IAM writes (issue 15 item 6)', () => {
  const responder: Caller = { role: 'BlastwallResponder', session: 'blastwall-respond' };
  const deny = revokeOlderSessionsDocument('2026-11-25T10:00:06Z');

  it('exactly Blastwall\'s deny, its removal and a key\'s status are its job: no tamper', async () => {
    for (const [name, params] of [
      ['PutRolePolicy', { roleName: 'ProdDeploy', policyName: REVOKE_POLICY_NAME, policyDocument: deny }],
      ['DeleteRolePolicy', { roleName: 'ProdDeploy', policyName: REVOKE_POLICY_NAME }],
      ['PutUserPolicy', { userName: 'ci', policyName: REVOKE_POLICY_NAME, policyDocument: deny }],
      ['UpdateAccessKey', { userName: 'ci', accessKeyId: 'AKIAEXAMPLEKEY000001', status: 'Inactive' }],
    ] as const) {
      expect(tamper(await findingOf(record(responder, 'iam.amazonaws.com', name, params))), name).toBeUndefined();
    }
  });

  it.each([
    ['another policy name (removing a guard-rail deny)', 'DeleteRolePolicy', { roleName: 'TeamRole', policyName: 'GuardRailDeny' }],
    ['an allow under Blastwall\'s policy name', 'PutRolePolicy', { roleName: 'TeamRole', policyName: REVOKE_POLICY_NAME, policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) }],
    ['the deny with an extra statement', 'PutRolePolicy', { roleName: 'TeamRole', policyName: REVOKE_POLICY_NAME, policyDocument: deny.replace(']}', ',{"Effect":"Allow","Action":"*","Resource":"*"}]}') }],
    ['any other IAM write', 'CreateAccessKey', { userName: 'ci' }],
  ])('%s is critical tamper, paged and escalated to a human (never hidden by its protection)', async (_label, eventName, params) => {
    const f = await findingOf(record(responder, 'iam.amazonaws.com', eventName, params));
    expect(f?.severity).toBe('critical');
    expect(tamper(f)?.text).toContain("which is not Blastwall's deny");
    const own = f!.response.find((a) => a.target.includes('BlastwallResponder'))!;
    expect(own).toMatchObject({ status: 'skipped', code: 'protected', escalate: true });
    expect(own.detail).toContain('Revoke active sessions');
  });

  it('a session named like respond\'s is watched whatever the role', async () => {
    const f = await findingOf(record({ role: 'SecOpsResponder', session: 'blastwall-respond' }, 'iam.amazonaws.com', 'DeleteRolePolicy', { roleName: 'TeamRole', policyName: 'GuardRailDeny' }));
    expect(tamper(f)?.severity).toBe('critical');
  });

  it('isBlastwallDeny: exactly the document shape, URL-encoded too', () => {
    expect(isBlastwallDeny(deny)).toBe(true);
    expect(isBlastwallDeny(encodeURIComponent(deny))).toBe(true);
    expect(isBlastwallDeny(deny.replace('"Deny"', '"Allow"'))).toBe(false);
    expect(isBlastwallDeny(deny.replace('10:00:06Z', '10:00:06.123Z'))).toBe(false);
    expect(isBlastwallDeny('{')).toBe(false);
    expect(isBlastwallDeny(undefined)).toBe(false);
  });
});

describe("the member topology's detector (docs/deploy.md, \"Topology\")", () => {
  const memberConfig = parseConfig({ ...EXAMPLE_CONFIG, deployment: { ...EXAMPLE_CONFIG.deployment, topology: 'member' } });
  // Every function and rule own-principals lists, in every member region, as a changed resource.
  const resources = ownMemberResourceArns(memberConfig).map((arn) => ({ arn, service: arn.split(':')[2]!, name: arn.split(/[:/]/).pop()! }));

  it('own-principals lists member detect, its heartbeat and its rule in every member region', () => {
    const regions = memberRegions(memberConfig);
    expect(resources.map((r) => r.arn).sort()).toEqual(
      regions.flatMap((region) => [`arn:aws:lambda:${region}:*:function:Blastwall-member-detect`, `arn:aws:lambda:${region}:*:function:Blastwall-member-heartbeat`, `arn:aws:events:${region}:*:rule/Blastwall-member-detect`]).sort(),
    );
    expect(ownMemberResourceArns(config)).toEqual([]);
  });

  it('changing, disabling or re-pointing them by hand is critical detector tamper; through CloudFormation it weighs less', async () => {
    const calls = (r: (typeof resources)[number]): [string, string, Record<string, unknown>][] =>
      r.service === 'lambda'
        ? [
            ['lambda.amazonaws.com', 'UpdateFunctionCode20150331v2', { functionName: r.name, zipFile: 'x' }],
            ['lambda.amazonaws.com', 'UpdateFunctionConfiguration20150331v2', { functionName: r.name, environment: {} }],
          ]
        : [
            ['events.amazonaws.com', 'DisableRule', { name: r.name }],
            ['events.amazonaws.com', 'RemoveTargets', { rule: r.name, ids: ['Detect'] }],
            ['events.amazonaws.com', 'PutTargets', { rule: r.name, targets: [{ id: 'Detect', arn: 'arn:aws:lambda:us-east-1:333333333333:function:evil' }] }],
          ];
    for (const r of resources) {
      for (const [source, eventName, params] of calls(r)) {
        const byHand = await findingOf(record({ role: 'ops-admin' }, source, eventName, params));
        expect(byHand?.severity, `${eventName} ${r.name}`).toBe('critical');
        expect(tamper(byHand), `${eventName} ${r.name}`).toBeDefined();
        const deploy = await findingOf(record({ role: 'cdk-hnb659fds-cfn-exec-role', cloudFormation: true }, source, eventName, params));
        expect(deploy?.severity ?? 'info', `${eventName} ${r.name} through CloudFormation`).not.toBe('critical');
      }
    }
  });

  it('its roles created through CloudFormation are the deployment; created or changed by hand, critical', async () => {
    for (const roleName of ['Blastwall-member-detect-us-east-1', 'Blastwall-member-heartbeat-eu-west-1', 'Blastwall-member-config-reader']) {
      const deploy = await findingOf(record({ role: 'cdk-hnb659fds-cfn-exec-role', cloudFormation: true }, 'iam.amazonaws.com', 'CreateRole', { roleName }));
      expect(tamper(deploy)?.text ?? '', roleName).not.toContain("inside Blastwall's own name space");
      expect(deploy?.severity ?? 'info', roleName).not.toBe('critical');
      const byHand = await findingOf(record({ role: 'ops-admin' }, 'iam.amazonaws.com', 'PutRolePolicy', { roleName, policyName: 'x', policyDocument: '{}' }));
      expect(tamper(byHand)?.severity, roleName).toBe('critical');
    }
    // A look-alike outside the exact pattern is squatting, even through CloudFormation.
    const lookAlike = await findingOf(record({ role: 'ops-deployer', cloudFormation: true }, 'iam.amazonaws.com', 'CreateRole', { roleName: 'Blastwall-member-detect-evil' }));
    expect(tamper(lookAlike)?.text).toContain("inside Blastwall's own name space");
  });
});
