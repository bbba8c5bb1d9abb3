/**
 * Amazon RDS stand-in (AWS Query protocol, XML): DescribeDBInstances, DescribeDBSnapshots,
 * DescribeDBInstanceAutomatedBackups for the account and region that signed the request.
 */
import type { ServerResponse } from 'node:http';
import { xmlEscape as x, type BackupWorld, type Scope } from './aws-world.ts';

const NS = 'http://rds.amazonaws.com/doc/2014-10-31/';

function reply(res: ServerResponse, action: string, inner: string) {
  res.writeHead(200, { 'content-type': 'text/xml' });
  res.end(`<${action}Response xmlns="${NS}"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>standin</RequestId></ResponseMetadata></${action}Response>`);
}

export function handleRds(world: BackupWorld, scope: Scope, body: string, res: ServerResponse, record: (action: string) => void) {
  const params = Object.fromEntries(new URLSearchParams(body));
  const action = params.Action ?? '';
  record(action);
  const mine = <T extends { account: string; region: string }>(items: T[]) => items.filter((i) => i.account === scope.account && i.region === scope.region);
  switch (action) {
    case 'DescribeDBInstances':
      return reply(
        res,
        action,
        `<DBInstances>${mine(world.rdsInstances)
          .map((d) => `<DBInstance><DBInstanceIdentifier>${x(d.id)}</DBInstanceIdentifier><DBInstanceArn>arn:aws:rds:${d.region}:${d.account}:db:${x(d.id)}</DBInstanceArn><DBInstanceStatus>available</DBInstanceStatus></DBInstance>`)
          .join('')}</DBInstances>`,
      );
    case 'DescribeDBSnapshots':
      return reply(
        res,
        action,
        `<DBSnapshots>${mine(world.rdsSnapshots)
          .map(
            (s) =>
              `<DBSnapshot><DBSnapshotIdentifier>${x(s.id)}</DBSnapshotIdentifier><DBInstanceIdentifier>${x(s.instanceId)}</DBInstanceIdentifier><SnapshotCreateTime>${s.created.toISOString()}</SnapshotCreateTime><Status>${s.status ?? 'available'}</Status><SnapshotType>${s.type ?? 'manual'}</SnapshotType>${s.sourceRegion ? `<SourceRegion>${s.sourceRegion}</SourceRegion>` : ''}</DBSnapshot>`,
          )
          .join('')}</DBSnapshots>`,
      );
    case 'DescribeDBInstanceAutomatedBackups':
      return reply(
        res,
        action,
        `<DBInstanceAutomatedBackups>${mine(world.rdsAutomatedBackups)
          .map(
            (b) =>
              `<DBInstanceAutomatedBackup><DBInstanceIdentifier>${x(b.instanceId)}</DBInstanceIdentifier><DBInstanceArn>${x(b.sourceArn ?? `arn:aws:rds:${b.region}:${b.account}:db:${b.instanceId}`)}</DBInstanceArn><Status>active</Status><RestoreWindow><EarliestTime>${new Date(b.latest.getTime() - 7 * 86_400_000).toISOString()}</EarliestTime><LatestTime>${b.latest.toISOString()}</LatestTime></RestoreWindow></DBInstanceAutomatedBackup>`,
          )
          .join('')}</DBInstanceAutomatedBackups>`,
      );
    default:
      res.writeHead(400, { 'content-type': 'text/xml' });
      res.end(`<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>stand-in does not do ${x(action)}</Message></Error><RequestId>standin</RequestId></ErrorResponse>`);
  }
}
