/**
 * A real DynamoDB protocol server (dynalite, in memory) on loopback, started and
 * stopped by the test that needs it. Use with the real @aws-sdk/client-dynamodb.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TABLE_SCHEMA } from '../../functions/adapters/table-schema.ts';
// dynalite ships no types.
// @ts-expect-error untyped module
import dynalite from 'dynalite';

export interface LocalDynamo {
  endpoint: string;
  port: number;
  tableName: string;
  client: DynamoDBClient;
  /** Stops the server (the store becomes unavailable); `start()` brings it back on the same port with its data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Closes server and client for good. */
  close(): Promise<void>;
}

interface DynaliteServer {
  listen(port: number, host: string, cb: () => void): void;
  close(cb: (err?: Error) => void): void;
  address(): { port: number };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Creates a table with Blastwall's single-table key schema (on-demand), as the CDK stack does. */
export async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: TABLE_SCHEMA.partitionKey, AttributeType: 'S' },
        { AttributeName: TABLE_SCHEMA.sortKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
      ],
    }),
  );
}

export async function startLocalDynamo(tableName = `blastwall-test-${process.pid}-${Date.now()}`): Promise<LocalDynamo> {
  // dynalite itself listens on a private port for the helper's whole life (its data
  // lives in its process memory); clients talk to it through a TCP proxy on `port`.
  // stop() closes the proxy and cuts open connections: the store is unreachable, as in
  // an outage, and comes back with its data on start().
  const server: DynaliteServer = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const backendPort = await freePort();
  await new Promise<void>((resolve) => server.listen(backendPort, '127.0.0.1', resolve));
  const port = await freePort();
  const sockets = new Set<Socket>();
  let proxy: Server | undefined;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      if (proxy) return resolve();
      const p = createServer((client) => {
        const upstream = connect(backendPort, '127.0.0.1');
        sockets.add(client).add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.pipe(upstream).pipe(client);
      });
      p.once('error', reject);
      p.listen(port, '127.0.0.1', () => {
        proxy = p;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      const p = proxy;
      proxy = undefined;
      for (const s of sockets) s.destroy();
      sockets.clear();
      if (!p) return resolve();
      p.close(() => resolve());
    });
  await start();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  await createTable(client, tableName);

  return {
    endpoint,
    port,
    tableName,
    client,
    stop,
    start,
    async close() {
      client.destroy();
      await stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
