/**
 * One loopback server for the backup watchdog's stand-ins (RDS, EC2, AWS Backup, DynamoDB
 * control plane), each in its own file, dispatched by the SigV4 service the request was
 * signed for. The account is the one whose test credentials signed the request
 * (`AKIA<account>…`), the region the one in the signature's scope: a test proves a call
 * landed in the right account and region, with the real SDK clients.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, readBody } from './loopback-http.ts';
import { handleRds } from './rds.ts';
import { handleEc2 } from './ec2.ts';
import { handleBackup } from './backup.ts';
import { handleDynamoControl } from './dynamodb-control.ts';

export interface Scope {
  account: string;
  region: string;
  service: string;
}

export interface BackupWorld {
  rdsInstances: { account: string; region: string; id: string }[];
  rdsSnapshots: { account: string; region: string; instanceId: string; id: string; created: Date; status?: string; sourceRegion?: string; type?: 'manual' | 'automated' }[];
  rdsAutomatedBackups: { account: string; region: string; instanceId: string; latest: Date; sourceArn?: string }[];
  volumes: { account: string; region: string; id: string }[];
  ebsSnapshots: { account: string; region: string; volumeId: string; id: string; start: Date; state?: string }[];
  tables: { account: string; region: string; name: string; pitrLatest?: Date }[];
  vaults: { account: string; region: string; name: string }[];
  recoveryPoints: { account: string; region: string; vault: string; arn: string; resourceArn: string; resourceType: string; created: Date; status?: string }[];
  protectedResources: { account: string; region: string; arn: string; type: string; name: string }[];
}

export const emptyWorld = (): BackupWorld => ({
  rdsInstances: [],
  rdsSnapshots: [],
  rdsAutomatedBackups: [],
  volumes: [],
  ebsSnapshots: [],
  tables: [],
  vaults: [],
  recoveryPoints: [],
  protectedResources: [],
});

/** Test credentials for an account: the stand-ins read the account back from the key id. */
export const credentialsFor = (account: string) => ({ accessKeyId: `AKIA${account}TEST`, secretAccessKey: 'standin-secret' });

export interface RecordedCall {
  service: string;
  action: string;
  account: string;
  region: string;
}

export function scopeOf(req: IncomingMessage): Scope | undefined {
  const m = /Credential=AKIA(\d{12})TEST\/\d{8}\/([^/]+)\/([^/]+)\//.exec(String(req.headers.authorization ?? ''));
  return m ? { account: m[1]!, region: m[2]!, service: m[3]! } : undefined;
}

export const xmlEscape = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

export async function startBackupStandins(world: BackupWorld) {
  const calls: RecordedCall[] = [];
  const server = await listen((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const body = await readBody(req);
      const scope = scopeOf(req);
      if (!scope) {
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ __type: 'UnrecognizedClientException', message: 'unsigned or unknown key' }));
        return;
      }
      const record = (action: string) => calls.push({ service: scope.service, action, account: scope.account, region: scope.region });
      switch (scope.service) {
        case 'rds':
          return handleRds(world, scope, body, res, record);
        case 'ec2':
          return handleEc2(world, scope, body, res, record);
        case 'backup':
          return handleBackup(world, scope, req, res, record);
        case 'dynamodb':
          return handleDynamoControl(world, scope, req, body, res, record);
        default:
          res.writeHead(400);
          res.end(`no stand-in for ${scope.service}`);
      }
    })().catch((error) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  return { endpoint: `http://127.0.0.1:${server.port}`, calls, close: server.close };
}
