import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../bin/cli.ts';
import { startSlackStandIn, type SlackStandIn } from '../standins/slack.ts';

async function demo(env: NodeJS.ProcessEnv) {
  let stdout = '';
  let stderr = '';
  const code = await main(['demo'], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd: process.cwd(), env });
  return { code, stdout, stderr };
}

describe('blastwall demo', () => {
  let slack: SlackStandIn;
  beforeAll(async () => {
    slack = await startSlackStandIn();
  });
  afterAll(async () => slack.close());

  it('tells the incident: quiet history, revocation of the production key before the destructive call, the page', async () => {
    const run = await demo({});
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/→ \d+ findings? .*, 0 revocations: routine work is left alone/);
    // Later findings of the revoked key plan the same call again: it is one revocation.
    expect(run.stdout).toMatch(/Summary: \d+ events, \d+ findings, 1 revocation planned, 0 rejected\./);
    expect(run.stdout).toMatch(/iam:UpdateAccessKey \{"UserName":"ci-deployer","AccessKeyId":"AKIA[A-Z0-9]+","Status":"Inactive"\}/);
    expect(run.stdout).toMatch(/The first destructive call \(DeleteDBInstance\) came \d+ s later/);
    expect(run.stdout).toContain('What Blastwall did');
    expect(run.stdout).toMatch(/Set SLACK_BOT_TOKEN and SLACK_CHANNEL/);
  });

  it('posts the page to Slack for real when SLACK_BOT_TOKEN and SLACK_CHANNEL are set', async () => {
    const run = await demo({ SLACK_BOT_TOKEN: slack.token, SLACK_CHANNEL: 'C0DEMO', SLACK_API_URL: slack.url });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Posted to Slack for real: channel C0DEMO/);
    expect(slack.topLevel('C0DEMO')).toHaveLength(1);
  });
});
