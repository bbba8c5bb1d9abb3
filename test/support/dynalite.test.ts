import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { startLocalDynamo, type LocalDynamo } from './dynalite.ts';

describe('local dynamo helper', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
  });
  afterAll(async () => dynamo.close());

  it('keeps data across an outage, and refuses requests while stopped', async () => {
    const key = { pk: { S: 'T#1' }, sk: { S: 'x' } };
    await dynamo.client.send(new PutItemCommand({ TableName: dynamo.tableName, Item: { ...key, v: { N: '1' } } }));
    await dynamo.stop();
    await expect(dynamo.client.send(new GetItemCommand({ TableName: dynamo.tableName, Key: key }))).rejects.toThrow();
    await dynamo.start();
    const got = await dynamo.client.send(new GetItemCommand({ TableName: dynamo.tableName, Key: key }));
    expect(got.Item?.v?.N).toBe('1');
  });
});
