/**
 * Amazon EC2 stand-in (EC2 Query protocol, XML): DescribeVolumes and DescribeSnapshots
 * (owner self) for the account and region that signed the request.
 */
import type { ServerResponse } from 'node:http';
import { xmlEscape as x, type BackupWorld, type Scope } from './aws-world.ts';

const NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export function handleEc2(world: BackupWorld, scope: Scope, body: string, res: ServerResponse, record: (action: string) => void) {
  const params = Object.fromEntries(new URLSearchParams(body));
  const action = params.Action ?? '';
  record(action);
  const mine = <T extends { account: string; region: string }>(items: T[]) => items.filter((i) => i.account === scope.account && i.region === scope.region);
  const reply = (inner: string) => {
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(`<${action}Response xmlns="${NS}"><requestId>standin</requestId>${inner}</${action}Response>`);
  };
  switch (action) {
    case 'DescribeVolumes':
      return reply(`<volumeSet>${mine(world.volumes).map((v) => `<item><volumeId>${x(v.id)}</volumeId><status>in-use</status></item>`).join('')}</volumeSet>`);
    case 'DescribeSnapshots':
      if (params['Owner.1'] !== 'self') {
        res.writeHead(400, { 'content-type': 'text/xml' });
        return res.end(`<Response><Errors><Error><Code>InvalidParameter</Code><Message>the stand-in only lists Owner=self (got ${x(params['Owner.1'] ?? 'none')})</Message></Error></Errors><RequestID>standin</RequestID></Response>`);
      }
      return reply(
        `<snapshotSet>${mine(world.ebsSnapshots)
          .map((s) => `<item><snapshotId>${x(s.id)}</snapshotId><volumeId>${x(s.volumeId)}</volumeId><status>${s.state ?? 'completed'}</status><startTime>${s.start.toISOString()}</startTime><ownerId>${s.account}</ownerId></item>`)
          .join('')}</snapshotSet>`,
      );
    default:
      res.writeHead(400, { 'content-type': 'text/xml' });
      res.end(`<Response><Errors><Error><Code>InvalidAction</Code><Message>stand-in does not do ${x(action)}</Message></Error></Errors><RequestID>standin</RequestID></Response>`);
  }
}
