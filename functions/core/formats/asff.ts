/**
 * A Blastwall finding in the AWS Security Finding Format (ASFF), as `BatchImportFindings`
 * takes it. Pure: no SDK import; the Security Hub adapter and `blastwall replay --format asff`
 * both call {@link toAsff}, so the console and the file show the same finding.
 *
 * Limits (AWS Security Hub API reference, `AwsSecurityFinding`): Id and GeneratorId ≤ 512
 * characters, Title ≤ 256, Description ≤ 1024, Types ≤ 50 entries, Resources ≤ 32,
 * ProductFields ≤ 50 pairs with keys ≤ 128 and values ≤ 2048 characters,
 * Remediation.Recommendation.Text ≤ 512. Every string here is clipped to its limit:
 * the CloudTrail record it came from is attacker-controlled.
 *
 * The same Blastwall finding always maps to the same `Id`, so a later import updates the
 * finding in Security Hub (it keeps the record with the newest `UpdatedAt`) instead of
 * adding one.
 */
import type { Credential, Severity } from '../audit-event.ts';
import type { Finding, ResponseAction } from '../finding.ts';
import { BLASTWALL_VERSION } from '../version.ts';
import { ASFF_TYPE_OF_CATEGORY, ASFF_TYPE_OF_SIGNAL, FALLBACK_ASFF_TYPE } from './taxonomy.ts';
import { clip, isoTime, nonBlank, partitionOf, principalLabel } from './text.ts';

export const ASFF_SCHEMA_VERSION = '2018-10-08';

export const ASFF_LIMITS = {
  id: 512,
  generatorId: 512,
  title: 256,
  description: 1024,
  types: 50,
  resources: 32,
  productFields: 50,
  productFieldKey: 128,
  productFieldValue: 2048,
  recommendation: 512,
  resourceId: 512,
  name: 128,
  region: 16,
} as const;

export type AsffSeverityLabel = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

export const ASFF_SEVERITY: Readonly<Record<Severity, AsffSeverityLabel>> = {
  info: 'INFORMATIONAL',
  low: 'LOW',
  medium: 'MEDIUM',
  high: 'HIGH',
  critical: 'CRITICAL',
};

export interface AsffResource {
  Type: string;
  Id: string;
  Partition: 'aws' | 'aws-cn' | 'aws-us-gov';
  /** Omitted when the recorded region is not a region name (Security Hub allows at most 16 characters). */
  Region?: string;
  Details?: { AwsIamAccessKey?: Record<string, string> } | { Other: Record<string, string> };
}

/** The subset of `AwsSecurityFinding` Blastwall writes; every required attribute is here. */
export interface AsffFinding {
  SchemaVersion: typeof ASFF_SCHEMA_VERSION;
  Id: string;
  ProductArn: string;
  ProductName: string;
  CompanyName: string;
  GeneratorId: string;
  AwsAccountId: string;
  Region: string;
  Types: string[];
  FirstObservedAt: string;
  LastObservedAt: string;
  CreatedAt: string;
  UpdatedAt: string;
  Severity: { Label: AsffSeverityLabel; Original: string };
  Title: string;
  Description: string;
  SourceUrl: string;
  Remediation: { Recommendation: { Text: string } };
  ProductFields: Record<string, string>;
  Resources: AsffResource[];
  Action?: {
    ActionType: 'AWS_API_CALL';
    AwsApiCallAction: {
      Api: string;
      ServiceName: string;
      CallerType: 'remoteip' | 'domain';
      RemoteIpDetails?: { IpAddressV4: string };
      DomainDetails?: { Domain: string };
      FirstSeen: string;
      LastSeen: string;
    };
  };
  RecordState: 'ACTIVE';
}

export interface AsffTarget {
  /** The account that imports into Security Hub (the central account). For the default product it must equal `AwsAccountId`. */
  account: string;
  /** Security Hub's region in that account. */
  region: string;
  partition?: 'aws' | 'aws-cn' | 'aws-us-gov';
}

/** `arn:aws:securityhub:REGION:ACCOUNT:product/ACCOUNT/default`: the account's own custom-integration product. */
export function productArn(target: AsffTarget): string {
  return `arn:${target.partition ?? 'aws'}:securityhub:${target.region}:${target.account}:product/${target.account}/default`;
}

/** The Security Hub finding Id of a Blastwall finding: stable for its whole life. */
export function asffId(findingId: string): string {
  return clip(`blastwall/${findingId}`, ASFF_LIMITS.id);
}

/** Types, most specific first, no duplicates: one per signal (mitigating ones excluded) and per category. */
export function asffTypes(finding: Pick<Finding, 'reasons' | 'categories'>): string[] {
  const out: string[] = [];
  const add = (type: string) => {
    if (!out.includes(type) && out.length < ASFF_LIMITS.types) out.push(type);
  };
  for (const reason of finding.reasons) {
    if (reason.mitigating || reason.signal === 'scoring') continue;
    const base = ASFF_TYPE_OF_SIGNAL[reason.signal] ?? FALLBACK_ASFF_TYPE;
    // The classifier (third part) names the Blastwall signal, so Security Hub insights can group by it.
    add(`${base}/Blastwall-${safeClassifier(reason.signal)}`);
  }
  for (const category of finding.categories) {
    const base = ASFF_TYPE_OF_CATEGORY[category];
    if (base) add(`${base}/Blastwall-${safeClassifier(category)}`);
  }
  if (out.length === 0) add(`${FALLBACK_ASFF_TYPE}/Blastwall-finding`);
  return out;
}

function safeClassifier(text: string): string {
  return text.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 64);
}

/**
 * One Blastwall finding → one ASFF finding.
 * `updatedAt`: when this version was produced (the adapter passes "now" so the update wins);
 * defaults to the finding's time, so a replay is deterministic.
 */
export function toAsff(finding: Finding, target: AsffTarget, options: { updatedAt?: string } = {}): AsffFinding {
  const partition = target.partition ?? partitionOf(finding.credential.arn);
  const created = isoTime(finding.time) ?? new Date(0).toISOString();
  const first = isoTime(finding.recentEvents[0]?.time) ?? created;
  const firstObserved = first < created ? first : created;
  const updated = isoTime(options.updatedAt) ?? created;
  const region = [finding.region, target.region].find((r) => /^[a-z]{2}(-[a-z]+)+-\d$/.test(r) && r.length <= ASFF_LIMITS.region);
  const principal = principalLabel(finding.credential);

  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: asffId(finding.id),
    ProductArn: productArn({ ...target, partition }),
    ProductName: 'Blastwall',
    CompanyName: 'Blastwall',
    GeneratorId: 'blastwall/detect',
    AwsAccountId: target.account,
    Region: target.region,
    Types: asffTypes(finding),
    FirstObservedAt: firstObserved,
    LastObservedAt: created,
    CreatedAt: created,
    UpdatedAt: updated < created ? created : updated,
    Severity: { Label: ASFF_SEVERITY[finding.severity] ?? 'INFORMATIONAL', Original: finding.severity },
    Title: clip(nonBlank(`${finding.eventName} by ${principal} in ${finding.account} (${finding.environment})`, 'Blastwall finding'), ASFF_LIMITS.title),
    Description: clip(description(finding), ASFF_LIMITS.description),
    SourceUrl: cloudTrailUrl(finding),
    Remediation: { Recommendation: { Text: clip(recommendation(finding.response), ASFF_LIMITS.recommendation) } },
    ProductFields: productFields(finding),
    Resources: resources(finding, partition, region),
    ...action(finding, firstObserved, created),
    RecordState: 'ACTIVE',
  };
}

function description(finding: Finding): string {
  const reasons = finding.reasons.filter((r) => r.signal !== 'scoring').map((r) => `${r.mitigating ? '(mitigating) ' : ''}${r.text}`);
  return nonBlank([finding.summary, ...reasons].filter(Boolean).join(' '), `${finding.eventName} in ${finding.account}`);
}

/** The CloudTrail console's event page for the triggering event, in the member account's region. */
export function cloudTrailUrl(finding: Pick<Finding, 'region' | 'eventId' | 'credential'>): string {
  const region = /^[a-z]{2}(-[a-z]+)+-\d$/.test(finding.region) ? finding.region : 'us-east-1';
  const host =
    partitionOf(finding.credential.arn) === 'aws-cn'
      ? 'console.amazonaws.cn'
      : partitionOf(finding.credential.arn) === 'aws-us-gov'
        ? 'console.amazonaws-us-gov.com'
        : `${region}.console.aws.amazon.com`;
  return `https://${host}/cloudtrail/home?region=${region}#/events/${encodeURIComponent(finding.eventId)}`;
}

function recommendation(actions: ResponseAction[]): string {
  if (actions.length === 0) return 'No automatic response: review the calls of this credential in CloudTrail and revoke it if the activity is not expected.';
  const line = (a: ResponseAction) => {
    const verb = a.restored ? `restored (${a.restored.status})` : a.status;
    return a.action === 'manual' ? `Manual step: ${a.detail ?? a.target}` : `${a.action} on ${a.target} in ${a.account}: ${verb}`;
  };
  return `Blastwall response (${actions[0]!.mode}): ${actions.map(line).join('; ')}.`;
}

function productFields(finding: Finding): Record<string, string> {
  const fields: Array<[string, string | undefined]> = [
    ['blastwall/FindingId', finding.id],
    ['blastwall/Version', BLASTWALL_VERSION],
    ['blastwall/EventId', finding.eventId],
    ['blastwall/EventName', finding.eventName],
    ['blastwall/EventSource', finding.eventSource],
    ['blastwall/Account', finding.account],
    ['blastwall/Environment', finding.environment],
    ['blastwall/EnvironmentsCrossed', finding.environmentsCrossed.join(',')],
    ['blastwall/Mode', finding.mode],
    ['blastwall/CredentialType', finding.credential.type],
    ['blastwall/AccessKeyId', finding.credential.accessKeyId],
    ['blastwall/PrincipalArn', finding.credential.arn],
    ['blastwall/SourceIp', finding.actor.sourceIp],
    ['blastwall/UserAgentFamily', finding.actor.userAgentFamily],
    ['blastwall/Categories', finding.categories.join(',')],
    ['blastwall/Signals', finding.reasons.map((r) => r.signal).join(',')],
    ['blastwall/Response', finding.response.map((a) => `${a.action}:${a.status}${a.restored ? ':restored' : ''}`).join(',')],
  ];
  const out: Record<string, string> = {};
  for (const [key, value] of fields) {
    if (value && /\S/.test(value) && Object.keys(out).length < ASFF_LIMITS.productFields) out[key.slice(0, ASFF_LIMITS.productFieldKey)] = clip(value, ASFF_LIMITS.productFieldValue);
  }
  return out;
}

/** The credential, the principal behind it and its lineage: exactly what the response revokes. */
function resources(finding: Finding, partition: AsffResource['Partition'], region: string | undefined): AsffResource[] {
  const out: AsffResource[] = [];
  const seen = new Set<string>();
  const add = (Type: string, id: string | undefined, details?: AsffResource['Details']) => {
    if (!id || !/\S/.test(id)) return;
    const Id = clip(id, ASFF_LIMITS.resourceId);
    if (seen.has(`${Type}|${Id}`) || out.length >= ASFF_LIMITS.resources) return;
    seen.add(`${Type}|${Id}`);
    out.push({ Type, Id, Partition: partition, ...(region ? { Region: region } : {}), ...(details ? { Details: details } : {}) });
  };
  for (const credential of [finding.credential, ...finding.lineage]) addCredential(credential, add);
  // A credential that names nothing revocable still needs a resource: ASFF requires at least one.
  // ASFF has no account resource type: `Other` with the account root's ARN.
  if (out.length === 0) add('Other', `arn:${partition}:iam::${finding.account}:root`);
  return out;
}

type AddResource = (type: string, id: string | undefined, details?: AsffResource['Details']) => void;

function addCredential(c: Credential, add: AddResource): void {
  const keyDetails = (principalType: string): AsffResource['Details'] => ({
    AwsIamAccessKey: Object.fromEntries(
      Object.entries({
        AccessKeyId: c.accessKeyId,
        AccountId: c.accountId,
        PrincipalName: c.principalName,
        PrincipalType: principalType,
      }).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''),
    ),
  });
  switch (c.type) {
    case 'access-key':
      add('AwsIamAccessKey', c.accessKeyId, keyDetails('IAMUser'));
      add('AwsIamUser', c.arn);
      return;
    case 'role-session':
      add('AwsIamAccessKey', c.accessKeyId, keyDetails('AssumedRole'));
      add('AwsIamRole', c.issuerArn);
      return;
    case 'user-session':
      add('AwsIamAccessKey', c.accessKeyId, keyDetails(c.issuerType ?? 'IAMUser'));
      add(c.issuerType === 'Role' ? 'AwsIamRole' : 'AwsIamUser', c.issuerArn ?? c.arn);
      return;
    case 'identity-center':
    case 'federated':
      add('AwsIamAccessKey', c.accessKeyId, keyDetails(c.type === 'federated' ? 'FederatedUser' : 'AssumedRole'));
      add('AwsIamRole', c.issuerArn);
      return;
    case 'console-session':
      add('AwsIamUser', c.arn);
      return;
    case 'root':
      add('AwsIamAccessKey', c.accessKeyId, keyDetails('Root'));
      add('Other', c.arn ?? (c.accountId ? `arn:${partitionOf(c.arn)}:iam::${c.accountId}:root` : undefined));
      return;
    default:
      add('Other', c.arn ?? c.accessKeyId);
  }
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/i;

function action(finding: Finding, first: string, last: string): Pick<AsffFinding, 'Action'> {
  const ip = finding.actor.sourceIp;
  const caller = IPV4.test(ip)
    ? { CallerType: 'remoteip' as const, RemoteIpDetails: { IpAddressV4: ip } }
    : DOMAIN.test(ip)
      ? { CallerType: 'domain' as const, DomainDetails: { Domain: ip } }
      : undefined;
  if (!caller || !finding.eventName || !finding.eventSource) return {};
  return {
    Action: {
      ActionType: 'AWS_API_CALL',
      AwsApiCallAction: { Api: clip(finding.eventName, 128), ServiceName: clip(finding.eventSource, 128), ...caller, FirstSeen: first, LastSeen: last },
    },
  };
}
