import { describe, expect, it } from 'vitest';
import { planResponse, describeApiCall, stricterMode } from '../../functions/core/response/plan.ts';
import { REVOKE_POLICY_NAME, cutoffOfDocument, revocationCutoff } from '../../functions/core/response/policy-document.ts';
import { ACTION_CODES } from '../../functions/core/response/codes.ts';
import { inexactOwnRoleArns } from '../../functions/core/response/protected.ts';
import { DEV, NOW, NOW_CUTOFF, PROD, PROD_KEY, STAGING, STAGING_KEY, makeFinding, prodKeyCredential, prodRoleSession, stagingKeyCredential, testConfig } from './fixtures.ts';

const ctx = (overrides: Partial<Parameters<typeof planResponse>[1]> = {}) => ({ config: testConfig(), now: NOW, ...overrides });

describe('planResponse: the revocation per credential kind', () => {
  it('AKIA key: UpdateAccessKey Inactive on exactly that key of that user, in its account', () => {
    const actions = planResponse(makeFinding(), ctx());
    expect(actions).toHaveLength(1);
    const [a] = actions;
    expect(a).toMatchObject({
      action: 'iam:UpdateAccessKey',
      target: PROD_KEY,
      account: PROD,
      mode: 'enforce',
      status: 'planned',
      apiCall: { service: 'iam', operation: 'UpdateAccessKey', input: { UserName: 'ci-deployer', AccessKeyId: PROD_KEY, Status: 'Inactive' } },
      undo: `aws iam update-access-key --user-name ci-deployer --access-key-id ${PROD_KEY} --status Active`,
    });
    expect(describeApiCall(a!)).toBe(`iam:UpdateAccessKey {"UserName":"ci-deployer","AccessKeyId":"${PROD_KEY}","Status":"Inactive"} in account ${PROD}`);
  });

  it('role session: inline deny on the issuing role with aws:TokenIssueTime before now (rounded up)', () => {
    const [a, ...rest] = planResponse(makeFinding({ credential: prodRoleSession() }), ctx());
    expect(rest).toHaveLength(0);
    expect(a).toMatchObject({ action: 'iam:PutRolePolicy', target: `arn:aws:iam::${PROD}:role/ProdDeploy`, account: PROD, status: 'planned' });
    const input = a!.apiCall!.input as Record<string, string>;
    expect(input.RoleName).toBe('ProdDeploy');
    expect(input.PolicyName).toBe(REVOKE_POLICY_NAME);
    expect(JSON.parse(input.PolicyDocument!)).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'BlastwallRevokeOlderSessions', Effect: 'Deny', Action: ['*'], Resource: ['*'], Condition: { DateLessThan: { 'aws:TokenIssueTime': NOW_CUTOFF } } },
      ],
    });
    expect(describeApiCall(a!)).toContain('"PolicyDocument":{"Version":"2012-10-17"');
  });

  it('user session (GetSessionToken): deny on the user plus the minting key from lineage', () => {
    const finding = makeFinding({
      credential: { type: 'user-session', accessKeyId: 'ASIASESSIONTOKEN0001', arn: `arn:aws:iam::${PROD}:user/ci-deployer`, accountId: PROD, principalName: 'ci-deployer', homeEnvironment: 'production' },
      lineage: [prodKeyCredential()],
    });
    const actions = planResponse(finding, ctx());
    expect(actions.map((a) => [a.action, a.target, a.status])).toEqual([
      ['iam:PutUserPolicy', `arn:aws:iam::${PROD}:user/ci-deployer`, 'planned'],
      ['iam:UpdateAccessKey', PROD_KEY, 'planned'],
    ]);
    expect(actions[0]!.apiCall!.input).toMatchObject({ UserName: 'ci-deployer', PolicyName: REVOKE_POLICY_NAME });
  });

  it('federated user session (GetFederationToken): the deny goes on the issuing IAM user', () => {
    const finding = makeFinding({
      credential: {
        type: 'user-session',
        accessKeyId: 'ASIAFEDERATIONTOK001',
        arn: `arn:aws:sts::${PROD}:federated-user/ops-bot`,
        issuerArn: `arn:aws:iam::${PROD}:user/ops-user`,
        accountId: PROD,
        principalName: 'ops-user',
        homeEnvironment: 'production',
      },
    });
    const actions = planResponse(finding, ctx());
    expect(actions[0]).toMatchObject({ action: 'iam:PutUserPolicy', target: `arn:aws:iam::${PROD}:user/ops-user`, apiCall: { input: { UserName: 'ops-user' } } });
    // The minting key is unknown: a manual step says which commands find and disable it.
    expect(actions[1]).toMatchObject({ action: 'manual', status: 'skipped', code: ACTION_CODES.notRevocable, escalate: true });
    expect(actions[1]!.detail).toContain('aws iam list-access-keys --user-name ops-user');
  });

  it('a session whose lineage leads to a key in another environment: both ends are revoked', () => {
    const finding = makeFinding({ credential: prodRoleSession(), lineage: [stagingKeyCredential()] });
    const actions = planResponse(finding, ctx());
    expect(actions.map((a) => [a.action, a.account, a.target])).toEqual([
      ['iam:PutRolePolicy', PROD, `arn:aws:iam::${PROD}:role/ProdDeploy`],
      ['iam:UpdateAccessKey', STAGING, STAGING_KEY],
    ]);
    expect(actions[1]!.detail).toContain('lineage');
  });

  it('revoke the source (issue 15 item 2): a production key that assumed a production role is deactivated with the role\'s sessions', () => {
    // Same environment: revoking the role's sessions alone lets the key assume the role again 20 s later.
    const finding = makeFinding({ credential: prodRoleSession(), lineage: [prodKeyCredential()] });
    const actions = planResponse(finding, ctx());
    expect(actions.map((a) => [a.action, a.account, a.target, a.status])).toEqual([
      ['iam:PutRolePolicy', PROD, `arn:aws:iam::${PROD}:role/ProdDeploy`, 'planned'],
      ['iam:UpdateAccessKey', PROD, PROD_KEY, 'planned'],
    ]);
    expect(actions[1]!.detail).toContain('which can mint it again');
  });

  it('role chaining: the older sessions of every role in the chain are ended, and the key at its root deactivated', () => {
    const roleA = { ...prodRoleSession(), accessKeyId: 'ASIACHAINROLEA000001', arn: `arn:aws:sts::${PROD}:assumed-role/ChainA/s1`, issuerArn: `arn:aws:iam::${PROD}:role/ChainA`, principalName: 'ChainA', sessionName: 's1' };
    const finding = makeFinding({ credential: prodRoleSession(), lineage: [roleA, prodKeyCredential()] });
    expect(planResponse(finding, ctx()).map((a) => [a.action, a.target, a.status])).toEqual([
      ['iam:PutRolePolicy', `arn:aws:iam::${PROD}:role/ProdDeploy`, 'planned'],
      ['iam:PutRolePolicy', `arn:aws:iam::${PROD}:role/ChainA`, 'planned'],
      ['iam:UpdateAccessKey', PROD_KEY, 'planned'],
    ]);
  });

  it('a source no API can revoke (a federated identity) is a manual step that escalates; a user session source also loses its minting key', () => {
    const federated = { type: 'federated' as const, arn: `arn:aws:sts::${PROD}:assumed-role/WebIdentityRole/sub-123`, accountId: PROD, principalName: 'accounts.google.com', homeEnvironment: 'production' };
    const finding = makeFinding({ credential: prodRoleSession(), lineage: [federated] });
    const actions = planResponse(finding, ctx());
    expect(actions[1]).toMatchObject({ action: 'manual', status: 'skipped', code: ACTION_CODES.notRevocable, escalate: true });
    expect(actions[1]!.detail).toContain('identity provider');
    const userSession = { type: 'user-session' as const, accessKeyId: 'ASIASESSIONTOKEN0002', arn: `arn:aws:iam::${PROD}:user/ci-deployer`, accountId: PROD, principalName: 'ci-deployer', homeEnvironment: 'production' };
    const chained = makeFinding({ credential: prodRoleSession(), lineage: [userSession, prodKeyCredential()] });
    expect(planResponse(chained, ctx()).map((a) => [a.action, a.target])).toEqual([
      ['iam:PutRolePolicy', `arn:aws:iam::${PROD}:role/ProdDeploy`],
      ['iam:PutUserPolicy', `arn:aws:iam::${PROD}:user/ci-deployer`],
      ['iam:UpdateAccessKey', PROD_KEY],
    ]);
  });

  it.each([
    ['root', { type: 'root', arn: `arn:aws:iam::${PROD}:root`, accountId: PROD, homeEnvironment: 'production' }, 'Root access management'],
    [
      'identity-center',
      {
        type: 'identity-center',
        arn: `arn:aws:sts::${PROD}:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/jane@example.com`,
        issuerArn: `arn:aws:iam::${PROD}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0123456789abcdef`,
        accountId: PROD,
        principalName: 'AWSReservedSSO_AdministratorAccess_0123456789abcdef',
        sessionName: 'jane@example.com',
        homeEnvironment: 'production',
      },
      'Permission sets → AdministratorAccess',
    ],
    [
      'service-linked role',
      {
        type: 'aws-service',
        arn: `arn:aws:sts::${PROD}:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling`,
        issuerArn: `arn:aws:iam::${PROD}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
        accountId: PROD,
        principalName: 'AWSServiceRoleForAutoScaling',
        homeEnvironment: 'production',
      },
      'aws iam delete-service-linked-role --role-name AWSServiceRoleForAutoScaling',
    ],
    ['AWS service', { type: 'aws-service', invokedBy: 'cloudformation.amazonaws.com', homeEnvironment: 'unknown' }, 'cloudformation.amazonaws.com'],
    ['federated', { type: 'federated', arn: `arn:aws:sts::${PROD}:saml-user/jane`, accountId: PROD, homeEnvironment: 'production' }, 'identity provider'],
    ['anonymous', { type: 'anonymous', homeEnvironment: 'unknown' }, 'resource policy'],
    ['unknown', { type: 'unknown', homeEnvironment: 'unknown' }, 'CloudTrail → Event history'],
  ] as const)('%s: no pretend revocation — manual, with why and the exact steps, escalating the page', (_name, credential, step) => {
    const actions = planResponse(makeFinding({ credential: { ...credential } as never }), ctx());
    expect(actions).toHaveLength(1);
    const [a] = actions;
    expect(a).toMatchObject({ action: 'manual', status: 'skipped', code: ACTION_CODES.notRevocable, escalate: true });
    expect(a!.apiCall).toBeUndefined();
    expect(a!.detail).toContain(step);
    expect(describeApiCall(a!)).toMatch(/^manual in account /);
  });

  it('console session of an IAM user: deny on the user and a manual step for the password', () => {
    const actions = planResponse(
      makeFinding({ credential: { type: 'console-session', arn: `arn:aws:iam::${PROD}:user/alice`, accountId: PROD, principalName: 'alice', homeEnvironment: 'production' } }),
      ctx(),
    );
    expect(actions.map((a) => a.action)).toEqual(['iam:PutUserPolicy', 'manual']);
    expect(actions[1]!.detail).toContain('aws iam delete-login-profile --user-name alice');
  });

  it('the recorded ARNs name the principal: a bare name that disagrees loses; ARNs that disagree are never guessed between', () => {
    const [arnsWin] = planResponse(makeFinding({ credential: { ...prodRoleSession(), principalName: 'SomethingElse' } }), ctx());
    expect(arnsWin!.apiCall!.input.RoleName).toBe('ProdDeploy');
    const [caseOnly] = planResponse(makeFinding({ credential: { ...prodRoleSession(), principalName: 'proddeploy' } }), ctx());
    expect(caseOnly!.apiCall!.input.RoleName).toBe('ProdDeploy');
    const [conflict] = planResponse(
      makeFinding({ credential: { ...prodRoleSession(), arn: `arn:aws:sts::${PROD}:assumed-role/BreakGlassAdmin/s` } }),
      ctx(),
    );
    expect(conflict).toMatchObject({ action: 'manual', code: ACTION_CODES.notRevocable });
    expect(conflict!.detail).toContain('recorded inconsistently');
    const [userConflict] = planResponse(makeFinding({ credential: { ...prodKeyCredential(), principalName: 'someone-else' } }), ctx());
    expect(userConflict!.apiCall!.input.UserName).toBe('ci-deployer');
  });

  it('a finding missing what the call needs becomes a manual step, never a malformed call', () => {
    const actions = planResponse(makeFinding({ credential: { type: 'access-key', accessKeyId: PROD_KEY, accountId: PROD, homeEnvironment: 'production' } }), ctx());
    expect(actions[0]).toMatchObject({ action: 'manual', code: ACTION_CODES.notRevocable });
    expect(actions[0]!.detail).toContain('IAM user name');
    const bad = planResponse(
      makeFinding({ credential: { type: 'access-key', accessKeyId: PROD_KEY, accountId: PROD, principalName: 'x"}],"Status":"Active', homeEnvironment: 'production' } }),
      ctx(),
    );
    expect(bad[0]!.action).toBe('manual');
  });
});

describe('planResponse: policy', () => {
  it('protected principals from config are skipped with the pattern named', () => {
    const finding = makeFinding({
      credential: { ...prodRoleSession(), issuerArn: `arn:aws:iam::${PROD}:role/BreakGlassAdmin`, principalName: 'BreakGlassAdmin', arn: `arn:aws:sts::${PROD}:assumed-role/BreakGlassAdmin/s` },
    });
    const [a] = planResponse(finding, ctx());
    expect(a).toMatchObject({ status: 'skipped', code: ACTION_CODES.protected, action: 'iam:PutRolePolicy' });
    expect(a!.detail).toContain('arn:aws:iam::*:role/BreakGlass*');
  });

  it("Blastwall's own roles (exact ARNs from the config, the env list and the responder role) are never revoked", () => {
    const session = (role: string, account = PROD) =>
      makeFinding({ credential: { ...prodRoleSession(), accountId: account, issuerArn: `arn:aws:iam::${account}:role/${role}`, principalName: role, arn: `arn:aws:sts::${account}:assumed-role/${role}/x` } });
    for (const role of ['Blastwall-respond-function', 'Blastwall-detect-function', 'Blastwall-forwarder-us-east-1', 'BlastwallResponder']) {
      const [a] = planResponse(session(role), ctx());
      expect(a, role).toMatchObject({ status: 'skipped', code: 'protected' });
    }
    expect(planResponse(session('BlastwallResponder'), ctx())[0]!.detail).toContain('responder role');
    expect(planResponse(session('blastwall-respond-fn'), ctx({ ownRoleArns: ['arn:aws:iam::*:role/blastwall-respond-fn'] }))[0]).toMatchObject({ status: 'skipped', code: 'protected' });
  });

  it('no immunity by name (issue 15 item 1): a role an attacker named Blastwall-anything, or a name glob, protects nothing', () => {
    const attacker = makeFinding({
      credential: { ...prodRoleSession(), issuerArn: `arn:aws:iam::${PROD}:role/Blastwall-anything`, principalName: 'Blastwall-anything', arn: `arn:aws:sts::${PROD}:assumed-role/Blastwall-anything/x` },
    });
    expect(planResponse(attacker, ctx())[0]).toMatchObject({ action: 'iam:PutRolePolicy', status: 'planned' });
    // What the central stack used to pass: name globs. They no longer make anything immune.
    expect(planResponse(attacker, ctx({ ownRoleArns: ['arn:aws:iam::*:role/Blastwall*', 'arn:aws:iam::*:role/BlastwallResponder'] }))[0]).toMatchObject({ status: 'planned' });
    expect(inexactOwnRoleArns(['arn:aws:iam::*:role/Blastwall*', `arn:aws:iam::${PROD}:role/Blastwall-page-function`])).toEqual(['arn:aws:iam::*:role/Blastwall*']);
  });

  it('a protected end of the lineage is skipped while the other end is revoked', () => {
    const finding = makeFinding({
      credential: prodRoleSession(),
      lineage: [{ ...stagingKeyCredential(), arn: `arn:aws:iam::${STAGING}:user/stg-dev` }],
    });
    const config = testConfig({ protectedPrincipals: [`arn:aws:iam::${STAGING}:user/stg-*`] });
    const actions = planResponse(finding, { config, now: NOW });
    expect(actions.map((a) => a.status)).toEqual(['planned', 'skipped']);
    expect(actions[1]!.code).toBe('protected');
  });

  it('page-only environments never revoke; the stricter of the finding and the target account wins', () => {
    const config = testConfig({
      environments: [
        { name: 'staging', accounts: [STAGING], sensitivity: 'low', response: 'page-only' },
        { name: 'production', accounts: [PROD], sensitivity: 'high', response: 'enforce' },
      ],
    });
    const finding = makeFinding({ credential: prodRoleSession(), lineage: [stagingKeyCredential()] });
    const actions = planResponse(finding, { config, now: NOW });
    expect(actions.map((a) => [a.mode, a.status, a.code])).toEqual([
      ['enforce', 'planned', undefined],
      ['page-only', 'skipped', 'page-only'],
    ]);
    const pageOnlyFinding = planResponse(makeFinding({ mode: 'page-only' }), { config, now: NOW });
    expect(pageOnlyFinding[0]).toMatchObject({ mode: 'page-only', status: 'skipped', code: 'page-only' });
    expect(stricterMode('enforce', 'dry-run')).toBe('dry-run');
    expect(stricterMode('page-only', 'dry-run')).toBe('page-only');
  });

  it('dry-run stays planned (replay shows what it would do) with mode dry-run', () => {
    const finding = makeFinding({
      account: DEV,
      environment: 'development',
      mode: 'dry-run',
      credential: { ...prodKeyCredential(), accountId: DEV, arn: `arn:aws:iam::${DEV}:user/dev`, principalName: 'dev', homeEnvironment: 'development' },
    });
    expect(planResponse(finding, ctx())[0]).toMatchObject({ mode: 'dry-run', status: 'planned', account: DEV });
  });

  it('below response.revokeAtSeverity: skipped with the threshold named; manual steps do not escalate', () => {
    const [a] = planResponse(makeFinding({ severity: 'medium' }), ctx());
    expect(a).toMatchObject({ status: 'skipped', code: ACTION_CODES.belowThreshold });
    expect(a!.detail).toContain('below response.revokeAtSeverity (high)');
    const [root] = planResponse(makeFinding({ severity: 'low', credential: { type: 'root', accountId: PROD, homeEnvironment: 'production' } }), ctx());
    expect(root!.escalate).toBeUndefined();
  });

  it('is pure and deterministic: same input, same plan', () => {
    const finding = makeFinding({ credential: prodRoleSession(), lineage: [stagingKeyCredential()] });
    expect(planResponse(finding, ctx())).toEqual(planResponse(finding, ctx()));
    expect(finding.response).toEqual([]);
  });

  it('rounds the cut-off up to the next whole second, and reads it back from an IAM (URL-encoded) document', () => {
    expect(revocationCutoff(new Date('2026-11-25T10:00:05.000Z'))).toBe('2026-11-25T10:00:05Z');
    expect(revocationCutoff(new Date('2026-11-25T10:00:05.001Z'))).toBe('2026-11-25T10:00:06Z');
    const doc = planResponse(makeFinding({ credential: prodRoleSession() }), ctx())[0]!.apiCall!.input.PolicyDocument as string;
    expect(cutoffOfDocument(encodeURIComponent(doc))).toBe(NOW_CUTOFF);
    expect(cutoffOfDocument('{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}')).toBeUndefined();
  });
});
