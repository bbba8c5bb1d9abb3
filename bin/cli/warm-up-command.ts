/**
 * `blastwall warm-up --table NAME [--config FILE] [--since 14d] [--regions R1,R2]
 *   [--role-name NAME]`
 *
 * Fills the deployed state table with the last days of CloudTrail (see
 * functions/warm-up/warm-up.ts), from a laptop instead of the one-off function.
 * Resumable: the checkpoint is in the table, so a rerun continues; once the baseline
 * is warm a rerun does nothing. Credentials, region and endpoints: the AWS SDK's standard configuration.
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLimiterPool, DEFAULT_RETRY, LOOKUP_REQUESTS_PER_SECOND } from '../../functions/adapters/cloudtrail-history.ts';
import { createDynamoStateStore } from '../../functions/adapters/dynamo-state-store.ts';
import { createDynamoCheckpointStore } from '../../functions/adapters/history-checkpoint-dynamo.ts';
import { createPipeline } from '../../functions/core/pipeline.ts';
import { DEFAULT_WARM_UP_DAYS, warmUp, type WarmUpCheckpoint } from '../../functions/warm-up/warm-up.ts';
import { requestRate } from './backtest-command.ts';
import { resolveAccounts } from './history-fetch.ts';
import { UsageError, type Io } from './io.ts';
import { loadConfig } from './load-config.ts';
import { EXIT } from './replay-command.ts';
import { parseTimeArg } from './time-arg.ts';

export const WARM_UP_USAGE = `usage: blastwall warm-up --table NAME [--config FILE] [--since 14d] [--regions R1,R2]
         [--role-name NAME]

Runs the last days of CloudTrail management events (LookupEvents) through detection
into the state table (the stack's TableName output), so detection starts with a
baseline instead of calling everything "first use". Nothing is published or revoked.

  --table NAME        the central stack's state table
  --since TIME        default ${DEFAULT_WARM_UP_DAYS}d (at most 90d: what LookupEvents keeps)
  --regions R1,R2     default: the config's deployment.regions plus us-east-1
  --role-name NAME    assume arn:aws:iam::ACCOUNT:role/NAME in every configured account
                      (the member stacks deploy a read-only one); without it, your account

Resumable: the checkpoint is in the table; run it again to continue. Once warm, a
rerun does nothing.

Exit status: 0 warm; 1 CloudTrail or DynamoDB failed (run again to continue); 2 usage error.`;

export async function warmUpCommand(args: string[], io: Io, now = new Date()): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        table: { type: 'string' },
        config: { type: 'string' },
        since: { type: 'string', default: `${DEFAULT_WARM_UP_DAYS}d` },
        regions: { type: 'string' },
        'role-name': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${WARM_UP_USAGE}`);
  }
  const v = parsed.values;
  if (v.help) {
    io.stdout(`${WARM_UP_USAGE}\n`);
    return EXIT.ok;
  }
  if (!v.table) throw new UsageError(`--table is required (the central stack's TableName output)\n\n${WARM_UP_USAGE}`);
  const since = parseTimeArg('--since', v.since!, now);
  if (now.getTime() - since.getTime() > 90 * 86_400_000) throw new UsageError(`--since ${v.since}: LookupEvents keeps 90 days`);
  const { config } = await loadConfig(v.config, io.cwd);
  const regions = v.regions ? v.regions.split(',').map((r) => r.trim()).filter(Boolean) : [...new Set([...(config.deployment?.regions ?? []), 'us-east-1'])];
  for (const region of regions) if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new UsageError(`--regions: "${region}" is not an AWS region`);

  const client = new DynamoDBClient({});
  try {
    const accounts = await resolveAccounts([...new Set(config.environments.flatMap((e) => e.accounts))], v['role-name'], regions[0]!);
    const result = await warmUp(
      {
        pipeline: createPipeline({ config, store: createDynamoStateStore({ client, tableName: v.table, config }) }),
        accounts,
        regions,
        checkpoints: createDynamoCheckpointStore<WarmUpCheckpoint>(client, v.table, 'warm-up'),
        limiterFor: createLimiterPool(requestRate(io.env) ?? LOOKUP_REQUESTS_PER_SECOND),
        retry: { ...DEFAULT_RETRY, onRetry: (e, n, ms) => io.stderr(`throttled (${e.name}), retry ${n} in ${ms} ms\n`) },
        log: (message, details) => io.stderr(`${message}${details ? ` ${JSON.stringify(details)}` : ''}\n`),
      },
      { since, until: now },
    );
    const c = result.checkpoint;
    io.stdout(
      result.status === 'already-done'
        ? `The baseline is already warm (${c.since} → ${c.until}, ${c.events} events): nothing to do.\n`
        : `Baseline warm: ${c.events} events of ${accounts.length} account(s) × ${regions.length} region(s), ${c.since} → ${c.until}; ${c.rejected} rejected; ${c.findings} findings history would have raised (not published).\n`,
    );
    return EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    io.stderr(`blastwall: warm-up: ${(error as Error).name}: ${(error as Error).message}\nthe checkpoint is in the table: run the same command again to continue.\n`);
    return 1;
  } finally {
    client.destroy();
  }
}
