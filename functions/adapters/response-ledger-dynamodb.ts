/**
 * The response ledger on the single DynamoDB table (keys FINDING#…, BREAKER#…).
 * Every claim is a conditional write, so two deliveries of one finding — or two
 * concurrent functions — never both revoke; breaker slots are taken the same way.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Finding, ResponseAction } from '../core/finding.ts';
import type { BreakerSlot, TargetMark } from '../core/response/breaker.ts';
import { TABLE_SCHEMA } from './table-schema.ts';
import { LedgerConflictError, raisesSeverity, type ClaimResult, type FindingRecord, type HoldState, type HoldTaken, type ResponseLedger, type RestoreEvent } from './response-ledger.ts';

export interface DynamoResponseLedgerOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Findings and holds are history: DynamoDB deletes them this many days after the last write. */
  retentionDays?: number;
}

const PK = TABLE_SCHEMA.partitionKey;
const SK = TABLE_SCHEMA.sortKey;
const TTL = TABLE_SCHEMA.ttlAttribute;

const findingKey = (id: string) => ({ [PK]: `FINDING#${id}`, [SK]: 'FINDING' });
const holdPk = (holdKey: string) => `FINDING#HOLD#${holdKey}`;
/** One item per revoked target: its holders (a string set) and the state before Blastwall acted. */
const holdItemKey = (holdKey: string) => ({ [PK]: holdPk(holdKey), [SK]: 'TARGET' });

function holdersOf(value: unknown): string[] {
  return value instanceof Set ? [...(value as Set<string>)].filter((v) => typeof v === 'string').sort() : [];
}
const BREAKER_PK = 'BREAKER#org';
const slotSk = (index: number) => `SLOT#${String(index).padStart(4, '0')}`;
/** One item per revoked target: at most one breaker slot per target per window. */
const targetKey = (target: string) => ({ [PK]: `BREAKER#TARGET#${target}`, [SK]: 'TARGET' });

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as { name?: string })?.name === 'ConditionalCheckFailedException';
}

interface FindingItem {
  findingJson: string;
  actionsJson?: string;
  state: FindingRecord['state'];
  leaseUntil: number;
  claims: number;
  restores?: string[];
  restoreLeaseUntil?: number;
  version: number;
  updatedAt: string;
}

function toRecord(item: FindingItem): FindingRecord {
  const finding = JSON.parse(item.findingJson) as Finding;
  finding.response = item.actionsJson ? (JSON.parse(item.actionsJson) as ResponseAction[]) : [];
  return {
    finding,
    state: item.state,
    leaseUntil: item.leaseUntil,
    claims: item.claims,
    restores: (item.restores ?? []).map((r) => JSON.parse(r) as RestoreEvent),
    ...(item.restoreLeaseUntil !== undefined ? { restoreLeaseUntil: item.restoreLeaseUntil } : {}),
    version: item.version,
    updatedAt: item.updatedAt,
  };
}

export class DynamoResponseLedger implements ResponseLedger {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly retentionSeconds: number;
  /** DynamoDB requests made (reported by tests). */
  requests = 0;

  constructor(options: DynamoResponseLedgerOptions) {
    this.doc = DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });
    this.table = options.tableName;
    this.retentionSeconds = (options.retentionDays ?? 90) * 86_400;
  }

  private send<T>(command: GetCommand | PutCommand | UpdateCommand | DeleteCommand | QueryCommand): Promise<T> {
    this.requests++;
    return (this.doc.send as (c: unknown) => Promise<unknown>)(command) as Promise<T>;
  }

  private expiresAt(now: Date): number {
    return Math.floor(now.getTime() / 1000) + this.retentionSeconds;
  }

  private async readItem(findingId: string): Promise<FindingItem | undefined> {
    const out = await this.send<{ Item?: FindingItem }>(new GetCommand({ TableName: this.table, Key: findingKey(findingId), ConsistentRead: true }));
    return out.Item;
  }

  async claim(finding: Finding, now: Date, leaseMs: number): Promise<ClaimResult> {
    const nowMs = now.getTime();
    const item: FindingItem = {
      findingJson: JSON.stringify({ ...finding, response: [] }),
      state: 'responding',
      leaseUntil: nowMs + leaseMs,
      claims: 1,
      version: 1,
      updatedAt: now.toISOString(),
    };
    try {
      await this.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...findingKey(finding.id), ...item, [TTL]: this.expiresAt(now) },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      );
      return { outcome: 'claimed', record: toRecord(item) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const existing = await this.readItem(finding.id);
    if (!existing) throw new LedgerConflictError(`finding ${finding.id} vanished while claiming`);
    if (existing.state === 'responded') {
      if (!raisesSeverity(finding, toRecord(existing).finding)) return { outcome: 'duplicate', record: toRecord(existing) };
      try {
        const out = await this.send<{ Attributes?: FindingItem }>(
          new UpdateCommand({
            TableName: this.table,
            Key: findingKey(finding.id),
            UpdateExpression: 'SET findingJson = :f, #state = :responding, leaseUntil = :lease, claims = claims + :one, version = version + :one, updatedAt = :now',
            ConditionExpression: '#state = :responded AND version = :v',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: {
              ':f': JSON.stringify({ ...finding, response: [] }),
              ':responding': 'responding',
              ':responded': 'responded',
              ':lease': nowMs + leaseMs,
              ':one': 1,
              ':now': now.toISOString(),
              ':v': existing.version,
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { outcome: 'escalated', record: toRecord(out.Attributes as FindingItem) };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Someone else reopened or changed it first: they respond; this delivery retries later.
        return { outcome: 'in-progress', record: toRecord((await this.readItem(finding.id)) ?? existing) };
      }
    }
    if (existing.leaseUntil > nowMs) return { outcome: 'in-progress', record: toRecord(existing) };
    try {
      const out = await this.send<{ Attributes?: FindingItem }>(
        new UpdateCommand({
          TableName: this.table,
          Key: findingKey(finding.id),
          UpdateExpression: 'SET leaseUntil = :lease, claims = claims + :one, version = version + :one, updatedAt = :now',
          ConditionExpression: '#state = :responding AND leaseUntil = :old',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':lease': nowMs + leaseMs, ':one': 1, ':now': now.toISOString(), ':responding': 'responding', ':old': existing.leaseUntil },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { outcome: 'resumed', record: toRecord(out.Attributes as FindingItem) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const now2 = await this.readItem(finding.id);
      const record = toRecord(now2 ?? existing);
      return { outcome: record.state === 'responded' ? 'duplicate' : 'in-progress', record };
    }
  }

  async saveActions(findingId: string, actions: ResponseAction[], now: Date, final: boolean): Promise<void> {
    try {
      await this.send(
        new UpdateCommand({
          TableName: this.table,
          Key: findingKey(findingId),
          UpdateExpression: `SET actionsJson = :a, version = version + :one, updatedAt = :now, #ttl = :ttl${final ? ', #state = :responded' : ''}`,
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK, '#ttl': TTL, ...(final ? { '#state': 'state' } : {}) },
          ExpressionAttributeValues: {
            ':a': JSON.stringify(actions),
            ':one': 1,
            ':now': now.toISOString(),
            ':ttl': this.expiresAt(now),
            ...(final ? { ':responded': 'responded' } : {}),
          },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new LedgerConflictError(`finding ${findingId} was never claimed`);
      throw error;
    }
  }

  async get(findingId: string): Promise<FindingRecord | undefined> {
    const item = await this.readItem(findingId);
    return item ? toRecord(item) : undefined;
  }

  async beginRestore(findingId: string, now: Date, leaseMs: number): Promise<boolean> {
    try {
      await this.send(
        new UpdateCommand({
          TableName: this.table,
          Key: findingKey(findingId),
          UpdateExpression: 'SET restoreLeaseUntil = :lease, version = version + :one',
          ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(restoreLeaseUntil) OR restoreLeaseUntil <= :now)',
          ExpressionAttributeNames: { '#pk': PK },
          ExpressionAttributeValues: { ':lease': now.getTime() + leaseMs, ':now': now.getTime(), ':one': 1 },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async finishRestore(findingId: string, actions: ResponseAction[], event: RestoreEvent, now: Date): Promise<void> {
    try {
      await this.send(
        new UpdateCommand({
          TableName: this.table,
          Key: findingKey(findingId),
          UpdateExpression:
            'SET actionsJson = :a, restores = list_append(if_not_exists(restores, :empty), :ev), version = version + :one, updatedAt = :now, #ttl = :ttl REMOVE restoreLeaseUntil',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK, '#ttl': TTL },
          ExpressionAttributeValues: {
            ':a': JSON.stringify(actions),
            ':empty': [],
            ':ev': [JSON.stringify(event)],
            ':one': 1,
            ':now': now.toISOString(),
            ':ttl': this.expiresAt(now),
          },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new LedgerConflictError(`finding ${findingId} is not in the ledger`);
      throw error;
    }
  }

  async takeHold(holdKey: string, findingId: string, observed: string | undefined, now: Date): Promise<HoldTaken> {
    for (let round = 0; round < 3; round++) {
      // Nobody holds the target: start the hold with the state read before Blastwall acted.
      try {
        await this.send(
          new UpdateCommand({
            TableName: this.table,
            Key: holdItemKey(holdKey),
            UpdateExpression: `SET #at = :now, #ttl = :ttl${observed !== undefined ? ', #prior = :prior' : ''} ADD holders :f${observed === undefined ? ' REMOVE #prior' : ''}`,
            ConditionExpression: 'attribute_not_exists(holders)',
            ExpressionAttributeNames: { '#at': 'at', '#ttl': TTL, '#prior': 'priorState' },
            ExpressionAttributeValues: { ':now': now.toISOString(), ':ttl': this.expiresAt(now), ':f': new Set([findingId]), ...(observed !== undefined ? { ':prior': observed } : {}) },
          }),
        );
        return { holders: [findingId], ...(observed !== undefined ? { prior: observed } : {}), first: true, joined: true };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      // Somebody holds it: join; the recorded prior state stays.
      try {
        const out = await this.send<{ Attributes?: Record<string, unknown> }>(
          new UpdateCommand({
            TableName: this.table,
            Key: holdItemKey(holdKey),
            UpdateExpression: 'SET #ttl = :ttl ADD holders :f',
            ConditionExpression: 'attribute_exists(holders)',
            ExpressionAttributeNames: { '#ttl': TTL },
            ExpressionAttributeValues: { ':ttl': this.expiresAt(now), ':f': new Set([findingId]) },
            ReturnValues: 'ALL_OLD',
          }),
        );
        const before = holdersOf(out.Attributes?.holders);
        const prior = out.Attributes?.priorState;
        return {
          holders: [...new Set([...before, findingId])].sort(),
          ...(typeof prior === 'string' ? { prior } : {}),
          first: false,
          joined: !before.includes(findingId),
        };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // The last holder left in between: start again.
      }
    }
    throw new LedgerConflictError(`hold ${holdKey} kept changing while finding ${findingId} took it`);
  }

  async releaseHold(holdKey: string, findingId: string): Promise<HoldState> {
    try {
      const out = await this.send<{ Attributes?: Record<string, unknown> }>(
        new UpdateCommand({
          TableName: this.table,
          Key: holdItemKey(holdKey),
          UpdateExpression: 'DELETE holders :f',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
          ExpressionAttributeValues: { ':f': new Set([findingId]) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const prior = out.Attributes?.priorState;
      return { holders: holdersOf(out.Attributes?.holders), ...(typeof prior === 'string' ? { prior } : {}) };
    } catch (error) {
      if (isConditionFailure(error)) return { holders: [] };
      throw error;
    }
  }

  async rejoinHold(holdKey: string, findingId: string, now: Date): Promise<void> {
    await this.send(
      new UpdateCommand({
        TableName: this.table,
        Key: holdItemKey(holdKey),
        UpdateExpression: 'SET #ttl = :ttl ADD holders :f',
        ExpressionAttributeNames: { '#ttl': TTL },
        ExpressionAttributeValues: { ':ttl': this.expiresAt(now), ':f': new Set([findingId]) },
      }),
    );
  }

  async holders(holdKey: string): Promise<string[]> {
    const out = await this.send<{ Item?: Record<string, unknown> }>(new GetCommand({ TableName: this.table, Key: holdItemKey(holdKey), ConsistentRead: true }));
    return holdersOf(out.Item?.holders);
  }

  async breakerSlots(): Promise<BreakerSlot[]> {
    const out = await this.send<{ Items?: Record<string, unknown>[] }>(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PK },
        ExpressionAttributeValues: { ':pk': BREAKER_PK },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? [])
      .map((i) => ({ index: Number(i.slotIndex), until: Number(i.until), findingId: String(i.findingId), target: String(i.target), at: String(i.at) }))
      .sort((a, b) => a.index - b.index);
  }

  async takeBreakerSlot(slot: BreakerSlot, nowMs: number): Promise<boolean> {
    try {
      await this.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            [PK]: BREAKER_PK,
            [SK]: slotSk(slot.index),
            slotIndex: slot.index,
            until: slot.until,
            findingId: slot.findingId,
            target: slot.target,
            at: slot.at,
            [TTL]: Math.floor(slot.until / 1000) + 86_400,
          },
          ConditionExpression: 'attribute_not_exists(#pk) OR #until <= :now',
          ExpressionAttributeNames: { '#pk': PK, '#until': 'until' },
          ExpressionAttributeValues: { ':now': nowMs },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async releaseBreakerSlot(index: number, findingId: string, at: string): Promise<void> {
    try {
      await this.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { [PK]: BREAKER_PK, [SK]: slotSk(index) },
          ConditionExpression: 'findingId = :f AND #at = :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':f': findingId, ':at': at },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async claimBreakerTarget(mark: TargetMark, nowMs: number): Promise<{ claimed: true } | { claimed: false; holder: TargetMark }> {
    try {
      await this.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...targetKey(mark.target), target: mark.target, until: mark.until, findingId: mark.findingId, at: mark.at, [TTL]: Math.floor(mark.until / 1000) + 86_400 },
          ConditionExpression: 'attribute_not_exists(#pk) OR #until <= :now',
          ExpressionAttributeNames: { '#pk': PK, '#until': 'until' },
          ExpressionAttributeValues: { ':now': nowMs },
        }),
      );
      return { claimed: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const out = await this.send<{ Item?: Record<string, unknown> }>(new GetCommand({ TableName: this.table, Key: targetKey(mark.target), ConsistentRead: true }));
    const i = out.Item ?? {};
    return { claimed: false, holder: { target: mark.target, until: Number(i.until), findingId: String(i.findingId), at: String(i.at) } };
  }

  async releaseBreakerTarget(target: string, findingId: string, at: string): Promise<void> {
    try {
      await this.send(
        new DeleteCommand({
          TableName: this.table,
          Key: targetKey(target),
          ConditionExpression: 'findingId = :f AND #at = :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':f': findingId, ':at': at },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
