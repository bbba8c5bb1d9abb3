/**
 * AWS Backup stand-in (REST-JSON): ListBackupVaults, ListRecoveryPointsByBackupVault and
 * ListProtectedResources for the account and region that signed the request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './loopback-http.ts';
import type { BackupWorld, Scope } from './aws-world.ts';

const seconds = (d: Date) => d.getTime() / 1000;

export function handleBackup(world: BackupWorld, scope: Scope, req: IncomingMessage, res: ServerResponse, record: (action: string) => void) {
  const path = new URL(req.url ?? '/', 'http://standin').pathname;
  const mine = <T extends { account: string; region: string }>(items: T[]) => items.filter((i) => i.account === scope.account && i.region === scope.region);
  if (req.method === 'GET' && /^\/backup-vaults\/?$/.test(path)) {
    record('ListBackupVaults');
    return sendJson(res, 200, { BackupVaultList: mine(world.vaults).map((v) => ({ BackupVaultName: v.name, BackupVaultArn: `arn:aws:backup:${v.region}:${v.account}:backup-vault:${v.name}` })) });
  }
  const rp = /^\/backup-vaults\/([^/]+)\/recovery-points\/?$/.exec(path);
  if (req.method === 'GET' && rp) {
    record('ListRecoveryPointsByBackupVault');
    const vault = decodeURIComponent(rp[1]!);
    if (!mine(world.vaults).some((v) => v.name === vault)) return sendJson(res, 404, { Code: 'ResourceNotFoundException', Message: `no vault ${vault}` }, { 'x-amzn-errortype': 'ResourceNotFoundException' });
    return sendJson(res, 200, {
      RecoveryPoints: mine(world.recoveryPoints)
        .filter((p) => p.vault === vault)
        .map((p) => ({ RecoveryPointArn: p.arn, BackupVaultName: p.vault, ResourceArn: p.resourceArn, ResourceType: p.resourceType, CreationDate: seconds(p.created), CompletionDate: seconds(p.created) + 60, Status: p.status ?? 'COMPLETED' })),
    });
  }
  if (req.method === 'GET' && /^\/resources\/?$/.test(path)) {
    record('ListProtectedResources');
    return sendJson(res, 200, { Results: mine(world.protectedResources).map((r) => ({ ResourceArn: r.arn, ResourceType: r.type, ResourceName: r.name })) });
  }
  record(`unknown ${req.method} ${path}`);
  return sendJson(res, 404, { Code: 'UnknownOperationException', Message: `stand-in does not do ${req.method} ${path}` }, { 'x-amzn-errortype': 'UnknownOperationException' });
}
