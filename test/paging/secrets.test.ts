/** The page/undo secrets through Powertools getSecret, with the Secrets Manager client mocked at the SDK boundary. */
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loadPagerDutySecret, loadSlackSecret } from '../../functions/page/secrets.ts';

const sm = mockClient(SecretsManagerClient);
let n = 0;
const id = () => `arn:aws:secretsmanager:eu-west-1:999999999999:secret:blastwall-test-${++n}`;

describe('paging secrets', () => {
  beforeEach(() => {
    sm.reset();
    process.env.AWS_REGION ??= 'eu-west-1';
  });

  it('reads the Slack secret once and caches it', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ botToken: 'xoxb-1', signingSecret: 'sig', channel: 'C1' }) });
    const arn = id();
    expect(await loadSlackSecret(arn)).toEqual({ botToken: 'xoxb-1', signingSecret: 'sig', channel: 'C1' });
    await loadSlackSecret(arn);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(sm.commandCalls(GetSecretValueCommand)[0]!.args[0].input.SecretId).toBe(arn);
  });

  it('refuses the placeholders cdk deploy creates, and says what to put', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ botToken: 'REPLACE_ME', signingSecret: 'REPLACE_ME', channel: 'REPLACE_ME' }) });
    await expect(loadSlackSecret(id())).rejects.toThrow(/Slack secret is not filled in/);
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ routingKey: 'REPLACE_ME' }) });
    await expect(loadPagerDutySecret(id())).rejects.toThrow(/PagerDuty secret is not filled in/);
    await expect(loadSlackSecret(undefined)).rejects.toThrow(/SLACK_SECRET_ARN/);
  });

  it('drops a placeholder channel and accepts per-environment routing keys', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ botToken: 'xoxb-1', signingSecret: 'sig', channel: 'REPLACE_ME' }) });
    expect(await loadSlackSecret(id())).toEqual({ botToken: 'xoxb-1', signingSecret: 'sig' });
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ routingKeys: { production: 'P'.repeat(32), '*': 'REPLACE_ME' } }) });
    expect(await loadPagerDutySecret(id())).toEqual({ routingKeys: { production: 'P'.repeat(32) } });
  });
});
