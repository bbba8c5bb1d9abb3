/**
 * The reconciler's scope (functions/core/detection/reconcile-scope.ts) is derived from
 * the detector's own tables: every catalogue entry, creation, minting call and what the
 * self-protection signal judges is in it; detect's side (a normalised event) and the
 * reconciler's side (the raw record LookupEvents returns) judge every record alike.
 */
import { describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG, parseConfig } from '../../functions/core/config.ts';
import type { AuditEvent } from '../../functions/core/audit-event.ts';
import { createEnvironmentResolver } from '../../functions/core/environment.ts';
import { normaliseRecord } from '../../functions/core/normalise.ts';
import { CATALOGUE, CREATION_CATALOGUE } from '../../functions/core/detection/catalogue.ts';
import { mattersForReconcile, recordMattersForReconcile, reconcileScope } from '../../functions/core/detection/reconcile-scope.ts';
import { selfProtection } from '../../functions/core/detection/self-protection.ts';
import type { History } from '../../functions/core/detection/signals.ts';
import { detailsMatter, mintedKey } from '../../functions/core/detection/state-plan.ts';
import { generate } from '../../bench/generate.ts';
import { ciWriteRecord, stratusRecords } from './support.ts';

const config = parseConfig(EXAMPLE_CONFIG);
const resolver = createEnvironmentResolver(config);

const record = (eventSource: string, eventName: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ciWriteRecord(eventSource, eventName, extra);

function normalised(raw: Record<string, unknown>): AuditEvent {
  const result = normaliseRecord(raw, resolver);
  if (!result.ok) throw new Error(`${String(raw.eventName)}: ${result.reason}`);
  return result.event;
}

/** Both sides, which must agree. */
function judged(raw: Record<string, unknown>, rules?: Parameters<typeof mattersForReconcile>[1]): boolean {
  const byRecord = recordMattersForReconcile(raw, rules);
  expect(mattersForReconcile(normalised(raw), rules), `${String(raw.eventSource)}:${String(raw.eventName)} judged alike on both sides`).toBe(byRecord);
  return byRecord;
}

describe('the reconciler’s scope', () => {
  it('holds every catalogue entry and every creation (both sides)', () => {
    const entries = [...CATALOGUE, ...CREATION_CATALOGUE];
    expect(entries.length).toBeGreaterThan(100);
    for (const entry of entries) for (const name of entry.eventNames) expect(judged(record(entry.eventSource, name)), `${entry.eventSource}:${name}`).toBe(true);
    // Lambda records versioned names; the catalogue says UpdateFunctionCode.
    expect(judged(record('lambda.amazonaws.com', 'UpdateFunctionCode20150331v2'))).toBe(true);
  });

  it('holds every call whose details the detector reads (session minting, console sign-in): STS’s and sign-in’s whole write API checked against detailsMatter and mintedKey', () => {
    const minted = { credentials: { accessKeyId: 'ASIAMINTED0000000001', expiration: 'Nov 2, 2026, 12:00:00 PM' }, assumedRoleUser: { arn: 'arn:aws:sts::333333333333:assumed-role/r/s' } };
    const names: Array<[string, string]> = [
      ...['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity', 'AssumeRoot', 'DecodeAuthorizationMessage', 'GetAccessKeyInfo', 'GetCallerIdentity', 'GetDelegatedAccessToken', 'GetFederationToken', 'GetSessionToken', 'GetWebIdentityToken'].map(
        (n): [string, string] => ['sts.amazonaws.com', n],
      ),
      ...['ConsoleLogin', 'CheckMfa', 'SwitchRole', 'ExitRole', 'RenewRole', 'CredentialChallenge', 'CredentialVerification', 'PasswordUpdated', 'UserAuthentication'].map((n): [string, string] => ['signin.amazonaws.com', n]),
    ];
    let read = 0;
    for (const [source, name] of names) {
      const event = normalised(record(source, name, { responseElements: minted }));
      if (detailsMatter(event) || mintedKey(event) !== undefined) {
        read++;
        expect(mattersForReconcile(event), `${source}:${name}`).toBe(true);
      }
    }
    expect(read).toBeGreaterThanOrEqual(6);
    for (const name of ['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity', 'GetSessionToken', 'GetFederationToken']) expect(judged(record('sts.amazonaws.com', name))).toBe(true);
    expect(judged(record('iam.amazonaws.com', 'CreateAccessKey'))).toBe(true);
  });

  it('holds every IAM and EventBridge write the self-protection signal judges', () => {
    const history = { settings: { ownResourcePrefix: 'Blastwall' } } as unknown as History;
    const ownRole = { type: 'AssumedRole', arn: 'arn:aws:sts::333333333333:assumed-role/BlastwallRespond/blastwall-respond', accountId: '333333333333', accessKeyId: 'ASIAOWN0000000000001', sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::333333333333:role/BlastwallRespond', userName: 'BlastwallRespond' } } };
    const candidates = [
      record('iam.amazonaws.com', 'TagRole', { userIdentity: ownRole, requestParameters: { roleName: 'orders' } }),
      record('iam.amazonaws.com', 'AttachRolePolicy', { requestParameters: { roleName: 'BlastwallLookalike' } }),
      record('iam.amazonaws.com', 'CreateUser', { requestParameters: { userName: 'BlastwallHelper' } }),
      ...['DisableRule', 'DeleteRule', 'RemoveTargets', 'PutRule', 'PutTargets'].map((n) => record('events.amazonaws.com', n, { requestParameters: { name: 'StackSet-Blastwall-Member-abc', rule: 'StackSet-Blastwall-Member-abc' } })),
    ];
    let judgedBySelfProtection = 0;
    for (const raw of candidates) {
      if (!selfProtection(normalised(raw), history)) continue;
      judgedBySelfProtection++;
      expect(judged(raw), `${String(raw.eventSource)}:${String(raw.eventName)}`).toBe(true);
    }
    expect(judgedBySelfProtection).toBe(candidates.length);
  });

  it('holds a refused call of any name (the denied burst counts them), and leaves the same call out when it succeeded', () => {
    expect(judged(record('ec2.amazonaws.com', 'CreateTags', { errorCode: 'Client.UnauthorizedOperation' }))).toBe(true);
    expect(judged(record('s3.amazonaws.com', 'PutBucketTagging', { errorCode: 'AccessDenied' }))).toBe(true);
    expect(judged(record('ec2.amazonaws.com', 'CreateTags'))).toBe(false);
    expect(judged(record('s3.amazonaws.com', 'PutBucketTagging'))).toBe(false);
    expect(judged(record('monitoring.amazonaws.com', 'PutMetricData'))).toBe(false);
    // An error that is not a refusal does not count toward the burst.
    expect(judged(record('ec2.amazonaws.com', 'CreateTags', { errorCode: 'InvalidID.NotFound' }))).toBe(false);
  });

  it('holds any call by an account’s root user (root use is a finding on any call)', () => {
    const root = { type: 'Root', arn: 'arn:aws:iam::333333333333:root', accountId: '333333333333', accessKeyId: 'ASIAROOT000000000001' };
    expect(judged(record('ec2.amazonaws.com', 'CreateTags', { userIdentity: root }))).toBe(true);
    expect(judged(record('ec2.amazonaws.com', 'CreateTags'))).toBe(false);
  });

  it('holds the team’s own rules (detection.rules) when given them, and only then', () => {
    const rule = { id: 'team.tag-ledger', eventSource: 'ec2.amazonaws.com', eventNames: ['CreateTags'], category: 'data-destruction', severity: 'high', what: 'tags the ledger', sources: [{ kind: 'config', ref: 'runbook' }] };
    const withRule = parseConfig({ ...EXAMPLE_CONFIG, detection: { ...EXAMPLE_CONFIG.detection, rules: [rule] } });
    expect(judged(record('ec2.amazonaws.com', 'CreateTags'), withRule.detection.rules)).toBe(true);
    expect(judged(record('ec2.amazonaws.com', 'CreateTags'))).toBe(false);
    expect(reconcileScope(withRule.detection.rules)).toBe(reconcileScope(withRule.detection.rules));
  });

  it('judges a record it cannot read as in scope (compared, never silently dropped)', () => {
    expect(recordMattersForReconcile({ eventID: 'x' })).toBe(true);
    expect(recordMattersForReconcile(null)).toBe(true);
    expect(recordMattersForReconcile({ eventSource: 1, eventName: 'CreateTags' })).toBe(true);
  });

  it('agrees on both sides over the corpus and generated traffic, and leaves most benign writes out', () => {
    const records: Record<string, unknown>[] = stratusRecords();
    const generated = generate({ events: 5000, seed: 4 }).records as Record<string, unknown>[];
    let checked = 0;
    for (const raw of [...records, ...generated]) {
      const result = normaliseRecord(raw, resolver);
      if (!result.ok) continue;
      checked++;
      expect(mattersForReconcile(result.event), String(raw.eventID)).toBe(recordMattersForReconcile(raw));
    }
    expect(checked).toBeGreaterThan(5000);
    const writes = generated.filter((r) => r.readOnly === false);
    const inScope = writes.filter((r) => recordMattersForReconcile(r));
    expect(writes.length).toBeGreaterThan(500);
    expect(inScope.length).toBeGreaterThan(0);
    expect(inScope.length).toBeLessThan(writes.length / 2);
  });
});
