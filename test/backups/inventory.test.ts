/**
 * The backup watchdog's inventory and judgement with the real SDK clients (RDS, EC2,
 * AWS Backup, DynamoDB) against loopback stand-ins: a stale backup, a same-account-only
 * backup, a healthy one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInventory } from '../../functions/adapters/backup-inventory.ts';
import { assessBackups, backupsText } from '../../functions/core/audit/backups.ts';
import { createEnvironmentResolver } from '../../functions/core/environment.ts';
import { startBackupStandins } from '../standins/aws-world.ts';
import { DR_REGION, NOW, PROD, REGION, STAGING, VAULT, config, sdkClients, world } from './support.ts';

let standins: Awaited<ReturnType<typeof startBackupStandins>>;
beforeAll(async () => {
  standins = await startBackupStandins(world());
});
afterAll(async () => {
  await standins.close();
});

const targets = [PROD, STAGING, VAULT].flatMap((account) => [REGION, DR_REGION].map((region) => ({ account, region, watchResources: account === PROD })));

async function assess(maxAgeHours = 26) {
  const inventory = await readInventory(targets, sdkClients(standins.endpoint));
  const resolver = createEnvironmentResolver(config());
  return { inventory, statuses: assessBackups({ ...inventory, environmentOf: resolver.forAccount, maxAgeHours, now: NOW }) };
}

describe('backup inventory through the SDK', () => {
  it('lists the watched resources of high-sensitivity accounts only, and recovery points from every account and region', async () => {
    const { inventory } = await assess();
    expect(inventory.failures).toEqual([]);
    expect(inventory.resources.map((r) => r.arn).sort()).toEqual(
      [`arn:aws:dynamodb:${REGION}:${PROD}:table/sessions`, `arn:aws:ec2:${REGION}:${PROD}:volume/vol-0data`, `arn:aws:rds:${REGION}:${PROD}:db:ledger`, `arn:aws:rds:${REGION}:${PROD}:db:orders`].sort(),
    );
    // Failed and pending copies cannot be restored: they are not recovery points.
    expect(inventory.points.map((p) => p.id)).not.toContain('ledger-failed');
    expect(inventory.points.map((p) => p.id)).not.toContain('snap-0pending');
    expect(new Set(inventory.points.map((p) => p.kind))).toEqual(new Set(['rds-automated', 'rds-snapshot', 'backup-recovery-point', 'ebs-snapshot', 'dynamodb-pitr']));
    // Each call landed in the account and region it was meant for.
    expect(standins.calls.filter((c) => c.action === 'DescribeDBInstances').map((c) => c.account)).toEqual([PROD, PROD]);
    expect(standins.calls.some((c) => c.service === 'backup' && c.account === VAULT && c.action === 'ListRecoveryPointsByBackupVault')).toBe(true);
  });

  it('judges each resource: healthy with an offsite copy, stale, same-account only', async () => {
    const { statuses } = await assess();
    const by = (name: string) => statuses.find((s) => s.resource.name === name)!;
    expect(by('orders')).toMatchObject({ problems: ['none'], severity: 'info', ageHours: 1, offsite: 'other-account' });
    expect(by('orders').newest?.kind).toBe('rds-automated');
    expect(by('ledger')).toMatchObject({ problems: ['stale', 'no-offsite-copy'], severity: 'high', ageHours: 24 * 92, offsite: 'none' });
    expect(by('ledger').summary).toMatch(/older than backups.maxAgeHours \(26 h\)/);
    expect(by('vol-0data')).toMatchObject({ problems: ['no-offsite-copy'], severity: 'high', ageHours: 3, offsite: 'none' });
    expect(by('vol-0data').summary).toMatch(/a credential that can delete it can delete every backup too/);
    expect(by('sessions')).toMatchObject({ problems: ['none'], ageHours: 0, offsite: 'other-region' });
    // Worst first.
    expect(statuses[0]!.resource.name).toBe('ledger');
  });

  it('uses backups.maxAgeHours: a tighter limit makes the 3-hour-old EBS snapshot stale too', async () => {
    const { statuses } = await assess(2);
    expect(statuses.find((s) => s.resource.name === 'vol-0data')!.problems).toEqual(['stale', 'no-offsite-copy']);
    expect(statuses.find((s) => s.resource.name === 'orders')!.problems).toEqual(['none']);
  });

  it('a resource without any restorable point is critical', () => {
    const [status] = assessBackups({
      resources: [{ arn: `arn:aws:rds:${REGION}:${PROD}:db:new`, type: 'rds:db', name: 'new', account: PROD, region: REGION }],
      points: [],
      environmentOf: () => 'production',
      maxAgeHours: 26,
      now: NOW,
    });
    expect(status).toMatchObject({ problems: ['no-recovery-point', 'no-offsite-copy'], severity: 'critical', ageHours: null });
  });

  it('reports an account it cannot read, and still reads the others', async () => {
    const inventory = await readInventory([{ account: '999999999999', region: REGION, watchResources: true }, ...targets], (account, region) => {
      const c = sdkClients(standins.endpoint)(account, region);
      if (account === '999999999999') c.rds = sdkClients('http://127.0.0.1:1')(account, region).rds;
      return c;
    });
    expect(inventory.failures).toHaveLength(1);
    expect(inventory.failures[0]).toMatchObject({ account: '999999999999', region: REGION });
    expect(inventory.resources.length).toBe(4);
  });

  it('prints the table worst first', async () => {
    const { statuses } = await assess();
    const text = backupsText(statuses, 26);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^STATUS\s+ENV\s+TYPE\s+RESOURCE\s+AGE/);
    expect(lines[1]).toMatch(/^HIGH\s+production\s+rds:db\s+ledger/);
    expect(text).toMatch(/4 protected resources, 2 failing/);
  });
});
