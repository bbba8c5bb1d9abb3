/**
 * Security Hub end to end: the real @aws-sdk/client-securityhub against the loopback
 * stand-in. A finding is imported, updated as the response unfolds and resolved on
 * restore, with the same Id throughout; retries are bounded; a refused finding is
 * reported, not retried.
 */
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { replayFiles } from '../../bin/cli/replay-engine.ts';
import { EXAMPLE_CONFIG, parseConfig } from '../../functions/core/config.ts';
import type { Finding, ResponseAction } from '../../functions/core/finding.ts';
import { asffId, productArn } from '../../functions/core/formats/asff.ts';
import { DETAIL_TYPES } from '../../functions/core/telemetry-names.ts';
import { SecurityHubFindings, SECURITY_HUB_CLIENT_CONFIG } from '../../functions/adapters/security-hub.ts';
import { createSecurityHubService, versionTime } from '../../functions/security-hub/service.ts';
import { startSecurityHubStandIn, type SecurityHubStandIn } from '../standins/security-hub.ts';

const CENTRAL = '999999999999';
const target = { account: CENTRAL, region: 'eu-west-1' };
const credentials = (account = CENTRAL) => ({ accessKeyId: `AKIA${account}TEST`, secretAccessKey: 'stand-in-secret' });

let hub: SecurityHubStandIn;
let findings: Finding[];

beforeAll(async () => {
  hub = await startSecurityHubStandIn();
  findings = [];
  await replayFiles(['test/fixtures/scenarios/incident.json'], parseConfig(EXAMPLE_CONFIG), { onFinding: ({ finding }) => void findings.push(finding) });
});
afterAll(() => hub.close());
afterEach(() => hub.reset());

function client(account = CENTRAL) {
  return new SecurityHubClient({
    ...SECURITY_HUB_CLIENT_CONFIG,
    region: target.region,
    endpoint: hub.endpoint,
    credentials: credentials(account),
  });
}

function service(account = CENTRAL) {
  const rejected: string[] = [];
  const svc = createSecurityHubService({ hub: new SecurityHubFindings(client(account)), target, onRejected: (id) => void rejected.push(id) });
  return { svc, rejected };
}

/** The most severe finding of the incident scenario: the one Blastwall revokes for. */
function incidentFinding(): Finding {
  const revoking = findings.filter((f) => f.response.some((a) => a.status === 'planned' && a.action !== 'manual'));
  expect(revoking.length).toBeGreaterThan(0);
  return structuredClone(revoking.at(-1)!);
}

const later = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000).toISOString();

describe('Security Hub import through the real SDK client', () => {
  it('imports a finding, updates it as the response unfolds and resolves it on restore, same Id throughout', async () => {
    const { svc } = service();
    const finding = incidentFinding();
    const id = asffId(finding.id);

    // 1. The finding.
    expect(await svc.handle({ 'detail-type': DETAIL_TYPES.finding, detail: finding })).toMatchObject({ imported: true, resolved: false });
    const created = hub.get(id)!;
    expect(created.workflowStatus).toBe('NEW');
    expect(created.finding.ProductArn).toBe(`arn:aws:securityhub:eu-west-1:${CENTRAL}:product/${CENTRAL}/default`);
    expect(created.finding.AwsAccountId).toBe(CENTRAL);
    expect(created.finding.Severity.Label).toBe(finding.severity.toUpperCase());
    expect(hub.requests[0]).toMatchObject({ operation: 'BatchImportFindings', region: 'eu-west-1', service: 'securityhub', status: 200 });

    // 2. The response: revoked.
    const revokedAt = later(finding.time, 1);
    const actions: ResponseAction[] = finding.response.map((a) => (a.status === 'planned' && a.action !== 'manual' ? { ...a, status: 'done', at: revokedAt } : a));
    await svc.handle({ 'detail-type': DETAIL_TYPES.response, detail: { findingId: finding.id, finding: { ...finding, response: actions }, actions } });
    expect(hub.findings.size).toBe(1);
    expect(hub.get(id)!.versions).toBe(2);
    expect(hub.get(id)!.finding.UpdatedAt).toBe(new Date(revokedAt).toISOString());
    expect(hub.get(id)!.finding.Remediation.Recommendation.Text).toMatch(/: done/);

    // 3. A late redelivery of the original finding event cannot roll the state back.
    await svc.handle({ 'detail-type': DETAIL_TYPES.finding, detail: finding });
    expect(hub.get(id)!.versions).toBe(2);
    expect(hub.get(id)!.finding.Remediation.Recommendation.Text).toMatch(/: done/);

    // 4. Restore, approved in Slack: updated and RESOLVED.
    const restoredAt = later(finding.time, 30);
    const restoredActions = actions.map((a) =>
      a.status === 'done' ? { ...a, restored: { approver: { id: 'U012ABCDEF', name: 'Dana' }, reason: 'planned migration', at: restoredAt, status: 'done' as const } } : a,
    );
    const outcome = await svc.handle({
      'detail-type': DETAIL_TYPES.response,
      detail: {
        findingId: finding.id,
        finding: { ...finding, response: restoredActions },
        actions: restoredActions,
        restored: { at: restoredAt, by: 'Dana', approver: { id: 'U012ABCDEF', name: 'Dana' }, reason: 'planned migration', status: 'done', detail: '' },
      },
    });
    expect(outcome).toMatchObject({ imported: true, resolved: true });
    const resolved = hub.get(id)!;
    expect(resolved.workflowStatus).toBe('RESOLVED');
    expect(resolved.note?.Text).toBe('Credential restored by Dana: planned migration');
    expect(resolved.versions).toBe(3);
    expect(resolved.finding.Remediation.Recommendation.Text).toMatch(/restored \(done\)/);
    expect(hub.findings.size).toBe(1);
    const update = hub.requests.find((r) => r.operation === 'BatchUpdateFindings')!;
    expect(update.body.FindingIdentifiers).toEqual([{ Id: id, ProductArn: productArn(target) }]);
    expect(update.body.Workflow).toEqual({ Status: 'RESOLVED' });
  });

  it('imports a Posture Finding (scheduled audit, backup watchdog) like a finding', async () => {
    const { svc } = service();
    const posture = { ...incidentFinding(), id: 'f-posture-0000000000001', eventName: 'Posture', response: [] };
    expect(await svc.handle({ 'detail-type': DETAIL_TYPES.postureFinding, detail: posture })).toMatchObject({ imported: true, resolved: false });
    expect(hub.get(asffId(posture.id))?.workflowStatus).toBe('NEW');
  });

  it('a failed restore does not resolve the finding', async () => {
    const { svc } = service();
    const finding = incidentFinding();
    await svc.handle({ 'detail-type': DETAIL_TYPES.finding, detail: finding });
    await svc.handle({
      'detail-type': DETAIL_TYPES.response,
      detail: { findingId: finding.id, finding, actions: finding.response, restored: { status: 'failed', by: 'Dana', reason: 'x', at: later(finding.time, 5) } },
    });
    expect(hub.get(asffId(finding.id))!.workflowStatus).toBe('NEW');
    expect(hub.requests.some((r) => r.operation === 'BatchUpdateFindings')).toBe(false);
  });

  it('retries throttling and 5xx with the SDK standard strategy, at most 3 attempts, then throws (Lambda retries, then the DLQ)', async () => {
    const { svc } = service();
    const finding = incidentFinding();
    hub.fail('BatchImportFindings', { status: 429, code: 'TooManyRequestsException' }, 1);
    hub.fail('BatchImportFindings', { status: 500, code: 'InternalException' }, 1);
    expect(await svc.handle({ 'detail-type': DETAIL_TYPES.finding, detail: finding })).toMatchObject({ imported: true });
    expect(hub.requests.map((r) => r.status)).toEqual([429, 500, 200]);

    hub.findings.clear();
    hub.requests.length = 0;
    hub.fail('BatchImportFindings', { status: 503, code: 'ServiceUnavailable' }, 3);
    await expect(svc.handle({ 'detail-type': DETAIL_TYPES.finding, detail: finding })).rejects.toThrow();
    expect(hub.requests).toHaveLength(3);
    expect(hub.findings.size).toBe(0);
  }, 30_000);

  it('a finding Security Hub refuses is reported and not retried', async () => {
    // Signed by another account than the finding's AwsAccountId: the default product refuses it.
    const { svc, rejected } = service('111111111111');
    const finding = incidentFinding();
    const outcome = await svc.handle({ 'detail-type': DETAIL_TYPES.finding, detail: finding });
    expect(outcome.rejected).toMatch(/InvalidInput: the default product imports findings of the calling account only/);
    expect(rejected).toEqual([finding.id]);
    expect(hub.requests).toHaveLength(1);
  });

  it('ignores other and malformed events without calling Security Hub', async () => {
    const { svc } = service();
    expect(await svc.handle({ 'detail-type': DETAIL_TYPES.restoreRequested, detail: {} })).toEqual({ ignored: `detail-type ${DETAIL_TYPES.restoreRequested}` });
    expect(await svc.handle({ 'detail-type': DETAIL_TYPES.finding, detail: { id: 42 } })).toEqual({ ignored: 'malformed finding' });
    expect(await svc.handle({ 'detail-type': DETAIL_TYPES.response, detail: 'x' })).toEqual({ ignored: 'malformed response' });
    expect(hub.requests).toHaveLength(0);
  });

  it('versionTime is the newest time the finding knows', () => {
    const finding = incidentFinding();
    expect(versionTime(finding)).toBe(new Date(Math.max(...[finding.time, ...finding.recentEvents.map((e) => e.time)].map((t) => Date.parse(t)))).toISOString());
  });
});

describe('the security-hub Lambda handler', () => {
  it('reads its product ARN and imports through the SDK, signed for securityhub in that region', async () => {
    const env = { ...process.env };
    Object.assign(process.env, {
      SECURITY_HUB_PRODUCT_ARN: `arn:aws:securityhub:eu-west-1:${CENTRAL}:product/${CENTRAL}/default`,
      BLASTWALL_SECURITYHUB_URL: hub.endpoint,
      AWS_ACCESS_KEY_ID: credentials().accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials().secretAccessKey,
      AWS_REGION: 'eu-west-1',
    });
    try {
      const { handler, targetFromProductArn } = await import('../../functions/security-hub/handler.ts');
      const finding = incidentFinding();
      const out = await handler({ 'detail-type': DETAIL_TYPES.finding, detail: finding } as never);
      expect(out).toMatchObject({ findingId: finding.id, imported: true });
      expect(hub.requests[0]).toMatchObject({ operation: 'BatchImportFindings', service: 'securityhub', region: 'eu-west-1' });
      expect(() => targetFromProductArn(`arn:aws:securityhub:eu-west-1:${CENTRAL}:product/111111111111/default`)).toThrow(/default product ARN/);
    } finally {
      process.env = env;
    }
  });
});
