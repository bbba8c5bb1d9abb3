/**
 * A Blastwall finding as an OCSF 1.3 Detection Finding (class 2004, category 2 Findings),
 * for Amazon Security Lake and SIEMs. Pure: `blastwall replay --format ocsf` writes one of
 * these per finding as a JSON line.
 *
 * Attribute names and enumerations follow the OCSF schema 1.3.0: Detection Finding
 * (`activity_id` 1 Create / 2 Update / 3 Close, `type_uid` = class_uid × 100 + activity_id,
 * `status_id` 1 New / 4 Resolved, `severity_id` 1 Informational … 5 Critical) with the
 * `cloud` profile (`cloud.provider`, `cloud.account.uid`, `api`, `actor`).
 */
import type { Credential, Severity } from '../audit-event.ts';
import type { Finding } from '../finding.ts';
import { BLASTWALL_VERSION } from '../version.ts';
import { asffTypes } from './asff.ts';
import { clip, nonBlank, partitionOf, principalLabel } from './text.ts';

export const OCSF_VERSION = '1.3.0';
export const DETECTION_FINDING_CLASS_UID = 2004;
export const FINDINGS_CATEGORY_UID = 2;

export const OCSF_SEVERITY: Readonly<Record<Severity, { id: number; name: string }>> = {
  info: { id: 1, name: 'Informational' },
  low: { id: 2, name: 'Low' },
  medium: { id: 3, name: 'Medium' },
  high: { id: 4, name: 'High' },
  critical: { id: 5, name: 'Critical' },
};

export const OCSF_ACTIVITY = { create: { id: 1, name: 'Create' }, update: { id: 2, name: 'Update' }, close: { id: 3, name: 'Close' } } as const;
export type OcsfActivity = keyof typeof OCSF_ACTIVITY;

export interface OcsfResource {
  uid: string;
  type: string;
  cloud_partition: string;
  region: string;
  owner?: { account: { uid: string; type: 'AWS Account'; type_id: 10 } };
}

export interface OcsfDetectionFinding {
  activity_id: number;
  activity_name: string;
  category_uid: typeof FINDINGS_CATEGORY_UID;
  category_name: 'Findings';
  class_uid: typeof DETECTION_FINDING_CLASS_UID;
  class_name: 'Detection Finding';
  type_uid: number;
  type_name: string;
  severity_id: number;
  severity: string;
  status_id: 1 | 4;
  status: 'New' | 'Resolved';
  /** Epoch milliseconds of the triggering event. */
  time: number;
  message: string;
  metadata: {
    version: typeof OCSF_VERSION;
    uid: string;
    product: { name: 'Blastwall'; vendor_name: 'Blastwall'; version: string };
    profiles: ['cloud'];
  };
  finding_info: {
    uid: string;
    title: string;
    desc: string;
    types: string[];
    created_time: number;
    first_seen_time: number;
    last_seen_time: number;
    src_url: string;
  };
  cloud: { provider: 'AWS'; region: string; account: { uid: string; type: 'AWS Account'; type_id: 10 } };
  actor: {
    user: { uid: string; name?: string; type: string; credential_uid?: string; account?: { uid: string; type: 'AWS Account'; type_id: 10 } };
    session?: { issuer?: string; is_mfa?: boolean; created_time?: number; credential_uid?: string };
    invoked_by?: string;
  };
  api: { operation: string; service: { name: string } };
  src_endpoint: { ip?: string; domain?: string };
  http_request?: { user_agent: string };
  resources: OcsfResource[];
  remediation?: { desc: string };
  unmapped: Record<string, unknown>;
}

const account = (uid: string) => ({ uid, type: 'AWS Account' as const, type_id: 10 as const });

/** One Blastwall finding → one OCSF Detection Finding. `activity`: create for a new finding, close on restore. */
export function toOcsf(finding: Finding, options: { activity?: OcsfActivity } = {}): OcsfDetectionFinding {
  const activity = OCSF_ACTIVITY[options.activity ?? 'create'];
  const severity = OCSF_SEVERITY[finding.severity] ?? OCSF_SEVERITY.info;
  const time = epochMs(finding.time);
  const first = Math.min(time, epochMs(finding.recentEvents[0]?.time, time));
  const c = finding.credential;
  const restored = finding.response.some((a) => a.restored?.status === 'done');
  const title = clip(nonBlank(`${finding.eventName} by ${principalLabel(c)} in ${finding.account} (${finding.environment})`, 'Blastwall finding'), 256);
  const sourceIp = finding.actor.sourceIp;
  const isIp = /^[0-9.]+$|^[0-9a-f:]+$/i.test(sourceIp) && sourceIp.length <= 45;

  return {
    activity_id: activity.id,
    activity_name: activity.name,
    category_uid: FINDINGS_CATEGORY_UID,
    category_name: 'Findings',
    class_uid: DETECTION_FINDING_CLASS_UID,
    class_name: 'Detection Finding',
    type_uid: DETECTION_FINDING_CLASS_UID * 100 + activity.id,
    type_name: `Detection Finding: ${activity.name}`,
    severity_id: severity.id,
    severity: severity.name,
    status_id: restored || options.activity === 'close' ? 4 : 1,
    status: restored || options.activity === 'close' ? 'Resolved' : 'New',
    time,
    message: clip(nonBlank(finding.summary, title), 1024),
    metadata: {
      version: OCSF_VERSION,
      uid: finding.id,
      product: { name: 'Blastwall', vendor_name: 'Blastwall', version: BLASTWALL_VERSION },
      profiles: ['cloud'],
    },
    finding_info: {
      uid: finding.id,
      title,
      desc: clip(nonBlank(finding.reasons.filter((r) => r.signal !== 'scoring').map((r) => r.text).join(' '), finding.summary || title), 4096),
      types: asffTypes(finding),
      created_time: time,
      first_seen_time: first,
      last_seen_time: time,
      src_url: cloudTrailLink(finding),
    },
    cloud: { provider: 'AWS', region: finding.region, account: account(finding.account) },
    actor: actor(c),
    api: { operation: finding.eventName, service: { name: finding.eventSource } },
    src_endpoint: isIp ? { ip: sourceIp } : { domain: clip(sourceIp, 253) },
    ...(finding.actor.userAgent ? { http_request: { user_agent: finding.actor.userAgent } } : {}),
    resources: resources(finding),
    ...(finding.response.length ? { remediation: { desc: clip(finding.response.map((a) => `${a.action} ${a.target}: ${a.status}`).join('; '), 2048) } } : {}),
    unmapped: {
      environment: finding.environment,
      environments_crossed: finding.environmentsCrossed,
      mode: finding.mode,
      categories: finding.categories,
      signals: finding.reasons.map((r) => r.signal),
      response: finding.response.map((a) => ({ action: a.action, target: a.target, account: a.account, status: a.status, ...(a.restored ? { restored: a.restored.status } : {}) })),
    },
  };
}

function epochMs(text: string | undefined, fallback = 0): number {
  const ms = text ? Date.parse(text) : NaN;
  return Number.isFinite(ms) ? ms : fallback;
}

function cloudTrailLink(finding: Finding): string {
  const region = /^[a-z]{2}(-[a-z]+)+-\d$/.test(finding.region) ? finding.region : 'us-east-1';
  return `https://${region}.console.aws.amazon.com/cloudtrail/home?region=${region}#/events/${encodeURIComponent(finding.eventId)}`;
}

function actor(c: Credential): OcsfDetectionFinding['actor'] {
  const user: OcsfDetectionFinding['actor']['user'] = {
    uid: nonBlank(c.arn ?? c.issuerArn ?? c.accessKeyId, c.type),
    type: c.type,
    ...(c.principalName ? { name: c.principalName } : {}),
    ...(c.accessKeyId ? { credential_uid: c.accessKeyId } : {}),
    ...(c.accountId ? { account: account(c.accountId) } : {}),
  };
  const session =
    c.issuerArn || c.mfa !== undefined || c.sessionIssuedAt
      ? {
          ...(c.issuerArn ? { issuer: c.issuerArn } : {}),
          ...(c.mfa !== undefined ? { is_mfa: c.mfa } : {}),
          ...(c.sessionIssuedAt && Number.isFinite(Date.parse(c.sessionIssuedAt)) ? { created_time: Date.parse(c.sessionIssuedAt) } : {}),
          ...(c.accessKeyId ? { credential_uid: c.accessKeyId } : {}),
        }
      : undefined;
  return { user, ...(session ? { session } : {}), ...(c.invokedBy ? { invoked_by: c.invokedBy } : {}) };
}

/** Same resources as the ASFF export: the credential, its principal and its lineage. */
function resources(finding: Finding): OcsfResource[] {
  const out: OcsfResource[] = [];
  const seen = new Set<string>();
  for (const c of [finding.credential, ...finding.lineage]) {
    const partition = partitionOf(c.arn ?? c.issuerArn);
    const owner = c.accountId ? { owner: { account: account(c.accountId) } } : {};
    const add = (type: string, uid: string | undefined) => {
      if (!uid || seen.has(`${type}|${uid}`)) return;
      seen.add(`${type}|${uid}`);
      out.push({ uid, type, cloud_partition: partition, region: finding.region, ...owner });
    };
    add('AwsIamAccessKey', c.accessKeyId);
    if (c.type === 'role-session' || c.type === 'identity-center' || c.type === 'federated') add('AwsIamRole', c.issuerArn);
    else if (c.type === 'user-session') add(c.issuerType === 'Role' ? 'AwsIamRole' : 'AwsIamUser', c.issuerArn ?? c.arn);
    else if (c.type === 'access-key' || c.type === 'console-session') add('AwsIamUser', c.arn);
    else add('Other', c.arn);
  }
  if (out.length === 0) out.push({ uid: `arn:aws:iam::${finding.account}:root`, type: 'Other', cloud_partition: 'aws', region: finding.region });
  return out;
}
