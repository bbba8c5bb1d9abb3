/** A recorded month of an organisation (the bench's deterministic generator) and helpers to lay it out as CloudTrail writes it. */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { benchConfig, generate } from '../../bench/generate.ts';

export { benchConfig };

export type CloudTrailRecord = Record<string, unknown> & { eventTime: string; eventID: string; recipientAccountId: string; awsRegion: string };

/** `events` human-made records over `spanHours`, in event-time order, with a good share of findings. */
export function recordedHistory(events: number, options: { seed?: number; start?: string; spanHours?: number } = {}): CloudTrailRecord[] {
  return generate({
    events,
    seed: options.seed ?? 3,
    humanOnly: true,
    users: 60,
    roles: 20,
    actors: 120,
    start: new Date(options.start ?? '2026-11-01T00:00:00Z'),
    spanHours: options.spanHours ?? 24 * 30,
  }).records as CloudTrailRecord[];
}

/**
 * Lays records out as `aws s3 sync` copies a trail's bucket: one gzip log file per
 * account, region and `minutes` of event time, under
 * `AWSLogs/[o-ORG/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_N.json.gz`.
 * Returns the files written, in path order.
 */
export function writeS3Tree(root: string, records: readonly CloudTrailRecord[], options: { minutes?: number; org?: string } = {}): string[] {
  const minutes = options.minutes ?? 60;
  const groups = new Map<string, CloudTrailRecord[]>();
  for (const record of records) {
    const t = Date.parse(record.eventTime);
    const slot = new Date(Math.floor(t / (minutes * 60_000)) * minutes * 60_000);
    const iso = slot.toISOString();
    const [y, m, d] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
    const stamp = `${y}${m}${d}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
    const account = record.recipientAccountId;
    const region = record.awsRegion;
    const prefix = options.org ? `AWSLogs/${options.org}/${account}` : `AWSLogs/${account}`;
    const path = join(root, prefix, 'CloudTrail', region, y, m, d, `${account}_CloudTrail_${region}_${stamp}_x1.json.gz`);
    const group = groups.get(path) ?? [];
    group.push(record);
    groups.set(path, group);
  }
  for (const [path, group] of groups) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, gzipSync(JSON.stringify({ Records: group })));
  }
  return [...groups.keys()].sort();
}

/**
 * One write call by the CI user `ci` in production (333333333333) as CloudTrail records it:
 * the reconciler's scope tests and detect's ledger tests vary only the call and its details.
 */
export function ciWriteRecord(eventSource: string, eventName: string, extra: Record<string, unknown> = {}, options: { id?: string; time?: string } = {}): CloudTrailRecord {
  return {
    eventVersion: '1.09',
    eventID: options.id ?? `${eventSource}-${eventName}-${JSON.stringify(extra).length}`,
    eventTime: options.time ?? '2026-11-02T11:00:00Z',
    eventSource,
    eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.9',
    userAgent: 'aws-cli/2.15.0',
    recipientAccountId: '333333333333',
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    requestParameters: {},
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::333333333333:user/ci', accountId: '333333333333', accessKeyId: 'AKIACI00000000000001', userName: 'ci' },
    ...extra,
  };
}

/** Every record of the Stratus Red Team corpus (test/fixtures/corpus), as the files hold them. */
export function stratusRecords(): Record<string, unknown>[] {
  const corpus = 'test/fixtures/corpus/stratus-red-team';
  return readdirSync(corpus)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      const parsed = JSON.parse(readFileSync(join(corpus, f), 'utf8'));
      return (Array.isArray(parsed) ? parsed : (parsed.Records ?? [parsed])) as Record<string, unknown>[];
    });
}

/**
 * Writes the bench organisation's environments as a `blastwall.config.json` the CLI reads
 * (`--config FILE`), with `extra` top-level settings beside them; returns the path.
 */
export function writeBenchConfigFile(path: string, extra: Record<string, unknown> = {}): string {
  const config = benchConfig();
  const environments = config.environments.map((e) => ({ name: e.name, accounts: e.accounts, sensitivity: e.sensitivity, response: e.response }));
  writeFileSync(path, JSON.stringify({ environments, ...extra }));
  return path;
}
