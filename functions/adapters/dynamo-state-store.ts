/**
 * Detection state in the single DynamoDB table (see table-schema.ts).
 *
 *   pk                                   sk        what
 *   CRED#<principal key>                 STATE     history of a principal (JSON in `data`, `version`)
 *   ACTOR#<source ip>|<ua family>        STATE     principals a machine used, where, when
 *   SESSION#<ASIA…>                      LINEAGE   who minted a session key
 *   RES#<account>#<type>#<name>          CREATED   who created a resource, when
 *   EVT#<eventId>                        EVT       processed marker + the finding (only events with a finding)
 *   EVT#shared:<sharedEventID>           SHARED    the same, for the other copy of a cross-account call
 *
 * Every item carries `expiresAt` (epoch seconds) for DynamoDB TTL. `data` is the
 * item's JSON, deflated with a preset dictionary of the field names and common
 * values (binary, first byte = codec version): a write unit is 1 KB, and the
 * JSON of an actor or a finding is 3–6 KB. Items written as a JSON string (`S`,
 * before the codec) are still read.
 *
 * Requests: one BatchGetItem per event, eventually consistent (half the read
 * units; a stale read can only cost a conditional-write conflict, after which
 * the detector reloads strongly consistent), plus a retry only if DynamoDB returns
 * unprocessed keys; writes only when something material changed — usually one
 * PutItem (the actor or the principal), a few for an event with a finding; one
 * or two UpdateItem per published finding.
 */
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  type AttributeValue,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { BlastwallConfig } from '../core/config.ts';
import {
  type ContextQuery,
  type CreatedResource,
  type DetectionContext,
  type LoadOptions,
  StateConflictError,
  type StateStore,
  type StateUpdate,
} from '../core/detection/state-store.ts';
import { TABLE_SCHEMA } from './table-schema.ts';
import { severityRank } from '../core/audit-event.ts';

const PK = TABLE_SCHEMA.partitionKey;
const SK = TABLE_SCHEMA.sortKey;
const TTL = TABLE_SCHEMA.ttlAttribute;

export interface DynamoStateStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Accepted for symmetry with the other adapters; TTLs are computed by the detector from it. */
  config?: BlastwallConfig;
  /** How many times to re-ask for unprocessed BatchGet keys (throttling). Default 5. */
  maxBatchRetries?: number;
}

type Item = Record<string, AttributeValue>;
interface Key {
  pk: string;
  sk: string;
}

const keyOf = (k: Key): Item => ({ [PK]: { S: k.pk }, [SK]: { S: k.sk } });
const id = (k: Key) => `${k.pk}\u0000${k.sk}`;

/**
 * DynamoDB limits a partition key to 2048 bytes; a key built from event text (a resource
 * name from request parameters, a principal ARN) may be longer. Past 1024 bytes the part
 * after the prefix is replaced by its SHA-256: the same text always gives the same key.
 */
export const MAX_KEY_BYTES = 1024;

export function boundKey(k: Key): Key {
  if (Buffer.byteLength(k.pk) <= MAX_KEY_BYTES) return k;
  const prefix = k.pk.slice(0, k.pk.indexOf('#') + 1);
  return { pk: `${prefix}sha256:${createHash('sha256').update(k.pk).digest('hex')}`, sk: k.sk };
}

export function resourceItemKey(r: { account: string; type: string; name: string }): Key {
  return boundKey({ pk: `RES#${r.account}#${r.type}#${r.name}`, sk: 'CREATED' });
}

const keys = {
  processed: (eventId: string): Key => boundKey({ pk: `EVT#${eventId}`, sk: 'EVT' }),
  shared: (sharedEventId: string): Key => boundKey({ pk: `EVT#shared:${sharedEventId}`, sk: 'SHARED' }),
  principal: (principalKey: string): Key => boundKey({ pk: `CRED#${principalKey}`, sk: 'STATE' }),
  actor: (actorKey: string): Key => boundKey({ pk: `ACTOR#${actorKey}`, sk: 'STATE' }),
  session: (accessKeyId: string): Key => boundKey({ pk: `SESSION#${accessKeyId}`, sk: 'LINEAGE' }),
};

/**
 * Preset dictionary for the item codec: the field names and values that recur in
 * every item (deflate finds them here instead of spelling them out once per item).
 * Changing it breaks reading existing items: add a new codec version instead.
 */
const DICTIONARY_V1 = Buffer.from(
  [
    'AwsApiCallus-east-1eu-west-1amazonaws.comarn:aws:iam::arn:aws:sts::assumed-role/:role/:user/aws-cli/aws-sdk-go',
    'boto3terraformconsolecloudformationread-onlyunknowndry-runenforcepage-onlyplannedmanualskipped',
    '"severity":"info""severity":"low""severity":"medium""severity":"high""severity":"critical"',
    '"signal":"text":"mitigating":true"reasons":[{"categories":["environmentsCrossed":["lineage":[]"recentEvents":[{',
    '"summary":"mode":"response":[]"region":"eventSource":"eventName":"account":"environment":"errorCode":"',
    '"routine":{}"events":[{"id":"time":"destructive":[]"sources":[{"network":"family":"environments":[{',
    '"credential":{"type":"role-session","access-key","homeEnvironment":"accessKeyId":"ASIA"AKIA"arn":"',
    '"issuerArn":"issuerType":"Role","accountId":"principalName":"sessionName":"mfa":false,"sessionIssuedAt":"',
    '"actor":{"sourceIp":"userAgent":"userAgentFamily":"action":{"service":"readOnly":true,"readOnly":false,',
    '"eventType":"AwsApiCall","resources":[],"requestParameters":{"responseElements":null,"sharedEventId":"requestId":"',
    '"uses":[{"principalKey":"role:arn:aws:iam::","key:AKIA","credentialKey":"credentialType":"description":"',
    '"a production session","a staging session","of role ","the access key AKIA of IAM user ',
    '"firstSeen":"lastSeen":"first":{"id":"time":"timeMs":"recent":[{"eventId":"userAgentFamily":"sourceIp":"',
    '"version":"key":"published":false,"finding":{"id":"f-"eventId":"',
  ].join(''),
);
const CODEC_V1 = 1;

export function encodeItemData(value: unknown): Uint8Array {
  const deflated = deflateRawSync(Buffer.from(JSON.stringify(value)), { level: 9, dictionary: DICTIONARY_V1 });
  const out = new Uint8Array(deflated.length + 1);
  out[0] = CODEC_V1;
  out.set(deflated, 1);
  return out;
}

export function decodeItemData<T>(attribute: AttributeValue | undefined): T | undefined {
  if (attribute?.S !== undefined) return JSON.parse(attribute.S) as T; // written before the codec
  const bytes = attribute?.B;
  if (bytes === undefined) return undefined;
  if (bytes[0] !== CODEC_V1) throw new Error(`detection state item with unknown codec version ${bytes[0]}`);
  const json = inflateRawSync(bytes.subarray(1), { dictionary: DICTIONARY_V1 }).toString('utf8');
  return JSON.parse(json) as T;
}

function dataOf<T>(item: Item | undefined): T | undefined {
  return decodeItemData<T>(item?.['data']);
}

/**
 * DynamoDB refuses an item over 400 KB (attribute names and values), and a refused save
 * would send the event to the DLQ and lose its finding. Whatever an event's resources and
 * parameters hold, the encoded `data` of every item is kept under this budget (the rest of
 * an item — keys, TTL, version, flags — is well under 3 KB).
 */
export const ITEM_DATA_BUDGET = 300 * 1024;

export type ItemKind = 'principal' | 'actor' | 'lineage' | 'created' | 'processed';

/** A deep copy with every string longer than `maxString` cut and every array cut to its first `maxArray` items. */
export function shrink(value: unknown, maxString: number, maxArray = Number.POSITIVE_INFINITY): unknown {
  if (typeof value === 'string') return value.length > maxString ? `${value.slice(0, maxString)}…` : value;
  if (Array.isArray(value)) return value.slice(0, maxArray).map((v) => shrink(v, maxString, maxArray));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shrink(v, maxString, maxArray)]));
  return value;
}

type Compactor = (value: any, round: number) => unknown;

/** A kept event without what can be large: its resources and parameters. */
const bareEvent = (e: any) => {
  if (!e) return e;
  const { requestParameters: _p, responseElements: _r, additionalEventData: _a, ...rest } = e;
  return { ...rest, resources: [] };
};

/**
 * Step by step, least loss first: what is dropped first is what only refines detection
 * (a hop's first event's resources and parameters, older recent events), never the
 * identity of the item or its version. Each step returns a new value (the detector keeps
 * its own objects); undefined when there is nothing left to drop.
 */
const COMPACTORS: Record<ItemKind, Compactor> = {
  actor: (a, round) => {
    if (round === 0) return { ...a, uses: a.uses.map((u: any) => (u.first ? { ...u, first: bareEvent(u.first) } : u)) };
    if (round === 1) return { ...a, uses: a.uses.map((u: any, i: number) => (i < 5 ? u : { ...u, first: undefined })), recent: a.recent.slice(-3) };
    if (round === 2) return { ...a, uses: a.uses.map((u: any) => ({ ...u, first: undefined })) };
    return undefined;
  },
  principal: (p, round) => {
    if (round === 0) return { ...p, recent: p.recent.slice(-3) };
    if (round === 1) return { ...p, sources: p.sources.slice(0, 10), destructive: p.destructive.slice(-10), recent: [] };
    return undefined;
  },
  processed: (r, round) => {
    if (round === 0) return { ...r, finding: { ...r.finding, recentEvents: r.finding.recentEvents.slice(-3), lineage: r.finding.lineage.slice(0, 3) } };
    if (round === 1) return { ...r, finding: { ...r.finding, reasons: r.finding.reasons.slice(0, 20), recentEvents: r.finding.recentEvents.slice(-1), lineage: [] } };
    return undefined;
  },
  lineage: (l, round) => (round === 0 ? { ...l, chain: l.chain.slice(0, 2) } : undefined),
  created: () => undefined,
};

/** The value as stored: itself when it fits, else compacted until it does (then strings cut, as a last resort). */
export function boundedItemData(kind: ItemKind, value: unknown): { data: Uint8Array; compacted: boolean } {
  let data = encodeItemData(value);
  if (data.length <= ITEM_DATA_BUDGET) return { data, compacted: false };
  let current = value;
  let round = 0;
  // First what the kind can drop, then, as a last resort, every long string and list is cut.
  for (let next = COMPACTORS[kind](current, round); next !== undefined && data.length > ITEM_DATA_BUDGET; next = COMPACTORS[kind](current, ++round)) {
    current = next;
    data = encodeItemData(current);
  }
  for (const [maxString, maxArray] of [[4096, Infinity], [1024, Infinity], [256, 50], [64, 10]] as const) {
    if (data.length <= ITEM_DATA_BUDGET) break;
    current = shrink(current, maxString, maxArray);
    data = encodeItemData(current);
  }
  if (data.length > ITEM_DATA_BUDGET) throw new Error(`detection state item (${kind}) cannot be compacted under ${ITEM_DATA_BUDGET} bytes`);
  return { data, compacted: true };
}

function itemFor(kind: ItemKind, key: Key, value: unknown, expiresAt: number, extra: Item = {}): Item {
  return { ...keyOf(key), data: { B: boundedItemData(kind, value).data }, [TTL]: { N: String(expiresAt) }, ...extra };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createDynamoStateStore(options: DynamoStateStoreOptions): StateStore {
  const { client, tableName } = options;
  const maxBatchRetries = options.maxBatchRetries ?? 5;

  async function batchGet(wanted: Key[], consistent: boolean): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    let pending: Item[] = [...new Map(wanted.map((k) => [id(k), keyOf(k)])).values()];
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > maxBatchRetries) throw new Error(`DynamoDB left ${pending.length} keys unprocessed after ${maxBatchRetries} retries`);
      if (attempt > 0) await sleep(Math.min(1000, 25 * 2 ** attempt));
      const out = await client.send(
        new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: pending.slice(0, 100), ConsistentRead: consistent } } }),
      );
      for (const item of out.Responses?.[tableName] ?? []) found.set(`${item[PK]?.S}\u0000${item[SK]?.S}`, item);
      pending = [...(out.UnprocessedKeys?.[tableName]?.Keys ?? []), ...pending.slice(100)];
    }
    return found;
  }

  async function batchWrite(items: Item[]): Promise<void> {
    let pending = items.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > maxBatchRetries) throw new Error(`DynamoDB left ${pending.length} writes unprocessed after ${maxBatchRetries} retries`);
      if (attempt > 0) await sleep(Math.min(1000, 25 * 2 ** attempt));
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending.slice(0, 25) } }));
      pending = [...((out.UnprocessedItems?.[tableName] ?? []) as typeof pending), ...pending.slice(25)];
    }
  }

  async function conditionalPut(input: ConstructorParameters<typeof PutItemCommand>[0]): Promise<void> {
    try {
      await client.send(new PutItemCommand(input));
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException') {
        throw new StateConflictError();
      }
      throw error;
    }
  }

  return {
    async load(query: ContextQuery, options?: LoadOptions): Promise<DetectionContext> {
      const wanted: Key[] = [keys.processed(query.eventId), keys.principal(query.principalKey)];
      if (query.sharedEventId) wanted.push(keys.shared(query.sharedEventId));
      if (query.actorKey) wanted.push(keys.actor(query.actorKey));
      if (query.sessionKey) wanted.push(keys.session(query.sessionKey));
      const resourceKeys = query.resources.map(resourceItemKey);
      wanted.push(...resourceKeys);
      const found = await batchGet(wanted, options?.consistent === true);
      const get = (k: Key) => found.get(id(k));

      const context: DetectionContext = { created: [] };
      const marker = get(keys.processed(query.eventId)) ?? (query.sharedEventId ? get(keys.shared(query.sharedEventId)) : undefined);
      if (marker) {
        const finding = dataOf<DetectionContext['processed']>(marker);
        if (finding) context.processed = { ...finding, published: marker['published']?.BOOL === true };
      }
      const principal = dataOf<NonNullable<DetectionContext['principal']>>(get(keys.principal(query.principalKey)));
      if (principal) context.principal = principal;
      if (query.actorKey) {
        const actor = dataOf<NonNullable<DetectionContext['actor']>>(get(keys.actor(query.actorKey)));
        if (actor) context.actor = actor;
      }
      if (query.sessionKey) {
        const lineage = dataOf<NonNullable<DetectionContext['lineage']>>(get(keys.session(query.sessionKey)));
        if (lineage) context.lineage = lineage;
      }
      for (const k of resourceKeys) {
        const created = dataOf<CreatedResource>(get(k));
        if (created) context.created.push(created);
      }
      return context;
    },

    async save(update: StateUpdate): Promise<void> {
      // Write order, so that the processed marker is the commit point:
      //   1. facts that are true whatever happens next (lineage, created resources): one BatchWriteItem;
      //   2. versioned principal and actor state: conditional PutItem each;
      //   3. the processed marker (+ its cross-account alias): conditional PutItem, last.
      // A conflict in 2 or 3 makes the detector reload and recompute; state is kept in
      // event time (min/max, dedup by event id), so re-applying an event is harmless.
      // (DynamoDB transactions would also do, at twice the write cost, and dynalite lacks them.)
      const facts = new Map<string, Item>();
      for (const l of update.lineage ?? []) {
        const k = keys.session(l.value.accessKeyId);
        facts.set(id(k), itemFor('lineage', k, l.value, l.expiresAt));
      }
      for (const c of update.created ?? []) {
        const k = resourceItemKey(c.value);
        facts.set(id(k), itemFor('created', k, c.value, c.expiresAt));
      }
      if (facts.size === 1) await client.send(new PutItemCommand({ TableName: tableName, Item: [...facts.values()][0]! }));
      else if (facts.size > 1) await batchWrite([...facts.values()]);

      const versioned = async (kind: ItemKind, key: Key, value: { version: number }, expiresAt: number) => {
        const first = value.version - 1 === 0;
        await conditionalPut({
          TableName: tableName,
          Item: itemFor(kind, key, value, expiresAt, { version: { N: String(value.version) } }),
          ...(first
            ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } }
            : {
                ConditionExpression: '#v = :prev',
                ExpressionAttributeNames: { '#v': 'version' },
                ExpressionAttributeValues: { ':prev': { N: String(value.version - 1) } },
              }),
        });
      };
      if (update.principal) await versioned('principal', keys.principal(update.principal.value.key), update.principal.value, update.principal.expiresAt);
      if (update.actor) await versioned('actor', keys.actor(update.actor.value.key), update.actor.value, update.actor.expiresAt);

      if (update.processed) {
        const { value, expiresAt, sharedEventId, upgrade } = update.processed;
        const rank = severityRank(value.finding.severity);
        // Absent — or, for an upgrade (a late event re-scored it), the same finding at a lower severity.
        const once: Omit<ConstructorParameters<typeof PutItemCommand>[0], 'TableName' | 'Item'> = upgrade
          ? {
              ConditionExpression: 'attribute_not_exists(#pk) OR (#f = :f AND #sr < :sr)',
              ExpressionAttributeNames: { '#pk': PK, '#f': 'findingId', '#sr': 'severityRank' },
              ExpressionAttributeValues: { ':f': { S: value.finding.id }, ':sr': { N: String(rank) } },
            }
          : { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } };
        const extra: Item = { published: { BOOL: value.published }, findingId: { S: value.finding.id }, severityRank: { N: String(rank) } };
        if (sharedEventId) await conditionalPut({ TableName: tableName, Item: itemFor('processed', keys.shared(sharedEventId), value, expiresAt, extra), ...once });
        await conditionalPut({ TableName: tableName, Item: itemFor('processed', keys.processed(value.eventId), value, expiresAt, extra), ...once });
      }
    },

    async markPublished(eventId: string, findingId: string, sharedEventId?: string): Promise<void> {
      const targets = [keys.processed(eventId), ...(sharedEventId ? [keys.shared(sharedEventId)] : [])];
      for (const key of targets) {
        try {
          await client.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: keyOf(key),
              UpdateExpression: 'SET #p = :t',
              ConditionExpression: 'attribute_exists(#pk) AND #f = :f',
              ExpressionAttributeNames: { '#p': 'published', '#pk': PK, '#f': 'findingId' },
              ExpressionAttributeValues: { ':t': { BOOL: true }, ':f': { S: findingId } },
            }),
          );
        } catch (error) {
          // No marker for this id (or another finding): nothing to mark.
          if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
        }
      }
    },
  };
}

/** Counts DynamoDB requests by command; attach to a client, read per event. */
export interface RequestCounter {
  total(): number;
  reads(): number;
  writes(): number;
  byCommand(): Record<string, number>;
  reset(): void;
}

const READ_COMMANDS = new Set(['BatchGetItemCommand', 'GetItemCommand', 'QueryCommand', 'ScanCommand', 'TransactGetItemsCommand']);

export function countRequests(client: DynamoDBClient, name = 'blastwallDetectionRequestCounter'): RequestCounter {
  let counts: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      counts[command] = (counts[command] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name, override: true },
  );
  const sum = (pred: (c: string) => boolean) => Object.entries(counts).reduce((n, [c, v]) => (pred(c) ? n + v : n), 0);
  return {
    total: () => sum(() => true),
    reads: () => sum((c) => READ_COMMANDS.has(c)),
    writes: () => sum((c) => !READ_COMMANDS.has(c)),
    byCommand: () => ({ ...counts }),
    reset: () => {
      counts = {};
    },
  };
}
