/**
 * `--live` and the scheduled audit: the same inputs the offline audit reads, fetched
 * through the AWS SDK with the read-only role (`audit.readerRoleName`) in every account
 * of the config.
 *
 * - IAM GetAccountAuthorizationDetails, every page (the SDK paginator follows `Marker`,
 *   so the export is never truncated);
 * - GenerateCredentialReport until it is ready (bounded), then GetCredentialReport;
 * - ListAccessKeys per user (the key ids: the credential report has none);
 * - AWS Organizations: the SCPs, their targets and, per account, its OUs (ListParents),
 *   with the caller's own credentials (the management or delegated administrator
 *   account). Refused → the audit says so in its warnings, and runs without SCPs.
 *
 * Read-only: every call here is a List/Get/Describe or GenerateCredentialReport.
 */
import {
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  IAMClient,

  paginateGetAccountAuthorizationDetails,
  paginateListAccessKeys,
} from '@aws-sdk/client-iam';
import {
  DescribePolicyCommand,
  ListParentsCommand,
  OrganizationsClient,
  paginateListPolicies,
  paginateListTargetsForPolicy,
} from '@aws-sdk/client-organizations';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { STSClient } from '@aws-sdk/client-sts';
import type { UsageSighting } from '../core/audit/evaluate.ts';
import { parseAuditInput, type AuditInput, type ServiceControlPolicy } from '../core/audit/inputs.ts';
import { principalKeysFor } from '../core/audit/usage.ts';
import type { BlastwallConfig } from '../core/config.ts';
import { ResponderCredentials } from './responder-credentials.ts';
import { readPrincipalUsage } from './audit-usage-dynamo.ts';

export interface AuditClients {
  /** An IAM client signing as the reader role in that account. */
  iam(account: string): IAMClient | Promise<IAMClient>;
  /** Organizations with the caller's own credentials; absent = no SCPs. */
  organizations?: OrganizationsClient;
  /** The deployed state table, for "used by". */
  dynamodb?: DynamoDBClient;
}

export interface CollectOptions {
  tableName?: string;
  log: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  /** GenerateCredentialReport polls (2 s apart by default). */
  reportPolls?: number;
  reportPollMs?: number;
}

export interface Collected {
  inputs: AuditInput[];
  accessKeys: Map<string, string[]>;
  usage: UsageSighting[];
  /** Accounts that could not be read, with why. */
  failures: { account: string; reason: string }[];
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function describe(error: unknown): string {
  const e = error as { name?: string; message?: string };
  return `${e.name ?? 'Error'}: ${e.message ?? String(error)}`;
}

export async function collectAccount(iam: IAMClient, account: string, options: CollectOptions): Promise<{ inputs: AuditInput[]; accessKeys: Map<string, string[]> }> {
  const merged: Record<string, unknown[]> = { UserDetailList: [], GroupDetailList: [], RoleDetailList: [], Policies: [] };
  for await (const page of paginateGetAccountAuthorizationDetails({ client: iam }, {})) {
    for (const key of Object.keys(merged)) merged[key]!.push(...(((page as unknown as Record<string, unknown>)[key] as unknown[] | undefined) ?? []));
  }
  const details = parseAuditInput(JSON.stringify({ ...merged, IsTruncated: false }), `account ${account} (live)`);

  const sleep = options.sleep ?? defaultSleep;
  let state: string | undefined;
  for (let i = 0; i < (options.reportPolls ?? 10); i++) {
    state = (await iam.send(new GenerateCredentialReportCommand({}))).State;
    if (state === 'COMPLETE') break;
    await sleep(options.reportPollMs ?? 2000);
  }
  const inputs: AuditInput[] = [details];
  if (state === 'COMPLETE') {
    const report = await iam.send(new GetCredentialReportCommand({}));
    inputs.push(parseAuditInput(Buffer.from(report.Content ?? new Uint8Array()).toString('utf8'), `account ${account} credential report (live)`));
  } else options.log(`account ${account}: the credential report was not ready (${state ?? 'no state'}); key age unknown there`);

  const accessKeys = new Map<string, string[]>();
  if (details.kind === 'authorization-details') {
    for (const user of details.users) {
      const ids: string[] = [];
      for await (const page of paginateListAccessKeys({ client: iam }, { UserName: user.name })) {
        for (const k of page.AccessKeyMetadata ?? []) if (k.AccessKeyId && k.Status === 'Active') ids.push(k.AccessKeyId);
      }
      accessKeys.set(user.arn, ids);
    }
  }
  return { inputs, accessKeys };
}

/** The organisation's SCPs with their targets; OU targets carry the audited accounts under them. */
export async function collectScps(org: OrganizationsClient, accounts: readonly string[]): Promise<AuditInput> {
  // Each account's OU ancestry (ListParents up to the root, bounded: OUs nest at most 5 deep).
  const ancestry = new Map<string, string[]>();
  for (const account of accounts) {
    const ous: string[] = [];
    let child = account;
    for (let depth = 0; depth < 6; depth++) {
      const parent = (await org.send(new ListParentsCommand({ ChildId: child }))).Parents?.[0];
      if (!parent?.Id || parent.Type === 'ROOT') break;
      ous.push(parent.Id);
      child = parent.Id;
    }
    ancestry.set(account, ous);
  }
  const policies: ServiceControlPolicy[] = [];
  for await (const page of paginateListPolicies({ client: org }, { Filter: 'SERVICE_CONTROL_POLICY' })) {
    for (const summary of page.Policies ?? []) {
      if (!summary.Id) continue;
      const described = await org.send(new DescribePolicyCommand({ PolicyId: summary.Id }));
      const targets: ServiceControlPolicy['targets'] = [];
      for await (const tp of paginateListTargetsForPolicy({ client: org }, { PolicyId: summary.Id })) {
        for (const t of tp.Targets ?? []) {
          if (!t.TargetId || !t.Type) continue;
          const under = t.Type === 'ORGANIZATIONAL_UNIT' ? accounts.filter((a) => ancestry.get(a)?.includes(t.TargetId!)) : undefined;
          targets.push({ type: t.Type as ServiceControlPolicy['targets'][number]['type'], id: t.TargetId, ...(under ? { accounts: under } : {}) });
        }
      }
      policies.push({ id: summary.Id, name: summary.Name ?? summary.Id, targets, document: JSON.parse(described.Policy?.Content ?? '{}') });
    }
  }
  // Through the same parser as a file: one set of checks.
  return parseAuditInput(
    JSON.stringify(policies.map((p) => ({ PolicyId: p.id, Name: p.name, Targets: p.targets.map((t) => ({ TargetId: t.id, Type: t.type, ...(t.accounts ? { Accounts: t.accounts } : {}) })), Content: JSON.stringify(p.document) }))),
    'organisation SCPs (live)',
  );
}

/** Every configured account; an account that cannot be read is reported, the others still audited. */
export async function collectLive(config: BlastwallConfig, clients: AuditClients, options: CollectOptions): Promise<Collected> {
  const accounts = [...new Set(config.environments.flatMap((e) => e.accounts))].sort();
  const inputs: AuditInput[] = [];
  const accessKeys = new Map<string, string[]>();
  const failures: Collected['failures'] = [];
  for (const account of accounts) {
    try {
      const got = await collectAccount(await clients.iam(account), account, options);
      inputs.push(...got.inputs);
      for (const [k, v] of got.accessKeys) accessKeys.set(k, v);
    } catch (error) {
      failures.push({ account, reason: describe(error) });
      options.log(`account ${account}: not audited: ${describe(error)}`);
    }
  }
  if (clients.organizations) {
    try {
      inputs.push(await collectScps(clients.organizations, accounts));
    } catch (error) {
      options.log(`SCPs not read (${describe(error)}): the audit runs as if no SCP applied`);
    }
  }
  let usage: UsageSighting[] = [];
  if (clients.dynamodb && options.tableName) {
    const roleArns = inputs.flatMap((i) => (i.kind === 'authorization-details' ? i.roles.map((r) => r.arn) : []));
    usage = await readPrincipalUsage(clients.dynamodb, options.tableName, principalKeysFor(accessKeys, roleArns));
  }
  return { inputs, accessKeys, usage, failures };
}

/** The CLI's `--live`: the caller's credentials assume the reader role in each account. */
export function sdkLiveAuditSource() {
  return {
    async collect(config: BlastwallConfig, options: { tableName?: string; log: (line: string) => void }) {
      const credentials = new ResponderCredentials({ sts: new STSClient({}), roleName: config.audit.readerRoleName, sessionName: 'blastwall-audit' });
      const iamClients = new Map<string, IAMClient>();
      const clients: AuditClients = {
        iam: (account) => {
          let c = iamClients.get(account);
          if (!c) {
            c = new IAMClient({ credentials: () => credentials.forAccount(account) });
            iamClients.set(account, c);
          }
          return c;
        },
        organizations: new OrganizationsClient({}),
        ...(options.tableName ? { dynamodb: new DynamoDBClient({}) } : {}),
      };
      return collectLive(config, clients, options);
    },
  };
}

