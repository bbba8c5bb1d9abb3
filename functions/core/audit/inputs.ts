/**
 * The audit's inputs, recognised by their shape and checked before any of them is
 * believed:
 *
 * - an account's `aws iam get-account-authorization-details` export (`UserDetailList`,
 *   `GroupDetailList`, `RoleDetailList`, `Policies`);
 * - an IAM credential report (`aws iam get-credential-report`: the CSV, decoded; the
 *   command's JSON output with the base64 `Content` is decoded here too);
 * - an organisation's SCPs (`aws organizations list-policies` + `describe-policy`):
 *   a JSON array of `{PolicyId, Targets, Content}`.
 *
 * A file that is none of them is named with the reason; a truncated export
 * (`IsTruncated: true`) is refused with the command that gets all of it.
 * Every string here is attacker-controlled (a policy document, a user name): sizes are
 * bounded and nothing is evaluated as code.
 *
 * Pure module: text in, data out.
 */

export interface PolicyDocument {
  Version?: string;
  Statement?: unknown;
  [key: string]: unknown;
}

export interface NamedPolicy {
  name: string;
  document: PolicyDocument;
}

export interface IamUser {
  arn: string;
  name: string;
  account: string;
  inline: NamedPolicy[];
  managed: string[];
  groups: string[];
  boundary?: string;
  tags: Record<string, string>;
}

export interface IamRole {
  arn: string;
  name: string;
  account: string;
  path: string;
  trust: PolicyDocument;
  inline: NamedPolicy[];
  managed: string[];
  boundary?: string;
  tags: Record<string, string>;
  lastUsed?: string;
}

export interface IamGroup {
  arn: string;
  name: string;
  inline: NamedPolicy[];
  managed: string[];
}

export interface AccountExport {
  kind: 'authorization-details';
  source: string;
  account: string;
  users: IamUser[];
  roles: IamRole[];
  groups: IamGroup[];
  /** Managed policies by ARN: the default version's document. */
  policies: Map<string, NamedPolicy>;
}

export interface CredentialReportRow {
  user: string;
  arn: string;
  account: string;
  created?: string;
  keys: { active: boolean; lastRotated?: string; lastUsed?: string }[];
  passwordLastUsed?: string;
}

export interface CredentialReport {
  kind: 'credential-report';
  source: string;
  rows: CredentialReportRow[];
}

export interface ServiceControlPolicy {
  id: string;
  name: string;
  /** `ROOT` applies to every account; `ACCOUNT` to that account; `ORGANIZATIONAL_UNIT` to the accounts listed under it, when known. */
  targets: { type: 'ROOT' | 'ORGANIZATIONAL_UNIT' | 'ACCOUNT'; id: string; accounts?: string[] }[];
  document: PolicyDocument;
}

export interface ScpExport {
  kind: 'scps';
  source: string;
  policies: ServiceControlPolicy[];
}

export type AuditInput = AccountExport | CredentialReport | ScpExport;

export class AuditInputError extends Error {
  constructor(
    readonly source: string,
    reason: string,
  ) {
    super(`${source}: ${reason}`);
    this.name = 'AuditInputError';
  }
}

const MAX_POLICY_CHARS = 128 * 1024;
const ACCOUNT_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):/;

export const EXPORT_COMMAND = 'aws iam get-account-authorization-details --output json > ACCOUNT.json';
export const REPORT_COMMAND = 'aws iam generate-credential-report && aws iam get-credential-report --query Content --output text | base64 --decode > ACCOUNT-credentials.csv';

function accountOfArn(arn: unknown): string | undefined {
  return typeof arn === 'string' ? ACCOUNT_ARN.exec(arn)?.[1] : undefined;
}

/**
 * Policy documents arrive as objects (the CLI decodes them), URL-encoded JSON (the raw
 * API) or JSON strings (describe-policy's `Content`).
 */
export function policyDocument(value: unknown, where: string, source: string): PolicyDocument {
  let doc = value;
  if (typeof doc === 'string') {
    if (doc.length > MAX_POLICY_CHARS) throw new AuditInputError(source, `${where}: policy document longer than ${MAX_POLICY_CHARS} characters`);
    let text = doc.trim();
    if (text.startsWith('%7B') || text.startsWith('%7b')) {
      try {
        text = decodeURIComponent(text);
      } catch {
        throw new AuditInputError(source, `${where}: policy document is neither JSON nor URL-encoded JSON`);
      }
    }
    try {
      doc = JSON.parse(text);
    } catch {
      throw new AuditInputError(source, `${where}: policy document is not valid JSON`);
    }
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new AuditInputError(source, `${where}: policy document is not a JSON object`);
  const statement = (doc as PolicyDocument).Statement;
  if (statement !== undefined && typeof statement !== 'object') throw new AuditInputError(source, `${where}: "Statement" must be an object or an array`);
  return doc as PolicyDocument;
}

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const obj = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

function tagsOf(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of asArray(value)) {
    const key = str(obj(t).Key);
    const val = str(obj(t).Value);
    if (key !== undefined && val !== undefined) out[key] = val;
  }
  return out;
}

function inlinePolicies(list: unknown, where: string, source: string): NamedPolicy[] {
  return asArray(list).map((p, i) => {
    const name = str(obj(p).PolicyName) ?? `inline-${i}`;
    return { name, document: policyDocument(obj(p).PolicyDocument, `${where} inline policy ${name}`, source) };
  });
}

function managedArns(list: unknown): string[] {
  return asArray(list)
    .map((p) => str(obj(p).PolicyArn))
    .filter((a): a is string => a !== undefined);
}

function parseAuthorizationDetails(value: Record<string, unknown>, source: string): AccountExport {
  if (value.IsTruncated === true) {
    throw new AuditInputError(
      source,
      `the export is truncated (IsTruncated: true${typeof value.Marker === 'string' ? ', a Marker was returned' : ''}): users, roles or policies are missing, so the answers would be wrong. Export all of it with \`${EXPORT_COMMAND}\` (the AWS CLI follows the Marker itself; do not pass --max-items or --no-paginate).`,
    );
  }
  const accounts = new Set<string>();
  const note = (arn: unknown) => {
    const a = accountOfArn(arn);
    if (a) accounts.add(a);
    return a;
  };
  const users: IamUser[] = asArray(value.UserDetailList).map((u, i) => {
    const o = obj(u);
    const arn = str(o.Arn);
    const account = note(arn);
    if (!arn || !account) throw new AuditInputError(source, `UserDetailList[${i}] has no valid "Arn"`);
    const name = str(o.UserName) ?? arn.split('/').pop()!;
    const boundary = str(obj(o.PermissionsBoundary).PermissionsBoundaryArn);
    return {
      arn,
      name,
      account,
      inline: inlinePolicies(o.UserPolicyList, `user ${name}`, source),
      managed: managedArns(o.AttachedManagedPolicies),
      groups: asArray(o.GroupList).filter((g): g is string => typeof g === 'string'),
      ...(boundary ? { boundary } : {}),
      tags: tagsOf(o.Tags),
    };
  });
  const roles: IamRole[] = asArray(value.RoleDetailList).map((r, i) => {
    const o = obj(r);
    const arn = str(o.Arn);
    const account = note(arn);
    if (!arn || !account) throw new AuditInputError(source, `RoleDetailList[${i}] has no valid "Arn"`);
    const name = str(o.RoleName) ?? arn.split('/').pop()!;
    const boundary = str(obj(o.PermissionsBoundary).PermissionsBoundaryArn);
    const lastUsed = str(obj(o.RoleLastUsed).LastUsedDate);
    return {
      arn,
      name,
      account,
      path: str(o.Path) ?? '/',
      trust: o.AssumeRolePolicyDocument === undefined ? { Statement: [] } : policyDocument(o.AssumeRolePolicyDocument, `role ${name} trust policy`, source),
      inline: inlinePolicies(o.RolePolicyList, `role ${name}`, source),
      managed: managedArns(o.AttachedManagedPolicies),
      ...(boundary ? { boundary } : {}),
      tags: tagsOf(o.Tags),
      ...(lastUsed ? { lastUsed } : {}),
    };
  });
  const groups: IamGroup[] = asArray(value.GroupDetailList).map((g, i) => {
    const o = obj(g);
    const arn = str(o.Arn);
    note(arn);
    const name = str(o.GroupName);
    if (!arn || !name) throw new AuditInputError(source, `GroupDetailList[${i}] has no "Arn" or "GroupName"`);
    return { arn, name, inline: inlinePolicies(o.GroupPolicyList, `group ${name}`, source), managed: managedArns(o.AttachedManagedPolicies) };
  });
  const policies = new Map<string, NamedPolicy>();
  asArray(value.Policies).forEach((p, i) => {
    const o = obj(p);
    const arn = str(o.Arn);
    if (!arn) throw new AuditInputError(source, `Policies[${i}] has no "Arn"`);
    if (!arn.startsWith('arn:aws:iam::aws:')) note(arn);
    const name = str(o.PolicyName) ?? arn.split('/').pop()!;
    const versions = asArray(o.PolicyVersionList);
    const current = versions.find((v) => obj(v).IsDefaultVersion === true) ?? versions[0];
    if (current === undefined) throw new AuditInputError(source, `policy ${name} has no PolicyVersionList entry`);
    policies.set(arn, { name, document: policyDocument(obj(current).Document, `policy ${name}`, source) });
  });
  if (accounts.size === 0) throw new AuditInputError(source, 'an authorization-details export without a single user, role or customer-managed policy ARN: which account it belongs to is unknown');
  if (accounts.size > 1) throw new AuditInputError(source, `an authorization-details export names several accounts (${[...accounts].sort().join(', ')}): give one export per account`);
  return { kind: 'authorization-details', source, account: [...accounts][0]!, users, roles, groups, policies };
}

/** RFC 4180 line splitting for the credential report (no field in it contains a newline). */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

const REPORT_COLUMNS = ['user', 'arn', 'access_key_1_active', 'access_key_1_last_rotated', 'access_key_2_active'];

const dateOrUndefined = (value: string | undefined): string | undefined => (value && /^\d{4}-\d{2}-\d{2}T/.test(value) ? value : undefined);

function parseCredentialReport(text: string, source: string): CredentialReport {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = splitCsvLine(lines[0] ?? '');
  const missing = REPORT_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0) throw new AuditInputError(source, `a CSV without the credential report's columns ${missing.join(', ')}`);
  const col = (row: string[], name: string) => row[header.indexOf(name)];
  const rows: CredentialReportRow[] = [];
  lines.slice(1).forEach((line, i) => {
    const row = splitCsvLine(line);
    const arn = col(row, 'arn') ?? '';
    const user = col(row, 'user') ?? '';
    const account = accountOfArn(arn);
    if (!account) throw new AuditInputError(source, `line ${i + 2}: "${arn.slice(0, 80)}" is not an IAM ARN`);
    const keys = [1, 2].map((n) => ({
      active: col(row, `access_key_${n}_active`) === 'true',
      ...(dateOrUndefined(col(row, `access_key_${n}_last_rotated`)) ? { lastRotated: col(row, `access_key_${n}_last_rotated`)! } : {}),
      ...(dateOrUndefined(col(row, `access_key_${n}_last_used_date`)) ? { lastUsed: col(row, `access_key_${n}_last_used_date`)! } : {}),
    }));
    const created = dateOrUndefined(col(row, 'user_creation_time'));
    const passwordLastUsed = dateOrUndefined(col(row, 'password_last_used'));
    rows.push({ user, arn, account, keys, ...(created ? { created } : {}), ...(passwordLastUsed ? { passwordLastUsed } : {}) });
  });
  return { kind: 'credential-report', source, rows };
}

const TARGET_TYPES = new Set(['ROOT', 'ORGANIZATIONAL_UNIT', 'ACCOUNT']);

function parseScps(value: unknown[], source: string): ScpExport {
  const policies = value.map((p, i): ServiceControlPolicy => {
    const o = obj(p);
    const summary = obj(o.PolicySummary);
    const id = str(o.PolicyId) ?? str(summary.Id);
    if (!id) throw new AuditInputError(source, `[${i}] has no "PolicyId"`);
    const name = str(o.Name) ?? str(summary.Name) ?? id;
    const targets = asArray(o.Targets).map((t, j) => {
      const to = obj(t);
      const type = str(to.Type);
      const targetId = str(to.TargetId);
      if (!type || !TARGET_TYPES.has(type) || !targetId) throw new AuditInputError(source, `policy ${id} Targets[${j}] needs "TargetId" and a "Type" of ROOT, ORGANIZATIONAL_UNIT or ACCOUNT`);
      const accounts = asArray(to.Accounts).filter((a): a is string => typeof a === 'string' && /^\d{12}$/.test(a));
      return { type: type as ServiceControlPolicy['targets'][number]['type'], id: targetId, ...(accounts.length ? { accounts } : {}) };
    });
    return { id, name, targets, document: policyDocument(o.Content, `policy ${id} Content`, source) };
  });
  return { kind: 'scps', source, policies };
}

/** Recognise and parse one input file. */
export function parseAuditInput(text: string, source: string): AuditInput {
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  if (trimmed === '') throw new AuditInputError(source, 'the file is empty');
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      throw new AuditInputError(source, `not valid JSON (${(error as Error).message}), so neither an authorization-details export nor an SCP list`);
    }
    if (Array.isArray(value)) {
      if (value.length === 0 || value.every((p) => obj(p).PolicyId !== undefined || obj(obj(p).PolicySummary).Id !== undefined)) return parseScps(value, source);
      throw new AuditInputError(source, 'a JSON array whose items are not {PolicyId, Targets, Content} (the SCP format)');
    }
    const o = obj(value);
    if (['UserDetailList', 'RoleDetailList', 'GroupDetailList', 'Policies'].some((k) => k in o)) return parseAuthorizationDetails(o, source);
    if (typeof o.Content === 'string' && (o.ReportFormat === 'text/csv' || 'GeneratedTime' in o)) {
      return parseCredentialReport(Buffer.from(o.Content, 'base64').toString('utf8'), source);
    }
    throw new AuditInputError(
      source,
      `a JSON object without UserDetailList, GroupDetailList, RoleDetailList or Policies (keys: ${Object.keys(o).slice(0, 5).join(', ') || 'none'}): not an \`aws iam get-account-authorization-details\` export`,
    );
  }
  if (/^"?user"?,/.test(trimmed)) return parseCredentialReport(trimmed, source);
  throw new AuditInputError(source, 'neither JSON (an authorization-details export or an SCP list) nor a credential report CSV (first column "user")');
}
