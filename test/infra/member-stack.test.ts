import { beforeAll, describe, expect, it } from 'vitest';
import type { Template } from 'aws-cdk-lib/assertions';
import { CLOUDTRAIL_DETAIL_TYPES, MEMBER_EVENT_PATTERN } from '../../lib/member-stack.ts';
import { parseCallAs, parseStackSetTargets } from '../../lib/member-stackset-stack.ts';
import { actionsOf, flat, logicalId, roleStatements, synthesise, type Statement, type Synthesised } from './support.ts';

let s: Synthesised;

beforeAll(() => {
  s = synthesise();
});

const CENTRAL_BUS = 'arn:${AWS::Partition}:events:eu-west-1:999999999999:event-bus/Blastwall-central';
const RESPOND_ROLE = 'arn:${AWS::Partition}:iam::999999999999:role/Blastwall-respond-function';

describe.each([
  ['per-account stack (us-east-1)', () => s.member],
  ['StackSet template', () => s.memberTemplate],
])('member %s', (_label, get: () => Template) => {
  let t: Template;
  let resources: Record<string, any>;
  beforeAll(() => {
    t = get();
    resources = (t.toJSON() as any).Resources;
  });

  it('forwards from the default bus with state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS', () => {
    const rules = Object.values(t.findResources('AWS::Events::Rule'));
    expect(rules).toHaveLength(1);
    const rule = rules[0]!.Properties;
    expect(rule.EventBusName).toBe('default');
    expect(rule.State).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
  });

  it('matches the three CloudTrail detail-types and drops calls AWS services make as themselves', () => {
    const pattern = Object.values(t.findResources('AWS::Events::Rule'))[0]!.Properties.EventPattern;
    expect(pattern['detail-type']).toEqual([...CLOUDTRAIL_DETAIL_TYPES]);
    expect(pattern.detail.userIdentity.$or).toEqual([{ type: [{ 'anything-but': ['AWSService'] }] }, { type: [{ exists: false }] }]);
    // No other filter: every principal's call (read-only included) reaches the detector.
    expect(Object.keys(pattern).sort()).toEqual(['detail', 'detail-type']);
    expect(Object.keys(pattern.detail)).toEqual(['userIdentity']);
    expect(pattern).toEqual(JSON.parse(JSON.stringify(MEMBER_EVENT_PATTERN)));
  });

  it('targets the central bus through a role allowed only events:PutEvents on it, with a DLQ and a retry policy', () => {
    const target = Object.values(t.findResources('AWS::Events::Rule'))[0]!.Properties.Targets;
    expect(target).toHaveLength(1);
    expect(flat(target[0].Arn)).toBe(CENTRAL_BUS);
    const forwarder = logicalId(t, 'AWS::IAM::Role', 'ForwarderRole');
    expect(target[0].RoleArn).toEqual({ 'Fn::GetAtt': [forwarder, 'Arn'] });
    // The name the central bus policy admits (arn:…:role/Blastwall-forwarder-*), one per region.
    expect(flat(resources[forwarder].Properties.RoleName)).toBe('Blastwall-forwarder-${AWS::Region}');
    expect(target[0].DeadLetterConfig.Arn).toEqual({ 'Fn::GetAtt': [logicalId(t, 'AWS::SQS::Queue', 'ForwardDlq'), 'Arn'] });
    expect(target[0].RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
    const statements = roleStatements(t, forwarder);
    expect(statements).toHaveLength(1);
    expect(actionsOf(statements[0]!)).toEqual(['events:PutEvents']);
    expect(flat(statements[0]!.Resource)).toBe(CENTRAL_BUS);
    const trust = resources[forwarder].Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toEqual([
      expect.objectContaining({ Principal: { Service: 'events.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }),
    ]);
  });

  it('the DLQ is encrypted, TLS-only, and writable by EventBridge for this rule only', () => {
    const queue = logicalId(t, 'AWS::SQS::Queue', 'ForwardDlq');
    expect(resources[queue].Properties.SqsManagedSseEnabled).toBe(true);
    const policy = Object.values(t.findResources('AWS::SQS::QueuePolicy'))[0]!.Properties.PolicyDocument.Statement as Statement[];
    expect(policy).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    const send = policy.find((st) => st.Effect === 'Allow')!;
    expect(actionsOf(send)).toEqual(['sqs:SendMessage']);
    expect(send.Condition).toEqual({ ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId(t, 'AWS::Events::Rule', 'ForwardCloudTrail'), 'Arn'] } } });
  });

  describe('responder role', () => {
    let id: string;
    let statements: Statement[];
    beforeAll(() => {
      id = logicalId(t, 'AWS::IAM::Role', 'ResponderRole');
      statements = roleStatements(t, id);
    });

    it('has the configured name and exists in us-east-1 only (IAM is global: one per account)', () => {
      expect(resources[id].Properties.RoleName).toBe('BlastwallResponder');
      const condition = resources[id].Condition as string;
      expect((t.toJSON() as any).Conditions[condition]).toEqual({ 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] });
      t.hasOutput('ResponderRoleArn', { Condition: condition });
    });

    it('is trusted only by the central respond function role, inside the organisation', () => {
      const trust = resources[id].Properties.AssumeRolePolicyDocument.Statement as any[];
      expect(trust).toHaveLength(1);
      expect(trust[0].Action).toBe('sts:AssumeRole');
      // A literal partition where the region is known (@aws-cdk/core:enablePartitionLiterals), the token in the region-agnostic StackSet template.
      expect(flat(trust[0].Principal.AWS)).toMatch(/^arn:(aws|\$\{AWS::Partition\}):iam::999999999999:root$/);
      expect(flat(trust[0].Condition.ArnEquals['aws:PrincipalArn'])).toBe(RESPOND_ROLE);
      expect(trust[0].Condition.StringEquals['aws:PrincipalOrgID']).toBe('o-exampleorg1');
    });

    it('is allowed only the IAM calls revocation and restore make, on this account’s users and roles', () => {
      const allowed = statements.filter((st) => st.Effect === 'Allow').flatMap(actionsOf).sort();
      expect(allowed).toEqual(
        [
          'iam:DeleteRolePolicy',
          'iam:DeleteUserPolicy',
          'iam:GetRolePolicy',
          'iam:GetUserPolicy',
          'iam:ListAccessKeys',
          'iam:PutRolePolicy',
          'iam:PutUserPolicy',
          'iam:UpdateAccessKey',
        ].sort(),
      );
      for (const st of statements.filter((x) => x.Effect === 'Allow')) {
        expect(flat(st.Resource)).toMatch(/^arn:\$\{AWS::Partition\}:iam::\$\{AWS::AccountId\}:(user|role)\/\*$/);
      }
      expect(statements.flatMap(actionsOf).some((a) => /^(sts|iam:(Create|Attach|UpdateAssumeRolePolicy|PassRole))/.test(a))).toBe(false);
    });

    it('denies touching Blastwall itself and principals tagged BlastwallProtected=true', () => {
      const writes = ['iam:UpdateAccessKey', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:PutUserPolicy', 'iam:DeleteUserPolicy'];
      const self = statements.find((st) => st.Sid === 'NeverTouchBlastwall')!;
      expect(self.Effect).toBe('Deny');
      expect(actionsOf(self).sort()).toEqual([...writes].sort());
      const denied = (self.Resource as unknown[]).map(flat);
      // Exactly Blastwall's own roles (issue 15 item 1), the list respond and `blastwall replay` protect; no name glob.
      expect(denied.sort()).toEqual(
        [
          'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/BlastwallResponder',
          'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/BlastwallAuditReader',
          'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/Blastwall-forwarder-eu-west-1',
          'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/Blastwall-forwarder-us-east-1',
          'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/Blastwall-history-reader',
          ...['detect', 'respond', 'page', 'undo', 'audit', 'backup-watchdog', 'warm-up', 'reconcile'].map((fn) => `arn:\${AWS::Partition}:iam::999999999999:role/Blastwall-${fn}-function`),
        ].sort(),
      );
      expect(denied.some((arn) => arn.includes('*'))).toBe(false);
      const tagged = statements.find((st) => st.Sid === 'NeverTouchProtectedPrincipals')!;
      expect(tagged.Effect).toBe('Deny');
      expect(actionsOf(tagged).sort()).toEqual([...writes].sort());
      expect(tagged.Condition).toEqual({ StringEqualsIgnoreCase: { 'aws:ResourceTag/BlastwallProtected': 'true' } });
    });
  });

  it('is self-contained: no assets, no bootstrap version check, no literal region (one template for every region)', () => {
    const json = t.toJSON() as any;
    expect(json.Parameters?.BootstrapVersion).toBeUndefined();
    expect(json.Rules?.CheckBootstrapVersion).toBeUndefined();
    expect(Object.keys(t.findResources('AWS::Lambda::Function'))).toHaveLength(0);
    // The central bus's region is the only literal region in any resource — besides the names of
    // the forwarder roles of every member region, which the responder's own deny lists exactly.
    const resourcesText = JSON.stringify(json.Resources).replace(/:role\/Blastwall-forwarder-[a-z]{2}-[a-z]+-\d/g, '');
    expect(resourcesText.replaceAll(':events:eu-west-1:', '')).not.toMatch(/(us|eu|ap|sa|ca|me|af)-[a-z]+-\d/);
    // Inline TemplateBody limit: deployable without an S3 bucket.
    expect(Buffer.byteLength(JSON.stringify(json))).toBeLessThan(51_200);
  });
});

describe('member stacks per region', () => {
  it('one per configured region, us-east-1 always', () => {
    expect(Object.keys(s.built.members).sort()).toEqual(['eu-west-1', 'us-east-1']);
    expect(s.built.members['eu-west-1']!.stackName).toBe('Blastwall-Member-eu-west-1');
    expect(s.built.members['eu-west-1']!.region).toBe('eu-west-1');
  });
});

describe('member StackSet (optional, -c stackSetTargets=…)', () => {
  it('is service-managed, auto-deploys to new accounts, covers us-east-1 and every configured region, and carries the member template', () => {
    const t = s.templates['Blastwall-MemberStackSet']!;
    expect(t).toBeDefined();
    const sets = Object.values(t.findResources('AWS::CloudFormation::StackSet'));
    expect(sets).toHaveLength(1);
    const p = sets[0]!.Properties;
    expect(p.PermissionModel).toBe('SERVICE_MANAGED');
    expect(p.AutoDeployment).toEqual({ Enabled: true, RetainStacksOnAccountRemoval: false });
    expect(p.CallAs).toBe('SELF');
    expect(p.Capabilities).toEqual(['CAPABILITY_NAMED_IAM']);
    expect(p.StackInstancesGroup).toEqual([{ DeploymentTargets: { OrganizationalUnitIds: ['r-ab12'] }, Regions: ['eu-west-1', 'us-east-1'] }]);
    // Same template (IAM action lists compared as sets: CDK may render them in another order).
    const normalise = (json: string) => JSON.parse(json, (key, value) => (key === 'Action' && Array.isArray(value) ? [...value].sort() : value));
    expect(normalise(p.TemplateBody)).toEqual(normalise(JSON.stringify(s.memberTemplate.toJSON())));
    expect(s.built.memberStackSet!.region).toBe('us-east-1');
  });

  it('targets must be organisation root or OU ids; call-as SELF or DELEGATED_ADMIN', () => {
    expect(parseStackSetTargets(undefined)).toBeUndefined();
    expect(parseStackSetTargets('r-ab12, ou-ab12-cdefgh34')).toEqual(['r-ab12', 'ou-ab12-cdefgh34']);
    expect(() => parseStackSetTargets('123456789012')).toThrow(/stackSetTargets.*123456789012/);
    expect(parseCallAs(undefined)).toBe('SELF');
    expect(parseCallAs('DELEGATED_ADMIN')).toBe('DELEGATED_ADMIN');
    expect(() => parseCallAs('ADMIN')).toThrow(/stackSetCallAs/);
  });
});
