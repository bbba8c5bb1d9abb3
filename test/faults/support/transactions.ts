/**
 * dynalite (the local DynamoDB the tests and the bench run against) implements no
 * `TransactWriteItems`: it answers `UnknownOperationException`. The DynamoDB state
 * store saves multi-item updates in one transaction, so against plain dynalite every
 * such save fails.
 *
 * This middleware is the smallest honest stand-in for the missing operation, and
 * only steps in when dynalite refuses it: it checks every condition first (reading
 * each item with a consistent GetItem and evaluating the two condition forms the
 * store uses: `attribute_not_exists(#name)` and `#name = :value`; anything else
 * throws rather than guess), then writes every Put, and answers as DynamoDB does:
 * `TransactionCanceledException` with one cancellation reason per item when a
 * condition fails. It is not atomic against concurrent writers or against an outage
 * in the middle of the writes (nothing here writes concurrently, and the fault tests
 * cut the store between events). The capacity it reports follows DynamoDB's
 * transaction pricing: 2 write units per item per KB.
 *
 * Its own reads and writes go through a separate client, so request counters on
 * the store's client see exactly one TransactWriteItems request.
 */
import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type TransactWriteItem,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';

type Item = Record<string, AttributeValue>;

function attrValueSize(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) return v.N.length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.B !== undefined) return v.B.length;
  if (v.M !== undefined) return itemSize(v.M) + 3;
  if (v.L !== undefined) return v.L.reduce((s, x) => s + attrValueSize(x) + 1, 3);
  if (v.SS !== undefined) return v.SS.reduce((s, x) => s + Buffer.byteLength(x), 0);
  if (v.NS !== undefined) return v.NS.reduce((s, x) => s + x.length, 0);
  return 0;
}

/** DynamoDB's item size: attribute names plus values. */
export function itemSize(item: Item): number {
  return Object.entries(item).reduce((s, [k, v]) => s + Buffer.byteLength(k) + attrValueSize(v), 0);
}

function equal(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  return a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

function conditionHolds(current: Item | undefined, put: NonNullable<TransactWriteItem['Put']>): boolean {
  const expression = put.ConditionExpression?.trim();
  if (!expression) return true;
  const names = put.ExpressionAttributeNames ?? {};
  const values = put.ExpressionAttributeValues ?? {};
  const resolve = (token: string) => (token.startsWith('#') ? names[token] : token);
  let m = /^attribute_not_exists\(\s*([#\w]+)\s*\)$/.exec(expression);
  if (m) return current === undefined || current[resolve(m[1]!) ?? ''] === undefined;
  m = /^attribute_exists\(\s*([#\w]+)\s*\)$/.exec(expression);
  if (m) return current !== undefined && current[resolve(m[1]!) ?? ''] !== undefined;
  m = /^([#\w]+)\s*=\s*(:\w+)$/.exec(expression);
  if (m) return equal(current?.[resolve(m[1]!) ?? ''], values[m[2]!]);
  throw new Error(`transaction emulation: condition not supported: ${expression}`);
}

export function emulateTransactions(client: DynamoDBClient, endpoint: string): void {
  const raw = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
      try {
        return await next(args);
      } catch (error) {
        if ((error as { name?: string }).name !== 'UnknownOperationException') throw error;
      }
      const items = (args.input as { TransactItems?: TransactWriteItem[] }).TransactItems ?? [];
      const puts = items.map((item) => {
        if (!item.Put || item.Update || item.Delete || item.ConditionCheck) throw new Error('transaction emulation: only Put items are supported');
        return item.Put;
      });
      const reasons: Array<{ Code: string; Message?: string }> = [];
      for (const put of puts) {
        const { pk, sk } = put.Item as Item & { pk: AttributeValue; sk: AttributeValue };
        const current = (await raw.send(new GetItemCommand({ TableName: put.TableName, Key: { pk: pk!, sk: sk! }, ConsistentRead: true }))).Item;
        reasons.push(conditionHolds(current, put) ? { Code: 'None' } : { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' });
      }
      if (reasons.some((r) => r.Code !== 'None')) {
        throw new TransactionCanceledException({
          message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
          $metadata: { httpStatusCode: 400 },
          CancellationReasons: reasons,
        });
      }
      for (const put of puts) await raw.send(new PutItemCommand({ TableName: put.TableName, Item: put.Item }));
      const units = puts.reduce((s, p) => s + 2 * Math.max(1, Math.ceil(itemSize(p.Item as Item) / 1024)), 0);
      return { output: { $metadata: { httpStatusCode: 200 }, ConsumedCapacity: [{ TableName: puts[0]?.TableName, CapacityUnits: units }] }, response: {} } as Awaited<ReturnType<typeof next>>;
    },
    { step: 'initialize', name: 'blastwallTransactionEmulation', priority: 'low', override: true },
  );
  const destroy = client.destroy.bind(client);
  client.destroy = () => {
    raw.destroy();
    destroy();
  };
}
