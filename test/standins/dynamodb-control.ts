/**
 * DynamoDB control-plane stand-in (JSON 1.0): ListTables and DescribeContinuousBackups
 * (point-in-time recovery) for the account and region that signed the request. Data-plane
 * tests use dynalite (test/support/dynalite.ts); dynalite has no PITR.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BackupWorld, Scope } from './aws-world.ts';

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(JSON.stringify(body));
}

export function handleDynamoControl(world: BackupWorld, scope: Scope, req: IncomingMessage, body: string, res: ServerResponse, record: (action: string) => void) {
  const action = String(req.headers['x-amz-target'] ?? '').replace(/^DynamoDB_20120810\./, '');
  record(action);
  const tables = world.tables.filter((t) => t.account === scope.account && t.region === scope.region);
  const input = JSON.parse(body || '{}') as { TableName?: string };
  switch (action) {
    case 'ListTables':
      return send(res, 200, { TableNames: tables.map((t) => t.name) });
    case 'DescribeContinuousBackups': {
      const table = tables.find((t) => t.name === input.TableName);
      if (!table) return send(res, 400, { __type: 'com.amazonaws.dynamodb.v20120810#TableNotFoundException', message: `Table not found: ${input.TableName}` });
      const latest = table.pitrLatest;
      return send(res, 200, {
        ContinuousBackupsDescription: {
          ContinuousBackupsStatus: 'ENABLED',
          PointInTimeRecoveryDescription: latest
            ? { PointInTimeRecoveryStatus: 'ENABLED', EarliestRestorableDateTime: latest.getTime() / 1000 - 86_400, LatestRestorableDateTime: latest.getTime() / 1000 }
            : { PointInTimeRecoveryStatus: 'DISABLED' },
        },
      });
    }
    default:
      return send(res, 400, { __type: 'com.amazon.coral.service#UnknownOperationException', message: `stand-in does not do ${action}` });
  }
}
