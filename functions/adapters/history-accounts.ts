/**
 * CloudTrail clients per account and region for the history readers: the ambient
 * credentials' own account, or a role assumed in each member account (the read-only
 * history role the member stack deploys, or `--role-name` of the CLI).
 */
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { cloudTrailClient } from './cloudtrail-history.ts';

export interface HistoryAccount {
  account: string;
  clientFor(region: string): CloudTrailClient;
}

/** One client per region, created on first use. */
export function regionalClients(credentials?: AwsCredentialIdentityProvider): (region: string) => CloudTrailClient {
  const cache = new Map<string, CloudTrailClient>();
  return (region) => {
    let client = cache.get(region);
    if (!client) cache.set(region, (client = cloudTrailClient(region, credentials)));
    return client;
  };
}

export async function ambientAccount(sts: STSClient): Promise<HistoryAccount> {
  const me = await sts.send(new GetCallerIdentityCommand({}));
  if (!me.Account) throw new Error('GetCallerIdentity returned no account');
  return { account: me.Account, clientFor: regionalClients() };
}

/** `arn:PARTITION:iam::ACCOUNT:role/NAME` assumed in each account. */
export function assumedAccounts(sts: STSClient, accounts: readonly string[], roleName: string, sessionName = 'blastwall-history', partition = 'aws'): HistoryAccount[] {
  return accounts.map((account) => ({ account, clientFor: regionalClients(assumedRole(sts, `arn:${partition}:iam::${account}:role/${roleName}`, sessionName)) }));
}

/** Credentials of an assumed role, renewed five minutes before they expire (a long backtest outlasts one session). */
export function assumedRole(sts: STSClient, roleArn: string, sessionName = 'blastwall-history'): AwsCredentialIdentityProvider {
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  return async () => {
    if (current && (!current.expiration || current.expiration.getTime() - Date.now() > 5 * 60_000)) return current;
    pending ??= sts
      .send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: 3600 }))
      .then((out) => {
        const c = out.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${roleArn} returned no credentials`);
        current = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
        return current;
      })
      .finally(() => (pending = undefined));
    return pending;
  };
}
