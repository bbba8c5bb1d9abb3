/**
 * SDK clients that sign as the member reader role (`audit.readerRoleName`) in one account
 * and region: for the backup watchdog and `blastwall backups --live`.
 */
import { BackupClient } from '@aws-sdk/client-backup';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { RDSClient } from '@aws-sdk/client-rds';
import type { BackupClients } from './backup-inventory.ts';
import type { ResponderCredentials } from './responder-credentials.ts';

export const READER_CLIENT_OPTIONS = { maxAttempts: 3, requestHandler: { requestTimeout: 10_000, connectionTimeout: 3_000, throwOnRequestTimeout: true } };

export function readerClients(credentials: ResponderCredentials) {
  return (account: string, region: string): BackupClients => {
    const common = { ...READER_CLIENT_OPTIONS, region, credentials: () => credentials.forAccount(account) };
    return { rds: new RDSClient(common), ec2: new EC2Client(common), dynamodb: new DynamoDBClient(common), backup: new BackupClient(common) };
  };
}
