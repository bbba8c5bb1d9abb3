/**
 * The `detect` handler path, as Lambda runs it, against a real DynamoDB protocol
 * server (dynalite) on loopback: EventBridge envelope → createDetectHandler →
 * pipeline → DynamoDB state store → publish (in-process collector).
 *
 * A middleware on the DynamoDBClient counts every request per event, by command,
 * and asks DynamoDB for the capacity each one consumed (ReturnConsumedCapacity),
 * so the cost model prices what was really read and written.
 *
 * Steady state: the stream is one organisation's traffic; the first `warmup`
 * events build history (not measured), the next `measured` events are measured.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Pipeline } from '../functions/core/pipeline.ts';
import { createEnvironmentResolver } from '../functions/core/environment.ts';
import { normaliseRecord } from '../functions/core/normalise.ts';
import { createDetector } from '../functions/core/detection/detector.ts';
import { planResponse } from '../functions/core/response/plan.ts';
import type { BlastwallConfig } from '../functions/core/config.ts';
import type { StateStore } from '../functions/core/detection/state-store.ts';
import { createDetectHandler } from '../functions/detect/handler.ts';
import { createDynamoSeenLedger } from '../functions/adapters/seen-ledger-dynamo.ts';
import { createDynamoStateStore } from '../functions/adapters/dynamo-state-store.ts';
import { startLocalDynamo } from '../test/support/dynalite.ts';
import { captureTelemetry } from '../test/faults/support/telemetry.ts';
import { benchConfig, envelope, generate } from './generate.ts';

const READ_COMMANDS = new Set(['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand', 'ScanCommand', 'TransactGetItemsCommand']);

export interface RequestTally {
  requests: number;
  reads: number;
  writes: number;
  readUnits: number;
  writeUnits: number;
  byCommand: Record<string, number>;
  /** Items written, by key prefix (CRED, ACTOR, SESSION, RES, EVT): which state costs the writes. */
  writtenItems: Record<string, number>;
}

export function emptyTally(): RequestTally {
  return { requests: 0, reads: 0, writes: 0, readUnits: 0, writeUnits: 0, byCommand: {}, writtenItems: {} };
}

function writtenPrefixes(command: string, input: Record<string, unknown>): string[] {
  const prefix = (item: unknown) => String((item as { pk?: { S?: string } } | undefined)?.pk?.S ?? '?').split('#')[0]!;
  if (command === 'PutItemCommand') return [prefix(input.Item)];
  if (command === 'UpdateItemCommand' || command === 'DeleteItemCommand') return [`${prefix(input.Key)}(update)`];
  if (command === 'BatchWriteItemCommand') {
    const requests = Object.values((input.RequestItems ?? {}) as Record<string, Array<{ PutRequest?: { Item: unknown } }>>).flat();
    return requests.map((r) => prefix(r.PutRequest?.Item));
  }
  return [];
}

function unitsOf(consumed: unknown): number {
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  return list.reduce((sum: number, c: { CapacityUnits?: number }) => sum + (c?.CapacityUnits ?? 0), 0);
}

/**
 * Counts every request the client sends (after any middleware the adapter adds,
 * before retries: `initialize` step = one logical request; retries are not billed
 * twice unless they reach DynamoDB, and the local client makes one attempt).
 */
export function countRequests(client: DynamoDBClient, tally: () => RequestTally, options: { capacity?: boolean } = {}) {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      const input = args.input as Record<string, unknown>;
      if (options.capacity !== false && !('ReturnConsumedCapacity' in input)) input.ReturnConsumedCapacity = 'TOTAL';
      const t = tally();
      t.requests++;
      t.byCommand[command] = (t.byCommand[command] ?? 0) + 1;
      const isRead = READ_COMMANDS.has(command);
      if (isRead) t.reads++;
      else {
        t.writes++;
        for (const p of writtenPrefixes(command, input)) t.writtenItems[p] = (t.writtenItems[p] ?? 0) + 1;
      }
      const result = await next(args);
      const units = unitsOf((result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity);
      if (isRead) t.readUnits += units;
      else t.writeUnits += units;
      return result;
    },
    { step: 'initialize', name: 'blastwallBenchRequestCounter', override: true },
  );
}

export interface DynamoResult {
  dynamoRequestsPerBenignEvent: number;
  dynamoWritesPerBenignEvent: number;
  dynamoRequestsPerDestructiveEvent: number;
  dynamoWritesPerDestructiveEvent: number;
  /** Capacity units DynamoDB reported (on-demand bills request units per item and KB). */
  dynamoReadUnitsPerEvent: number;
  dynamoWriteUnitsPerEvent: number;
  dynamoRequestsPerEvent: number;
  dynamoCommands: Record<string, number>;
  /** Items written during the measured window, benign events only, by key prefix. */
  benignWrittenItems: Record<string, number>;
  handlerLatencyP50Ms: number;
  handlerLatencyP99Ms: number;
  handlerLatencyMeanMs: number;
  /** Bytes the handler logs per event (Powertools logs + EMF metrics), for CloudWatch Logs cost. */
  logBytesPerEvent: number;
  findingsPerEvent: number;
  measuredEvents: number;
  benignEvents: number;
  destructiveEvents: number;
  warmupEvents: number;
  eventsPerMinute: number;
  rejected: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

/**
 * createPipeline's wiring, with one difference: the detector's read cache runs on a
 * simulated wall clock (the event's time + 2 s, when Lambda would receive it). The
 * bench pushes thousands of events a second through one process; on the real clock the
 * 20-second cache would see the whole stream as one burst and flatter the request count.
 */
function pipelineOnEventClock(config: BlastwallConfig, store: StateStore, wall: () => number): Pipeline {
  const resolver = createEnvironmentResolver(config);
  const detector = createDetector({ store, config, resolver, now: wall });
  return {
    config,
    resolver,
    detector,
    normalise: (raw) => normaliseRecord(raw, resolver),
    async detect(event, now) {
      const outcome = await detector.process(event);
      if (outcome.finding) outcome.finding.response = planResponse(outcome.finding, { config, now });
      return outcome;
    },
  };
}

export async function measureDynamo(opts: { warmup: number; measured: number; principals: number; eventsPerMinute?: number; seed?: number }): Promise<DynamoResult> {
  const total = opts.warmup + opts.measured;
  const perMinute = opts.eventsPerMinute ?? 200;
  const { records } = generate({
    events: total,
    seed: opts.seed ?? 3,
    humanOnly: true,
    users: Math.round(opts.principals * 0.75),
    roles: Math.round(opts.principals * 0.25),
    actors: Math.round(opts.principals * 1.5),
    // The organisation's event rate (default 200 a minute), which decides how often the read cache hits.
    spanHours: total / (perMinute * 60),
  });
  const destructiveNames = new Set(['TerminateInstances', 'DeleteVolume', 'DeleteSnapshot', 'DeleteBucket', 'DeleteStack', 'DeleteTable', 'DeleteDBSnapshot', 'ScheduleKeyDeletion']);
  const local = await startLocalDynamo();
  try {
    let current = emptyTally();
    countRequests(local.client, () => current);
    const config = benchConfig();
    const store = createDynamoStateStore({ client: local.client, tableName: local.tableName, config });
    const telemetry = captureTelemetry({ keepLines: false });
    let published = 0;
    let wall = 0;
    const handler = createDetectHandler({
      pipeline: pipelineOnEventClock(config, store, () => wall),
      publish: async () => {
        published++;
      },
      logger: telemetry.logger,
      metrics: telemetry.metrics,
      // As in Lambda: the reconciler's ledger of write events is part of detect's cost.
      seen: createDynamoSeenLedger(local.client, local.tableName),
    });

    let rejected = 0;
    const arrive = (record: Record<string, unknown>) => {
      wall = Date.parse(String(record.eventTime)) + 2_000;
    };
    for (let i = 0; i < opts.warmup; i++) {
      arrive(records[i]!);
      const r = await handler(envelope(records[i]!));
      if (r.status === 'rejected') rejected++;
    }
    telemetry.clear();
    published = 0;
    const latencies: number[] = [];
    const benign = emptyTally();
    const destructive = emptyTally();
    const all = emptyTally();
    let benignEvents = 0;
    let destructiveEvents = 0;
    for (let i = opts.warmup; i < total; i++) {
      const record = records[i]!;
      current = emptyTally();
      arrive(record);
      const t0 = performance.now();
      const result = await handler(envelope(record));
      latencies.push(performance.now() - t0);
      if (result.status === 'rejected') rejected++;
      const isDestructive = destructiveNames.has(String(record.eventName));
      const hasFinding = 'findingId' in result && result.findingId !== undefined;
      const bucket = isDestructive ? destructive : hasFinding ? undefined : benign;
      for (const t of bucket ? [bucket, all] : [all]) {
        t.requests += current.requests;
        t.reads += current.reads;
        t.writes += current.writes;
        t.readUnits += current.readUnits;
        t.writeUnits += current.writeUnits;
        for (const [k, v] of Object.entries(current.byCommand)) t.byCommand[k] = (t.byCommand[k] ?? 0) + v;
        for (const [k, v] of Object.entries(current.writtenItems)) t.writtenItems[k] = (t.writtenItems[k] ?? 0) + v;
      }
      if (isDestructive) destructiveEvents++;
      else if (!hasFinding) benignEvents++;
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const n = opts.measured;
    return {
      dynamoRequestsPerBenignEvent: benign.requests / Math.max(1, benignEvents),
      dynamoWritesPerBenignEvent: benign.writes / Math.max(1, benignEvents),
      dynamoRequestsPerDestructiveEvent: destructive.requests / Math.max(1, destructiveEvents),
      dynamoWritesPerDestructiveEvent: destructive.writes / Math.max(1, destructiveEvents),
      dynamoReadUnitsPerEvent: all.readUnits / n,
      dynamoWriteUnitsPerEvent: all.writeUnits / n,
      dynamoRequestsPerEvent: all.requests / n,
      dynamoCommands: all.byCommand,
      benignWrittenItems: benign.writtenItems,
      handlerLatencyP50Ms: percentile(sorted, 50),
      handlerLatencyP99Ms: percentile(sorted, 99),
      handlerLatencyMeanMs: latencies.reduce((a, b) => a + b, 0) / n,
      logBytesPerEvent: telemetry.bytes() / n,
      findingsPerEvent: published / n,
      measuredEvents: n,
      benignEvents,
      destructiveEvents,
      warmupEvents: opts.warmup,
      eventsPerMinute: perMinute,
      rejected,
    };
  } finally {
    await local.close();
  }
}
