/**
 * Bounded text for the export formats: every string in a finding may come from an
 * attacker's CloudTrail record, and every receiving schema has length limits.
 */

/** At most `max` characters (UTF-16 units, as the limits count them), cut with an ellipsis. */
export function clip(text: string, max: number): string {
  // Control characters are never useful in a title or description and some consumers reject them.
  const clean = text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ' ');
  if (clean.length <= max) return clean;
  // Do not leave half of a surrogate pair at the cut.
  let cut = max - 1;
  const code = clean.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `${clean.slice(0, cut)}…`;
}

/** A non-empty string: the formats reject blank required fields. */
export function nonBlank(text: string | undefined, fallback: string): string {
  return text && /\S/.test(text) ? text : fallback;
}

/** ISO 8601 / RFC 3339 in UTC with milliseconds, or undefined when the input is not a time. */
export function isoTime(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** `aws`, `aws-cn` or `aws-us-gov` from an ARN; `aws` when none can be read. */
export function partitionOf(arn: string | undefined): 'aws' | 'aws-cn' | 'aws-us-gov' {
  const p = arn?.split(':')[1];
  return p === 'aws-cn' || p === 'aws-us-gov' ? p : 'aws';
}

/** Human name of the principal behind a credential, for titles. */
export function principalLabel(credential: { principalName?: string; arn?: string; accessKeyId?: string; type: string }): string {
  return credential.principalName ?? credential.arn ?? credential.accessKeyId ?? credential.type;
}
