/**
 * Issue 15, item 1: no immunity by name. Blastwall's own roles are protected by exact ARN,
 * computed from the config by one function (functions/core/response/own-principals.ts) for
 * every door: the roles the CDK stacks create, the member responder's own deny, respond
 * (with the environment the central stack gives it) and `blastwall replay` (the pipeline,
 * no environment) protect the same roles — and a role an attacker names
 * `Blastwall-anything` is protected by none of them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Credential } from '../../functions/core/audit-event.ts';
import { planResponse } from '../../functions/core/response/plan.ts';
import { parseOwnRoleArns } from '../../functions/core/response/protected.ts';
import { memberRegions, ownMemberResourceArns, ownRoleArns } from '../../functions/core/response/own-principals.ts';
import { ENV_VARS } from '../../functions/core/telemetry-names.ts';
import { exampleConfig, flat, synthesise, type Synthesised } from '../infra/support.ts';
import { NOW, makeFinding } from './fixtures.ts';

const MEMBER = '333333333333';
let s: Synthesised;
const loaded = exampleConfig();
const config = loaded.config;

beforeAll(() => {
  s = synthesise(loaded);
});

/** Resolves the pseudo parameters of a synthesised ARN for one account/region. */
function resolve(text: string, account: string, region = 'us-east-1'): string {
  return text.replaceAll('${AWS::Partition}', 'aws').replaceAll('${AWS::AccountId}', account).replaceAll('${AWS::Region}', region);
}

/** Every role name the stacks create, as ARNs in the accounts they are created in. */
function createdRoleArns(): string[] {
  const central = loaded.deployment.centralAccount;
  const out: string[] = [];
  const roles = (t: Synthesised['central']) => Object.values(t.findResources('AWS::IAM::Role')).map((r) => r.Properties?.RoleName).filter(Boolean).map(flat);
  for (const name of roles(s.central)) out.push(`arn:aws:iam::${central}:role/${resolve(name, central)}`);
  for (const region of memberRegions(config)) for (const name of roles(s.memberTemplate)) out.push(`arn:aws:iam::${MEMBER}:role/${resolve(name, MEMBER, region)}`);
  return [...new Set(out)].sort();
}

function roleSession(roleArn: string): Credential {
  const [, , , , account, resource] = roleArn.split(':');
  const name = resource!.split('/').pop()!;
  return { type: 'role-session', accessKeyId: 'ASIAOWNROLESESSION01', arn: `arn:aws:sts::${account}:assumed-role/${name}/s`, issuerArn: roleArn, accountId: account, principalName: name, homeEnvironment: 'production' };
}

describe('no immunity by name (issue 15 item 1)', () => {
  it('the stacks create exactly the roles the one function lists', () => {
    const created = createdRoleArns();
    // Central: the four function roles, the two prevention roles and the two history roles; member: a forwarder per region, the responder, the audit reader and the history reader.
    expect(created).toHaveLength(8 + memberRegions(config).length + 3);
    const listed = ownRoleArns(config, 'aws', { memberAccount: MEMBER }).sort();
    expect(created).toEqual(listed);
  });

  it('respond (with the central stack\'s environment) and replay (the pipeline passes no list) protect every created role, and nothing named alike', async () => {
    const env = Object.values(s.central.findResources('AWS::Lambda::Function')).map((f) => f.Properties.Environment.Variables[ENV_VARS.ownRoleArns]).map(flat);
    const respondEnv = parseOwnRoleArns(resolve(env[0]!, loaded.deployment.centralAccount));
    const doors = {
      respond: (c: Credential) => planResponse(makeFinding({ credential: c, account: c.accountId! }), { config, ownRoleArns: respondEnv, now: NOW }),
      replay: (c: Credential) => planResponse(makeFinding({ credential: c, account: c.accountId! }), { config, now: NOW }),
    };
    for (const arn of createdRoleArns()) {
      for (const [door, plan] of Object.entries(doors)) expect(plan(roleSession(arn))[0], `${door}: ${arn}`).toMatchObject({ status: 'skipped', code: 'protected' });
    }
    for (const name of ['Blastwall-anything', 'Blastwall-forwarder-evil', 'BlastwallResponder2', 'Blastwall-detect-function-x']) {
      for (const [door, plan] of Object.entries(doors)) expect(plan(roleSession(`arn:aws:iam::${MEMBER}:role/${name}`))[0], `${door}: ${name}`).toMatchObject({ status: 'planned' });
    }
  });

  it('the member responder\'s own deny lists exactly the same ARNs (this account\'s responder and forwarders, the central function roles)', () => {
    const role = Object.values(s.memberTemplate.findResources('AWS::IAM::Role')).find((r) => flat(r.Properties.RoleName) === 'BlastwallResponder')!;
    const statements = role.Properties.Policies.flatMap((p: { PolicyDocument: { Statement: { Sid?: string; Resource: unknown[] }[] } }) => p.PolicyDocument.Statement);
    const deny = statements.find((st: { Sid?: string }) => st.Sid === 'NeverTouchBlastwall')!;
    const denied = (deny.Resource as unknown[]).map((r) => resolve(flat(r), MEMBER)).sort();
    expect(denied).toEqual(ownRoleArns(config, 'aws', { memberAccount: MEMBER }).sort());
  });
});

describe('member topology: created = listed = denied', () => {
  const memberLoaded = exampleConfig((raw) => (raw.deployment.topology = 'member'));
  const memberConfig = memberLoaded.config;
  let m: Synthesised;
  beforeAll(() => {
    m = synthesise(memberLoaded, { context: { centralTableName: 'Blastwall-Central-State-TEST' } });
  });
  const roles = (t: Synthesised['central']) => Object.values(t.findResources('AWS::IAM::Role')).map((r) => r.Properties?.RoleName).filter(Boolean).map(flat);

  it('the stacks create exactly the roles the one function lists: member detect and heartbeat per region and the central config reader, and forwarders where members still forward', () => {
    const central = memberLoaded.deployment.centralAccount;
    // Members run detect, or (-c memberTopology=central, e.g. the StackSet) still forward: the central stack admits both.
    const forwarding = synthesise(memberLoaded, { context: { centralTableName: 'Blastwall-Central-State-TEST', memberTopology: 'central' } });
    const created = [
      ...roles(m.central).map((name) => `arn:aws:iam::${central}:role/${resolve(name, central)}`),
      ...memberRegions(memberConfig).flatMap((region) => [...roles(m.memberTemplate), ...roles(forwarding.memberTemplate)].map((name) => `arn:aws:iam::${MEMBER}:role/${resolve(name, MEMBER, region)}`)),
    ];
    const unique = [...new Set(created)].sort();
    expect(unique).toHaveLength(9 + memberRegions(memberConfig).length * 3 + 3);
    expect(roles(m.memberTemplate).some((n) => n.includes('forwarder'))).toBe(false);
    expect(unique).toEqual(ownRoleArns(memberConfig, 'aws', { memberAccount: MEMBER }).sort());
    // …and each is protected from revocation (respond and replay compute the same list).
    for (const arn of unique) expect(planResponse(makeFinding({ credential: roleSession(arn), account: MEMBER }), { config: memberConfig, now: NOW })[0], arn).toMatchObject({ status: 'skipped', code: 'protected' });
  });

  it("the member responder's own deny lists exactly the same ARNs", () => {
    const role = Object.values(m.memberTemplate.findResources('AWS::IAM::Role')).find((r) => flat(r.Properties.RoleName) === 'BlastwallResponder')!;
    const statements = role.Properties.Policies.flatMap((p: { PolicyDocument: { Statement: { Sid?: string; Resource: unknown[] }[] } }) => p.PolicyDocument.Statement);
    const deny = statements.find((st: { Sid?: string }) => st.Sid === 'NeverTouchBlastwall')!;
    expect((deny.Resource as unknown[]).map((r) => resolve(flat(r), MEMBER)).sort()).toEqual(ownRoleArns(memberConfig, 'aws', { memberAccount: MEMBER }).sort());
  });

  it('the member functions and rule are named exactly as own-principals lists them', () => {
    const fns = Object.values(m.member.findResources('AWS::Lambda::Function')).map((f) => flat(f.Properties.FunctionName)).filter((n) => n !== 'undefined' && n !== '');
    const rules = Object.values(m.member.findResources('AWS::Events::Rule')).map((r) => r.Properties.Name).filter(Boolean);
    const listed = ownMemberResourceArns(memberConfig).filter((a) => a.split(':')[3] === 'us-east-1');
    expect([...fns.map((n) => `arn:aws:lambda:us-east-1:*:function:${n}`), ...rules.map((n: string) => `arn:aws:events:us-east-1:*:rule/${n}`)].sort()).toEqual(listed.sort());
  });
});
