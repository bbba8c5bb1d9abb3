/**
 * `--format asff` and `--format ocsf`: every field the formats require, with the lengths and
 * values AWS documents (Security Hub API reference, `AwsSecurityFinding`) and the OCSF 1.3
 * Detection Finding class. The schemas below are written from those documents, not from the
 * producer, and run over every finding of the Stratus corpus and the incident scenarios.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../functions/core/finding.ts';
import { asffId, productArn, toAsff } from '../../functions/core/formats/asff.ts';
import { ASFF_TAXONOMY } from '../../functions/core/formats/taxonomy.ts';
import { toOcsf } from '../../functions/core/formats/ocsf.ts';
import { BLASTWALL_VERSION } from '../../functions/core/version.ts';
import { runCliRaw as runCli } from './run-cli.ts';

const STRATUS = 'test/fixtures/corpus/stratus-red-team';
const corpus = readdirSync(STRATUS)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => join(STRATUS, f));
const scenarios = ['incident', 'cross-account', 'root', 'tamper'].map((s) => `test/fixtures/scenarios/${s}.json`);
const inputs = [...corpus, ...scenarios];

// RFC 3339 as Security Hub's "Timestamps" section accepts it (UTC `Z` or an offset).
const rfc3339 = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/);
// Region shape: the Stratus corpus anonymises region names (`ap-central-2r`, `megov-west-1r`), so the
// check is the shape, not the list of regions that exist.
const region = /^[a-z]+(-[a-z]+)+-\d+[a-z]?$/;
const text = (max: number) => z.string().min(1).max(max).regex(/\S/);
const asffType = z.string().refine((t) => {
  const [ns, category, classifier, ...rest] = t.split('/');
  return rest.length === 0 && !!ns && !!category && (ASFF_TAXONOMY[ns]?.includes(category) ?? false) && (classifier === undefined || classifier.length > 0);
}, 'namespace/category[/classifier] from the ASFF types taxonomy (TTPs, Effects, Unusual Behaviors)');
const iamResourceId: Record<string, RegExp> = {
  AwsIamAccessKey: /^(AKIA|ASIA)[A-Z0-9]{12,124}$/,
  AwsIamRole: /^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/.+$/,
  AwsIamUser: /^arn:aws(-cn|-us-gov)?:iam::\d{12}:user\/.+$/,
  Other: /^arn:aws(-cn|-us-gov)?:(iam|sts)::\d{12}:.+$/,
};

const asffSchema = z
  .object({
    SchemaVersion: z.literal('2018-10-08'),
    Id: text(512),
    ProductArn: z.string().regex(/^arn:aws(-cn|-us-gov)?:securityhub:[a-z0-9-]+:(\d{12}):product\/(\d{12})\/default$/).refine((arn) => region.test(arn.split(':')[3]!)),
    ProductName: text(128),
    CompanyName: text(128),
    GeneratorId: text(512),
    AwsAccountId: z.string().regex(/^\d{12}$/),
    Region: z.string().regex(region),
    Types: z.array(asffType).min(1).max(50),
    FirstObservedAt: rfc3339,
    LastObservedAt: rfc3339,
    CreatedAt: rfc3339,
    UpdatedAt: rfc3339,
    Severity: z.object({ Label: z.enum(['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']), Original: z.string().max(64) }).strict(),
    Title: text(256),
    Description: text(1024),
    SourceUrl: z.string().url().startsWith('https://'),
    Remediation: z.object({ Recommendation: z.object({ Text: text(512) }).strict() }).strict(),
    ProductFields: z.record(z.string().min(1).max(128), z.string().max(2048)).refine((r) => Object.keys(r).length <= 50),
    Resources: z
      .array(
        z
          .object({
            Type: z.enum(['AwsIamAccessKey', 'AwsIamRole', 'AwsIamUser', 'Other']),
            Id: text(512),
            Partition: z.enum(['aws', 'aws-cn', 'aws-us-gov']),
            Region: z.string().min(1).max(16).optional(),
            Details: z.record(z.string(), z.record(z.string(), z.string())).optional(),
          })
          .strict()
          .refine((r) => iamResourceId[r.Type]!.test(r.Id), 'the exact key id or ARN for the resource type'),
      )
      .min(1)
      .max(32),
    Action: z
      .object({
        ActionType: z.literal('AWS_API_CALL'),
        AwsApiCallAction: z
          .object({
            Api: text(128),
            ServiceName: text(128),
            CallerType: z.enum(['remoteip', 'domain']),
            RemoteIpDetails: z.object({ IpAddressV4: z.ipv4() }).strict().optional(),
            DomainDetails: z.object({ Domain: z.string().min(1) }).strict().optional(),
            FirstSeen: rfc3339,
            LastSeen: rfc3339,
          })
          .strict(),
      })
      .strict()
      .optional(),
    RecordState: z.enum(['ACTIVE', 'ARCHIVED']),
  })
  .strict()
  .refine((f) => f.ProductArn.endsWith(`:${f.AwsAccountId}:product/${f.AwsAccountId}/default`), 'the default product of the importing account')
  .refine((f) => f.CreatedAt <= f.UpdatedAt && f.FirstObservedAt <= f.LastObservedAt, 'times in order');

const epochMs = z.number().int().min(Date.UTC(2000, 0, 1)).max(Date.UTC(2100, 0, 1));
const awsAccount = z.object({ uid: z.string().regex(/^\d{12}$/), type: z.literal('AWS Account'), type_id: z.literal(10) }).strict();
const ocsfSchema = z
  .object({
    activity_id: z.union([z.literal(1), z.literal(2), z.literal(3)]),
    activity_name: z.enum(['Create', 'Update', 'Close']),
    category_uid: z.literal(2),
    category_name: z.literal('Findings'),
    class_uid: z.literal(2004),
    class_name: z.literal('Detection Finding'),
    type_uid: z.number().int(),
    type_name: z.string(),
    severity_id: z.number().int().min(0).max(6),
    severity: z.enum(['Informational', 'Low', 'Medium', 'High', 'Critical']),
    status_id: z.union([z.literal(1), z.literal(4)]),
    status: z.enum(['New', 'Resolved']),
    time: epochMs,
    message: z.string().min(1),
    metadata: z
      .object({
        version: z.string().regex(/^1\.\d+\.\d+$/),
        uid: z.string().min(1),
        product: z.object({ name: z.literal('Blastwall'), vendor_name: z.string().min(1), version: z.string().regex(/^\d+\.\d+\.\d+/) }).strict(),
        profiles: z.array(z.string()),
      })
      .strict(),
    finding_info: z
      .object({
        uid: z.string().min(1),
        title: z.string().min(1).max(256),
        desc: z.string().min(1),
        types: z.array(z.string()).min(1),
        created_time: epochMs,
        first_seen_time: epochMs,
        last_seen_time: epochMs,
        src_url: z.string().url(),
      })
      .strict(),
    cloud: z.object({ provider: z.literal('AWS'), region: z.string().min(1), account: awsAccount }).strict(),
    actor: z
      .object({
        user: z.object({ uid: z.string().min(1), name: z.string().optional(), type: z.string().min(1), credential_uid: z.string().optional(), account: awsAccount.optional() }).strict(),
        session: z.object({ issuer: z.string().optional(), is_mfa: z.boolean().optional(), created_time: epochMs.optional(), credential_uid: z.string().optional() }).strict().optional(),
        invoked_by: z.string().optional(),
      })
      .strict(),
    api: z.object({ operation: z.string().min(1), service: z.object({ name: z.string().min(1) }).strict() }).strict(),
    src_endpoint: z.object({ ip: z.string().optional(), domain: z.string().optional() }).strict().refine((e) => !!(e.ip ?? e.domain)),
    http_request: z.object({ user_agent: z.string() }).strict().optional(),
    resources: z
      .array(z.object({ uid: z.string().min(1), type: z.string().min(1), cloud_partition: z.string(), region: z.string(), owner: z.object({ account: awsAccount }).strict().optional() }).strict())
      .min(1),
    remediation: z.object({ desc: z.string().min(1) }).strict().optional(),
    unmapped: z.record(z.string(), z.unknown()),
  })
  .strict()
  .refine((f) => f.type_uid === f.class_uid * 100 + f.activity_id, 'type_uid = class_uid × 100 + activity_id');

const SEVERITY_ID = { info: 1, low: 2, medium: 3, high: 4, critical: 5 } as const;

async function replay(format: string, files = inputs) {
  return runCli(['replay', '--format', format, ...files]);
}

describe('blastwall replay --format asff', () => {
  it('writes one valid ASFF finding per finding, as a JSON array batch-import-findings takes', async () => {
    const [json, asff] = await Promise.all([replay('json'), replay('asff')]);
    expect(asff.code).toBe(0);
    const findings = json.lines.filter((l) => l.type === 'finding');
    expect(findings.length).toBeGreaterThan(20);
    const array = JSON.parse(asff.stdout) as unknown[];
    expect(Array.isArray(array)).toBe(true);
    // One finding in, one out, in the same order, with the same id.
    expect(array).toHaveLength(findings.length);
    array.forEach((item, i) => {
      const parsed = asffSchema.safeParse(item);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      const f = item as Record<string, unknown>;
      const j = findings[i]!;
      expect(f.Id).toBe(asffId(j.id as string));
      expect((f.Severity as { Label: string }).Label).toBe(String(j.severity).replace('info', 'informational').toUpperCase());
      // Without deployment.centralAccount the finding is imported into its own account.
      expect(f.AwsAccountId).toBe(j.account);
      // The revoked credential is a resource, by its exact key id or ARN.
      const cred = j.credential as { accessKeyId: string | null; arn: string | null };
      const ids = (f.Resources as Array<{ Id: string }>).map((r) => r.Id);
      if (cred.accessKeyId) expect(ids).toContain(cred.accessKeyId);
      expect((f.SourceUrl as string).endsWith(`#/events/${encodeURIComponent(j.eventId as string)}`)).toBe(true);
    });
    // The summary is on stderr; stdout is only the array.
    expect(asff.stderr).toMatch(/events read, 0 rejected/);
  });

  it('maps signals into the TTPs, Effects and Unusual Behaviors namespaces', async () => {
    const run = await replay('asff');
    const types = new Set((JSON.parse(run.stdout) as Array<{ Types: string[] }>).flatMap((f) => f.Types.map((t) => t.split('/')[0])));
    expect([...types].sort()).toEqual(['Effects', 'TTPs', 'Unusual Behaviors']);
    const all = (JSON.parse(run.stdout) as Array<{ Types: string[]; ProductFields: Record<string, string> }>).flatMap((f) => f.Types);
    expect(all).toContain('TTPs/Defense Evasion/Blastwall-logging-tamper');
  });

  it('imports into the central account and region of the config when it names them', async () => {
    const dir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'blastwall-asff-'));
    const config = join(dir, 'blastwall.config.json');
    (await import('node:fs')).writeFileSync(
      config,
      JSON.stringify({
        environments: [
          { name: 'staging', accounts: ['222222222222'], sensitivity: 'low', response: 'enforce' },
          { name: 'production', accounts: ['333333333333'], sensitivity: 'high', response: 'enforce' },
        ],
        deployment: { organizationId: 'o-abc123defg', centralAccount: '999999999999', centralRegion: 'eu-west-1' },
      }),
    );
    const run = await runCli(['replay', '--config', config, '--format', 'asff', 'test/fixtures/scenarios/incident.json']);
    const array = JSON.parse(run.stdout) as Array<{ AwsAccountId: string; ProductArn: string; Region: string; Resources: Array<{ Region: string }> }>;
    expect(array.length).toBeGreaterThan(0);
    for (const f of array) {
      expect(f.AwsAccountId).toBe('999999999999');
      expect(f.ProductArn).toBe('arn:aws:securityhub:eu-west-1:999999999999:product/999999999999/default');
      expect(asffSchema.safeParse(f).success).toBe(true);
    }
  });

  it('writes an empty array (still valid JSON) when nothing is found', async () => {
    const dir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'blastwall-asff-'));
    const file = join(dir, 'none.json');
    (await import('node:fs')).writeFileSync(file, '[]');
    const run = await runCli(['replay', '--format', 'asff', file]);
    expect(JSON.parse(run.stdout)).toEqual([]);
  });
});

describe('blastwall replay --format ocsf', () => {
  it('writes one OCSF Detection Finding (class 2004) per finding, as JSON lines', async () => {
    const [json, ocsf] = await Promise.all([replay('json'), replay('ocsf')]);
    expect(ocsf.code).toBe(0);
    const findings = json.lines.filter((l) => l.type === 'finding');
    const lines = ocsf.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(findings.length);
    lines.forEach((line, i) => {
      const item = JSON.parse(line) as Record<string, any>;
      const parsed = ocsfSchema.safeParse(item);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      const j = findings[i]!;
      expect(item.finding_info.uid).toBe(j.id);
      expect(item.cloud.account.uid).toBe(j.account);
      expect(item.api.operation).toBe(j.eventName);
      expect(item.severity_id).toBe(SEVERITY_ID[j.severity as keyof typeof SEVERITY_ID]);
      expect(item.time).toBe(Date.parse(j.time as string));
      expect(item.activity_id).toBe(1);
      expect(item.type_uid).toBe(200401);
      expect(item.metadata.product.version).toBe(BLASTWALL_VERSION);
    });
  });
});

describe('formats on hostile and edge-case findings', () => {
  const hostile: Finding = {
    id: 'f-0123456789abcdef',
    eventId: 'evt/../<script>',
    time: '2026-11-02T10:00:00Z',
    eventName: `Delete${'X'.repeat(5000)}`,
    eventSource: 's3.amazonaws.com',
    account: '333333333333',
    region: 'us-east-1',
    environment: 'production',
    severity: 'critical',
    summary: `\u0000\u0007${'long summary '.repeat(500)}`,
    credential: {
      type: 'role-session',
      accessKeyId: 'ASIAEXAMPLEKEY000001',
      arn: 'arn:aws:sts::333333333333:assumed-role/deployer/session',
      issuerArn: 'arn:aws:iam::333333333333:role/deployer',
      accountId: '333333333333',
      principalName: 'deployer',
      homeEnvironment: 'production',
    },
    actor: { sourceIp: '2001:db8::1', userAgent: 'x'.repeat(300), userAgentFamily: 'other' },
    reasons: Array.from({ length: 80 }, (_, i) => ({ signal: `unknown-signal-${i}`, text: 'y'.repeat(200), severity: 'high' as const })),
    categories: ['data-destruction'],
    environmentsCrossed: ['staging', 'production'],
    lineage: Array.from({ length: 40 }, (_, i) => ({
      type: 'access-key' as const,
      accessKeyId: `AKIALINEAGE${String(i).padStart(9, '0')}`,
      arn: `arn:aws:iam::222222222222:user/u${i}`,
      accountId: '222222222222',
      homeEnvironment: 'staging',
    })),
    recentEvents: [],
    mode: 'enforce',
    response: [],
  };
  const target = { account: '999999999999', region: 'eu-west-1' };

  it('clips every string and list to the ASFF limits and stays valid', () => {
    const f = toAsff(hostile, target, { updatedAt: '2026-11-02T10:05:00Z' });
    const parsed = asffSchema.safeParse(f);
    expect(parsed.success, JSON.stringify(parsed.error?.issues?.slice(0, 3))).toBe(true);
    expect(f.Title.length).toBeLessThanOrEqual(256);
    expect(f.Description.length).toBeLessThanOrEqual(1024);
    expect(f.Description).not.toMatch(/[\u0000-\u0008]/);
    expect(f.Resources).toHaveLength(32);
    expect(f.Types.length).toBeLessThanOrEqual(50);
    // An IPv6 source is not an IpAddressV4: no Action rather than an invalid one.
    expect(f.Action).toBeUndefined();
    expect(f.SourceUrl).toBe('https://us-east-1.console.aws.amazon.com/cloudtrail/home?region=us-east-1#/events/evt%2F..%2F%3Cscript%3E');
    expect(f.ProductArn).toBe(productArn(target));
    expect(f.UpdatedAt).toBe('2026-11-02T10:05:00.000Z');
    // Compiles against the real SDK's type: the adapter sends exactly this.
    const sdk: AwsSecurityFinding = f;
    expect(sdk.Id).toBe('blastwall/f-0123456789abcdef');
  });

  it('OCSF stays valid too and marks a restored finding Resolved', () => {
    const restored: Finding = {
      ...hostile,
      response: [
        {
          action: 'iam:PutRolePolicy',
          target: 'arn:aws:iam::333333333333:role/deployer',
          account: '333333333333',
          mode: 'enforce',
          status: 'done',
          restored: { approver: { id: 'U1', name: 'a' }, reason: 'ok', at: '2026-11-02T11:00:00Z', status: 'done' },
        },
      ],
    };
    const o = toOcsf(restored, { activity: 'close' });
    expect(ocsfSchema.safeParse(o).success).toBe(true);
    expect([o.status_id, o.activity_id, o.type_uid]).toEqual([4, 3, 200403]);
    expect(o.src_endpoint).toEqual({ ip: '2001:db8::1' });
    expect(toAsff(restored, target).Remediation.Recommendation.Text).toContain('restored (done)');
  });
});
