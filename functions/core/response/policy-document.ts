/**
 * The deny that ends every session issued before a point in time: the
 * `AWSRevokeOlderSessions` pattern of the IAM console's "Revoke active sessions",
 * under Blastwall's own policy name so Blastwall never overwrites or deletes a
 * policy it did not write.
 */

/** Inline policy name Blastwall uses on roles and users. */
export const REVOKE_POLICY_NAME = 'BlastwallRevokeOlderSessions';

/**
 * The cut-off, rounded UP to the whole second: a session issued in the same second
 * as the decision is denied too (IAM compares whole timestamps; erring towards
 * revoking one extra legitimate session is the safe side).
 */
export function revocationCutoff(now: Date): string {
  const ms = now.getTime();
  const ceil = Math.ceil(ms / 1000) * 1000;
  return new Date(ceil).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface RevokeOlderSessionsPolicy {
  Version: '2012-10-17';
  Statement: [
    {
      Sid: string;
      Effect: 'Deny';
      Action: ['*'];
      Resource: ['*'];
      Condition: { DateLessThan: { 'aws:TokenIssueTime': string } };
    },
  ];
}

export function buildRevokeOlderSessionsPolicy(cutoff: string): RevokeOlderSessionsPolicy {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'BlastwallRevokeOlderSessions',
        Effect: 'Deny',
        Action: ['*'],
        Resource: ['*'],
        Condition: { DateLessThan: { 'aws:TokenIssueTime': cutoff } },
      },
    ],
  };
}

/** The policy document as IAM takes it (a JSON string). */
export function revokeOlderSessionsDocument(cutoff: string): string {
  return JSON.stringify(buildRevokeOlderSessionsPolicy(cutoff));
}

/**
 * The cut-off of a Blastwall deny policy read back from IAM (`GetRolePolicy`
 * returns the document URL-encoded), or undefined when the document is not one
 * Blastwall wrote (then it is overwritten, never trusted).
 */
export function cutoffOfDocument(document: string): string | undefined {
  let text = document;
  if (/^%7B/i.test(text.trim())) {
    try {
      text = decodeURIComponent(text);
    } catch {
      return undefined;
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const statements = (parsed as { Statement?: unknown })?.Statement;
  const list = Array.isArray(statements) ? statements : [statements];
  for (const st of list) {
    if (!st || typeof st !== 'object') continue;
    const s = st as Record<string, unknown>;
    const action = s.Action;
    const resource = s.Resource;
    const star = (v: unknown) => v === '*' || (Array.isArray(v) && v.includes('*'));
    if (s.Effect !== 'Deny' || !star(action) || !star(resource)) continue;
    const cond = (s.Condition as Record<string, Record<string, unknown>> | undefined)?.DateLessThan;
    const value = cond?.['aws:TokenIssueTime'];
    if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return value;
  }
  return undefined;
}

/** True when an existing deny with `existing` cut-off already ends every session `wanted` would. */
export function cutoffCovers(existing: string | undefined, wanted: string): boolean {
  if (existing === undefined) return false;
  return Date.parse(existing) >= Date.parse(wanted);
}
