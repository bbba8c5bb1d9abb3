/** Wires respond over the IAM/STS stand-in with the real SDK clients. */
import { STSClient } from '@aws-sdk/client-sts';
import type { BlastwallConfig } from '../../functions/core/config.ts';
import { MemoryEventPublisher } from '../../functions/adapters/event-publisher.ts';
import { IamRevoker } from '../../functions/adapters/iam-revoker.ts';
import { MemoryResponseLedger, type ResponseLedger } from '../../functions/adapters/response-ledger.ts';
import { IamClients, ResponderCredentials } from '../../functions/adapters/responder-credentials.ts';
import { createResponder, type ResponseMetrics, type Revoker } from '../../functions/respond/responder.ts';
import type { IamStsStandIn } from '../standins/iam-sts.ts';

export const CENTRAL_KEY = 'AKIACENTRALRESPONDFN';

export function wireResponder(standIn: IamStsStandIn, config: BlastwallConfig, options: { ledger?: ResponseLedger; now?: () => Date; ownRoleArns?: string[]; wrapRevoker?: (revoker: Revoker) => Revoker } = {}) {
  const sts = new STSClient({
    region: 'us-east-1',
    endpoint: standIn.endpoint,
    maxAttempts: 1,
    credentials: { accessKeyId: CENTRAL_KEY, secretAccessKey: 'central-secret' },
  });
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
  };
  const retry = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };
  const credentials = new ResponderCredentials({ sts, roleName: config.response.responderRoleName, retry, sleep });
  const clients = new IamClients({ credentials, endpoint: standIn.endpoint });
  const revoker = new IamRevoker({ clientFor: (account) => clients.ready(account), invalidate: (account) => clients.invalidate(account), retry, sleep });
  const ledger = options.ledger ?? new MemoryResponseLedger();
  const publisher = new MemoryEventPublisher();
  const counts = new Map<string, number>();
  const metrics: ResponseMetrics = { count: (name, value = 1) => counts.set(name, (counts.get(name) ?? 0) + value) };
  const responder = createResponder({
    config,
    ledger,
    revoker: options.wrapRevoker ? options.wrapRevoker(revoker) : revoker,
    publisher,
    metrics,
    ...(options.now ? { now: options.now } : {}),
    ...(options.ownRoleArns ? { ownRoleArns: options.ownRoleArns } : {}),
  });
  return {
    responder,
    ledger,
    publisher,
    credentials,
    counts,
    sleeps,
    close() {
      clients.destroy();
      sts.destroy();
    },
  };
}
