/**
 * Plain words for the parts of a finding every renderer shows. Shared by the
 * terminal text, the Slack blocks and the PagerDuty payload so they never disagree.
 */
import type { Credential } from '../audit-event.ts';
import type { Finding, ResponseAction } from '../finding.ts';

/** The exact API call an action makes (respond's formatter, so the page and the CLI agree). */
export { describeApiCall } from '../response/plan.ts';

export function describeCredential(c: Credential): string {
  const id = c.accessKeyId ?? c.arn ?? 'unknown credential';
  const kind: Record<Credential['type'], string> = {
    'access-key': 'long-term access key',
    'role-session': 'role session',
    'user-session': 'user session token',
    federated: 'federated session',
    'identity-center': 'IAM Identity Center session',
    root: 'root user',
    'aws-service': 'AWS service',
    'console-session': 'console session',
    anonymous: 'anonymous caller',
    unknown: 'unknown credential',
  };
  const who =
    c.type === 'role-session' && c.issuerArn
      ? ` of role ${c.principalName ?? c.issuerArn}${c.sessionName ? ` (session ${c.sessionName})` : ''}`
      : c.principalName
        ? ` of ${c.type === 'access-key' || c.type === 'user-session' || c.type === 'console-session' ? 'IAM user ' : ''}${c.principalName}`
        : '';
  const where = c.accountId ? `, account ${c.accountId}` : '';
  const home = c.homeEnvironment && c.homeEnvironment !== 'unknown' ? `, home ${c.homeEnvironment}` : '';
  return `${id} — ${kind[c.type]}${who}${where}${home}`;
}

export function describeCrossing(finding: Finding): string {
  return finding.environmentsCrossed.length > 0 ? finding.environmentsCrossed.join(' → ') : finding.environment;
}

/** What the response did or would do, as a heading. */
export function responseHeading(finding: Finding): string {
  switch (finding.mode) {
    case 'enforce':
      return 'What Blastwall did';
    case 'dry-run':
      return 'What Blastwall would do (dry-run: nothing was revoked)';
    case 'page-only':
      return 'What a human should do (page-only: Blastwall does not revoke here)';
  }
}

const STATUS_WORD: Record<ResponseAction['status'], string> = {
  planned: 'planned',
  done: 'done',
  skipped: 'skipped',
  failed: 'FAILED',
};

export function statusWord(action: ResponseAction): string {
  if (action.action === 'manual') return 'to do';
  const restored = (action as ResponseAction & { restored?: { status?: string } }).restored;
  if (restored?.status === 'done') return 'restored';
  if (action.status === 'done' && action.mode !== 'enforce') return 'would do';
  if (action.status === 'planned' && action.mode !== 'enforce') return 'would do';
  return STATUS_WORD[action.status];
}

/** `10:00:09Z` from an ISO time; the full value if it does not parse. */
export function shortTime(iso: string): string {
  const m = /T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]}Z` : iso;
}

/** The last `n` events, oldest first. */
export function lastEvents(finding: Finding, n = 5) {
  return finding.recentEvents.slice(-n);
}

/** True when at least one revocation was done and can be undone by a restore. */
export function hasRestorableRevocation(finding: Finding): boolean {
  return finding.response.some((a) => a.status === 'done' && a.mode === 'enforce' && a.action !== 'manual');
}
