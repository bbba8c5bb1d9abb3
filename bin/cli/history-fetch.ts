/**
 * Fetches CloudTrail history for `backtest` and `warm-up` into a spool of log files
 * the replay engine reads (so the backtest runs the very replay), resumably.
 *
 * Units: one per account and region (LookupEvents), or one for the whole
 * organisation (a CloudTrail Lake query). Each unit's pages are gathered into chunks
 * of about {@link CHUNK_EVENTS} events, each written as a CloudTrail log file in event-time
 * order; the checkpoint records, per unit, the token to continue from and the chunks
 * written, and is rewritten (atomically) after every chunk. A rerun with the same
 * checkpoint skips finished units and continues the others from their token: the pages
 * fetched after the last chunk are fetched again, never written twice.
 */
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { STSClient } from '@aws-sdk/client-sts';
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { ambientAccount, assumedAccounts, type HistoryAccount } from '../../functions/adapters/history-accounts.ts';
import {
  createLimiterPool,
  DEFAULT_RETRY,
  lakeRecordPages,
  lookupEventPages,
  LOOKUP_REQUESTS_PER_SECOND,
  type RetryPolicy,
} from '../../functions/adapters/cloudtrail-history.ts';
import { UsageError } from './io.ts';

export const CHUNK_EVENTS = 1000;
const CHUNK_NAME_BASE = 999_999;

export interface Window {
  since: Date;
  until: Date;
}

interface UnitState {
  nextToken?: string;
  chunks: number;
  events: number;
  done: boolean;
  /** Oldest event time fetched so far (LookupEvents walks back from `until`). */
  reached?: string;
  queryId?: string;
}

export interface Checkpoint {
  version: 1;
  source: 'lookup-events' | 'lake';
  since: string;
  until: string;
  units: Record<string, UnitState>;
}

export interface HistorySource {
  /** `lookup-events` per account and region, or one Lake query. */
  kind: 'lookup-events' | 'lake';
  window: Window;
  /** account → CloudTrail client factory per region. */
  accounts: Array<{ account: string; clientFor(region: string): CloudTrailClient }>;
  regions: string[];
  lake?: { eventDataStore: string; client: CloudTrailClient };
}

export interface FetchHooks {
  onProgress?(fraction: number): void;
  onNote?(text: string): void;
  retry?: RetryPolicy;
  requestsPerSecond?: number;
  concurrency?: number;
}

/** The spool directory that goes with a checkpoint file. */
export const spoolDirOf = (checkpointFile: string) => `${checkpointFile}.events`;

export async function readCheckpoint(file: string): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`--checkpoint ${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    const parsed = JSON.parse(text) as Checkpoint;
    if (parsed.version !== 1 || typeof parsed.units !== 'object' || !parsed.since || !parsed.until) throw new Error('unknown layout');
    return parsed;
  } catch (error) {
    throw new UsageError(`--checkpoint ${file}: not a Blastwall checkpoint (${(error as Error).message}); remove it to start over`);
  }
}

/**
 * Fetches every unit not finished yet into `spoolDir`, recording progress in `checkpointFile`.
 * Returns the spool's log files in the order the replay numbers them (unit, then time).
 */
export async function fetchHistory(source: HistorySource, spoolDir: string, checkpointFile: string, checkpoint: Checkpoint, hooks: FetchHooks = {}): Promise<string[]> {
  await mkdir(spoolDir, { recursive: true });
  let saving = Promise.resolve();
  const save = () => {
    const snapshot = JSON.stringify(checkpoint, null, 2);
    saving = saving.then(async () => {
      await writeFile(`${checkpointFile}.tmp`, snapshot);
      await rename(`${checkpointFile}.tmp`, checkpointFile);
    });
    return saving;
  };
  const retry = hooks.retry ?? { ...DEFAULT_RETRY, onRetry: (e: Error, n: number, ms: number) => hooks.onNote?.(`throttled (${e.name}), retry ${n} in ${ms} ms`) };
  const windowMs = source.window.until.getTime() - source.window.since.getTime();
  const fractions = new Map<string, number>();
  const report = () => hooks.onProgress?.([...fractions.values()].reduce((a, b) => a + b, 0) / Math.max(1, fractions.size));

  async function runUnit(key: string, pages: (state: UnitState) => AsyncGenerator<{ records: unknown[]; nextToken?: string; queryId?: string }>, newestFirst: boolean): Promise<void> {
    const state = (checkpoint.units[key] ??= { chunks: 0, events: 0, done: false });
    fractions.set(key, state.done ? 1 : 0);
    if (state.done) return;
    const dir = join(spoolDir, key.replace(/[^A-Za-z0-9-]/g, '-'));
    await mkdir(dir, { recursive: true });
    let buffer: unknown[] = [];
    const flush = async (nextToken: string | undefined, queryId?: string) => {
      if (buffer.length) {
        // LookupEvents pages are newest first: a chunk is written oldest first, and chunks are named so that path order is time order.
        const records = newestFirst ? buffer.reverse() : buffer;
        const name = String(newestFirst ? CHUNK_NAME_BASE - state.chunks : state.chunks).padStart(6, '0');
        await writeFile(join(dir, `${name}.json`), `{"Records":[\n${records.map((r) => JSON.stringify(r)).join(',\n')}\n]}\n`);
        state.chunks++;
        state.events += records.length;
        const oldest = records[0] as { eventTime?: string } | undefined;
        if (newestFirst && typeof oldest?.eventTime === 'string') state.reached = oldest.eventTime;
      }
      buffer = [];
      state.nextToken = nextToken;
      if (queryId) state.queryId = queryId;
      state.done = nextToken === undefined;
      await save();
    };
    for await (const page of pages(state)) {
      buffer.push(...page.records);
      if (newestFirst && page.records.length) {
        const t = Date.parse(String((page.records.at(-1) as { eventTime?: string }).eventTime));
        if (!Number.isNaN(t)) fractions.set(key, Math.min(1, (source.window.until.getTime() - t) / Math.max(1, windowMs)));
        report();
      }
      if (buffer.length >= CHUNK_EVENTS || page.nextToken === undefined) await flush(page.nextToken, page.queryId);
    }
    if (!state.done) await flush(undefined);
    fractions.set(key, 1);
    report();
  }

  if (source.kind === 'lake') {
    const lake = source.lake!;
    await runUnit(
      'lake',
      (state) =>
        lakeRecordPages(lake.client, { eventDataStore: lake.eventDataStore, start: source.window.since, end: source.window.until }, { retry, queryId: state.queryId, nextToken: state.nextToken }),
      false,
    );
  } else {
    const limiterFor = createLimiterPool(hooks.requestsPerSecond ?? LOOKUP_REQUESTS_PER_SECOND);
    const jobs: Array<() => Promise<void>> = [];
    for (const { account, clientFor } of source.accounts) {
      for (const region of source.regions) {
        const key = `${account}/${region}`;
        jobs.push(() =>
          runUnit(
            key,
            (state) =>
              lookupEventPages(clientFor(region), { start: source.window.since, end: source.window.until }, { limiter: limiterFor(key), retry, nextToken: state.nextToken }),
            true,
          ).catch((error: Error) => {
            throw Object.assign(new Error(`${key}: ${error.name}: ${error.message}`), { cause: error });
          }),
        );
      }
    }
    // Units run side by side (each bounded by its own bucket); the first failure stops the run after the others save.
    const concurrency = hooks.concurrency ?? 8;
    const failures: Error[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, jobs.length) }, async () => {
        while (next < jobs.length && failures.length === 0) {
          const job = jobs[next++]!;
          await job().catch((error: Error) => void failures.push(error));
        }
      }),
    );
    await saving;
    if (failures.length) throw failures[0];
  }
  await saving;
  return spoolFiles(spoolDir);
}

/** The spool's log files in path order: unit by unit, each oldest chunk first. */
export async function spoolFiles(spoolDir: string): Promise<string[]> {
  const files: string[] = [];
  for (const unit of (await readdir(spoolDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    for (const name of (await readdir(join(spoolDir, unit))).filter((n) => /^\d{6}\.json$/.test(n)).sort()) files.push(join(spoolDir, unit, name));
  }
  return files;
}

export async function removeSpool(spoolDir: string): Promise<void> {
  await rm(spoolDir, { recursive: true, force: true });
}

/**
 * The accounts to read: without a role name, the account of the ambient credentials;
 * with one, `arn:aws:iam::ACCOUNT:role/NAME` assumed in every configured account.
 */
export async function resolveAccounts(configuredAccounts: readonly string[], roleName: string | undefined, stsRegion: string): Promise<HistoryAccount[]> {
  const sts = new STSClient({ region: stsRegion });
  if (roleName === undefined) return [await ambientAccount(sts)];
  if (!/^[\w+=,.@/-]{1,512}$/.test(roleName)) throw new UsageError(`--role-name ${roleName}: not an IAM role name`);
  return assumedAccounts(sts, configuredAccounts, roleName);
}
