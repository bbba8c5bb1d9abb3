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
import type { Finding, ResponseAction } from '../finding.ts';
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
    response: [manualStep(answer.principal, answer.account, auditAdvice(answer), now)],
  };
}

/** The page's "what a human should do": a manual step, never a call Blastwall makes. */
function manualStep(target: string, account: string, detail: string, now: Date): ResponseAction {
  return { action: 'manual', target, account, mode: 'page-only', status: 'skipped', detail, at: now.toISOString() };
}

function auditAdvice(answer: CredentialAnswer): string {
  const q = answer.questions;
  const steps: string[] = [];
  const path = q.reachesMoreSensitive.paths[0];
  if (path && path.length > 1) steps.push(`cut the path to ${q.worstAction.environment ?? 'the more sensitive environment'}: remove sts:AssumeRole on ${path[1]} from ${path[0]}'s policies, or drop it from that role's trust policy`);
  if (q.reachesBackups.answer) steps.push(`move the backup permissions (${q.reachesBackups.actions.filter((a) => a.startsWith('backup:') || /Snapshot|AutomatedBackup/.test(a)).slice(0, 3).join(', ') || q.reachesBackups.actions[0]}) to a role this credential cannot use`);
  if (!q.approvalGate.answer && q.worstAction.actions.length) steps.push(`add an SCP or permissions boundary that denies ${q.worstAction.actions.slice(0, 3).join(', ')} without MFA`);
  if (q.rotation.lastRotatedDays !== null && q.rotation.lastRotatedDays > 90) steps.push(`rotate the access key (${q.rotation.lastRotatedDays} days old)${q.rotation.usedBy.length ? `; used by ${q.rotation.usedBy.slice(0, 3).join(', ')}` : ''}`);
  return `Do now: ${steps.join('; ') || 'review the policies'}. The five answers: blastwall audit --live (README "Before anything happens: audit").`;
}

function backupAdvice(status: BackupStatus): string {
  const r = status.resource;
  const steps: string[] = [];
  if (status.problems.includes('no-recovery-point')) steps.push(`add ${r.name} to an AWS Backup plan (or enable its automated backups / point-in-time recovery)`);
  if (status.problems.includes('stale')) steps.push(`find why the backups stopped (aws backup list-backup-jobs --by-resource-arn ${r.arn} --by-state FAILED; for RDS the backup retention period) and take one now`);
  if (status.problems.includes('no-offsite-copy')) steps.push(`copy its recovery points to a vault in another account (an AWS Backup copy rule to the backup account, with vault lock), so one credential cannot delete every copy`);
  return `Do now: ${steps.join('; ')}. Check again: blastwall backups --live.`;
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
    response: [manualStep(r.arn, r.account, backupAdvice(status), now)],
  };
}
