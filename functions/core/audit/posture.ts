/**
 * Posture findings: what the scheduled audit and the backup watchdog page with. They are
 * `Finding`s (the page function renders and routes them exactly like detections: Slack,
 * PagerDuty, by severity and environment) published as `Blastwall Posture Finding`, a
 * detail type only the page function takes — `respond` never sees one, so nothing is
 * ever revoked because of an audit. `mode` is `page-only` as a second guard.
 *
 * Ids are deterministic, so a re-run does not page twice for the same state: the audit's
 * id is the credential, the new risk and the day it rose; the watchdog's is the resource,
 * its problems and the newest point it judged.
 *
 * Pure module.
 */
import { createHash } from 'node:crypto';
import type { Credential, Severity } from '../audit-event.ts';
import { severityRank } from '../audit-event.ts';
import type { Finding } from '../finding.ts';
import type { BackupStatus } from './backups.ts';
import type { CredentialAnswer } from './evaluate.ts';

export const AUDIT_EVENT_SOURCE = 'blastwall.audit';
export const WATCHDOG_EVENT_SOURCE = 'blastwall.backup-watchdog';

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 20);

const ACTOR = (agent: string) => ({ sourceIp: 'blastwall', userAgent: agent, userAgentFamily: 'blastwall' });

/** The risk that pages: high or above, and higher than the last stored risk (none stored = info). */
export function riskRose(previous: Severity | undefined, current: Severity): boolean {
  return severityRank(current) >= severityRank('high') && severityRank(current) > severityRank(previous ?? 'info');
}

export function credentialFinding(answer: CredentialAnswer, previous: Severity | undefined, now: Date): Finding {
  const day = now.toISOString().slice(0, 10);
  const isUser = answer.credential.type === 'access-key';
  const name = answer.principal.split('/').pop()!;
  const credential: Credential = {
    type: answer.credential.type,
    arn: answer.principal,
    accountId: answer.account,
    principalName: name,
    homeEnvironment: answer.environment,
    ...(isUser && answer.credential.accessKeyIds[0] ? { accessKeyId: answer.credential.accessKeyIds[0] } : {}),
    ...(!isUser ? { issuerArn: answer.principal, issuerType: 'Role' } : {}),
  };
  const q = answer.questions;
  const worst = q.worstAction.actions.length ? `${q.worstAction.actions[0]} in ${q.worstAction.environment}` : 'no destructive call';
  return {
    id: `audit-${hash(`${answer.principal}|${answer.risk}|${day}`)}`,
    eventId: `audit:${day}:${hash(answer.principal)}`,
    time: now.toISOString(),
    eventName: 'CredentialRiskRose',
    eventSource: AUDIT_EVENT_SOURCE,
    account: answer.account,
    region: 'global',
    environment: answer.environment,
    severity: answer.risk,
    summary: `Audit: ${isUser ? 'IAM user' : 'role'} ${name} (${answer.environment}) is now ${answer.risk} risk (was ${previous ?? 'not audited'}): worst action ${worst}${q.reachesMoreSensitive.answer ? `, reaches a more sensitive environment via ${q.reachesMoreSensitive.paths[0]!.slice(1).join(' → ')}` : ''}${q.reachesBackups.answer ? ', can destroy data and its backups' : ''}${q.approvalGate.answer ? '' : ', no approval gate'}. Nothing was revoked: fix the policy (blastwall audit shows the five answers).`,
    credential,
    actor: ACTOR('blastwall-audit'),
    reasons: answer.why.map((text) => ({ signal: 'audit-risk', text, severity: answer.risk })),
    categories: ['posture'],
    environmentsCrossed: [...new Set([answer.environment, ...(q.worstAction.environment ? [q.worstAction.environment] : [])])],
    lineage: [],
    recentEvents: [],
    mode: 'page-only',
    response: [],
  };
}

export function backupFinding(status: BackupStatus, now: Date): Finding {
  const r = status.resource;
  return {
    id: `backup-${hash(`${r.arn}|${status.problems.join(',')}|${status.newest?.id ?? 'none'}`)}`,
    eventId: `backup-watchdog:${hash(`${r.arn}|${status.problems.join(',')}|${status.newest?.id ?? 'none'}`)}`,
    time: now.toISOString(),
    eventName: status.problems.includes('no-recovery-point') ? 'NoRecoveryPoint' : status.problems.includes('stale') ? 'BackupStale' : 'NoOffsiteBackupCopy',
    eventSource: WATCHDOG_EVENT_SOURCE,
    account: r.account,
    region: r.region,
    environment: status.environment,
    severity: status.severity,
    summary: `Backups: ${status.summary}.`,
    // No credential did anything: the page is about a resource.
    credential: { type: 'unknown', arn: r.arn, accountId: r.account, principalName: r.name, homeEnvironment: status.environment },
    actor: ACTOR('blastwall-backup-watchdog'),
    reasons: status.problems.map((p) => ({
      signal: `backup-${p}`,
      text:
        p === 'stale'
          ? `newest restorable point is ${status.ageHours} h old`
          : p === 'no-offsite-copy'
            ? 'no copy in another account or region (3-2-1): whoever can delete the resource can delete every backup'
            : 'no restorable recovery point',
      severity: status.severity,
    })),
    categories: ['posture'],
    environmentsCrossed: [status.environment],
    lineage: [],
    recentEvents: [],
    mode: 'page-only',
    response: [],
  };
}
