/**
 * The Security Hub integration in the central stack: only when the config enables it, its own
 * function, target and DLQ (so paging never waits for it), and least privilege checked with a
 * real IAM policy evaluator (@cloud-copilot/iam-simulate) over the synthesised role policy.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { exampleConfig, importAsBundled, synthesise, templateResolver } from '../infra/support.ts';

const enabled = synthesise(exampleConfig((raw) => (raw.securityHub = { enabled: true })));
const central = enabled.central.toJSON() as { Resources: Record<string, { Type: string; Properties: any }> };
const ACCOUNT = enabled.built.central.account;
const REGION = enabled.built.central.region;

/** CloudFormation intrinsics CDK uses in ARNs (partition, region, account, joins) → plain strings for the evaluator. */
const resolve = templateResolver(enabled.central, ACCOUNT, REGION, () => undefined);

function functionOf(description: RegExp) {
  const entry = Object.entries(central.Resources).find(([, r]) => r.Type === 'AWS::Lambda::Function' && description.test(r.Properties.Description ?? ''));
  if (!entry) throw new Error(`no function ${description}`);
  return entry;
}

function rolePolicy(roleLogicalId: string) {
  const statements = Object.values(central.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles as Array<{ Ref: string }>).some((x) => x.Ref === roleLogicalId))
    .flatMap((r) => r.Properties.PolicyDocument.Statement);
  return resolve({ Version: '2012-10-17', Statement: statements }) as any;
}

const [, shFunction] = functionOf(/security-hub/);
const shRole = shFunction.Properties.Role['Fn::GetAtt'][0] as string;
const policy = rolePolicy(shRole);
const productArn = `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`;
const hubArn = `arn:aws:securityhub:${REGION}:${ACCOUNT}:hub/default`;

async function decide(action: string, resource: string, context: Record<string, string | string[]> = {}) {
  const simulation: Simulation = {
    identityPolicies: [{ name: 'security-hub', policy }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: { action, principal: `arn:aws:iam::${ACCOUNT}:role/security-hub`, resource: { accountId: ACCOUNT, resource }, contextVariables: context },
  };
  const out = await runSimulation(simulation, {});
  if (out.resultType === 'error') throw new Error(JSON.stringify(out.errors));
  return out.overallResult;
}

describe('Security Hub in the central stack', () => {
  it('is absent unless the config enables it', () => {
    const off = synthesise().central.toJSON() as typeof central;
    expect(Object.values(off.Resources).some((r) => r.Type === 'AWS::Lambda::Function' && /security-hub/.test(r.Properties.Description ?? ''))).toBe(false);
    expect(JSON.stringify(off)).not.toContain('securityhub:');
  });

  it('is its own target with its own DLQ: the page function target is untouched', () => {
    const rules = Object.values(central.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
    const shRule = rules.find((r) => /Finding and Response → security-hub/.test(r.Properties.Description))!;
    expect(shRule.Properties.EventPattern).toMatchObject({ source: ['blastwall'], 'detail-type': ['Blastwall Finding', 'Blastwall Response'], account: [ACCOUNT] });
    // Posture Findings of the scheduled audit and the backup watchdog reach Security Hub too.
    const postureRule = rules.find((r) => /Posture Finding .* → security-hub/.test(r.Properties.Description))!;
    expect(postureRule.Properties.EventPattern).toMatchObject({ source: ['blastwall.audit', 'blastwall.backup-watchdog'], 'detail-type': ['Blastwall Posture Finding'], account: [ACCOUNT] });
    expect(postureRule.Properties.Targets[0].DeadLetterConfig).toBeDefined();
    expect(shRule.Properties.Targets).toHaveLength(1);
    expect(shRule.Properties.Targets[0].DeadLetterConfig).toBeDefined();
    const [pageId] = functionOf(/Blastwall page/);
    // No rule that targets the page function also targets security-hub, and vice versa.
    for (const rule of rules) {
      const ids = JSON.stringify(rule.Properties.Targets);
      if (ids.includes(pageId)) expect(ids).not.toContain(functionOf(/security-hub/)[0]);
    }
    expect(shFunction.Properties.Environment.Variables.SECURITY_HUB_PRODUCT_ARN).toBeDefined();
    expect(resolve(shFunction.Properties.Environment.Variables.SECURITY_HUB_PRODUCT_ARN)).toBe(productArn);
  });

  it('may import findings into its own default product only', async () => {
    expect(await decide('securityhub:BatchImportFindings', productArn)).toBe('Allowed');
    expect(await decide('securityhub:BatchImportFindings', `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/aws/guardduty`)).toBe('ImplicitlyDenied');
    expect(await decide('securityhub:BatchImportFindings', `arn:aws:securityhub:${REGION}:111111111111:product/111111111111/default`)).toBe('ImplicitlyDenied');
  });

  it('may update findings only to set Workflow.Status RESOLVED', async () => {
    expect(await decide('securityhub:BatchUpdateFindings', hubArn, { 'securityhub:ASFFSyntaxPath/Workflow.Status': 'RESOLVED' })).toBe('Allowed');
    expect(await decide('securityhub:BatchUpdateFindings', hubArn, { 'securityhub:ASFFSyntaxPath/Workflow.Status': 'SUPPRESSED' })).toBe('ImplicitlyDenied');
    expect(await decide('securityhub:BatchUpdateFindings', hubArn, { 'securityhub:ASFFSyntaxPath/Severity.Label': 'INFORMATIONAL' })).toBe('ImplicitlyDenied');
  });

  it('can do nothing else in Security Hub, IAM, DynamoDB or Secrets Manager', async () => {
    expect(await decide('securityhub:DisableSecurityHub', hubArn)).toBe('ImplicitlyDenied');
    expect(await decide('securityhub:GetFindings', hubArn)).toBe('ImplicitlyDenied');
    expect(await decide('iam:UpdateAccessKey', `arn:aws:iam::${ACCOUNT}:user/x`)).toBe('ImplicitlyDenied');
    expect(await decide('secretsmanager:GetSecretValue', `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:blastwall/slack-abc`)).toBe('ImplicitlyDenied');
    const actions = (policy.Statement as Array<{ Action: string | string[] }>).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions.sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'securityhub:BatchImportFindings', 'securityhub:BatchUpdateFindings', 'sqs:SendMessage'].sort());
  });

  it('passes cdk-nag AwsSolutions with the integration enabled', () => {
    const report = new AwsSolutionsChecks(enabled.built.app).validateScope(enabled.built.app);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it('the handler bundles as CDK bundles it (esbuild, SDK external) and exports handler', async () => {
    const mod = await importAsBundled('functions/security-hub/handler.ts');
    expect(typeof mod['handler']).toBe('function');
  });
});
