import { describe, expect, it } from 'vitest';
import { renderPageText } from '../../functions/core/paging/render-text.ts';
import { buildSlackMessage, ACTION_IDS, escapeMrkdwn, fallbackText } from '../../functions/core/paging/slack-message.ts';
import { buildResolve, buildTrigger, mapSeverity, routingKeyFor } from '../../functions/core/paging/pagerduty-payload.ts';
import { cloudTrailLink, findingLinks } from '../../functions/core/paging/links.ts';
import { pageSeverity, routeChannels } from '../../functions/core/paging/routing.ts';
import { diffSnapshots, mergeActions, snapshotOf } from '../../functions/core/paging/page-state.ts';
import { DEFAULT_ROUTES } from '../../functions/core/config.ts';
import { KEY, ROUTING_KEY, revokeAction, sampleFinding } from './fixtures.ts';

const LINK = `https://eu-west-1.console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events?AccessKeyId=${KEY}`;

describe('CloudTrail links', () => {
  it('filters the event history of the region by access key', () => {
    expect(cloudTrailLink('eu-west-1', KEY)).toBe(LINK);
  });
  it('links the credential and its lineage, once each, and nothing for non-keys', () => {
    const f = sampleFinding({
      lineage: [{ type: 'access-key', accessKeyId: 'AKIASTAGINGUSER00001', homeEnvironment: 'staging' }, { type: 'access-key', accessKeyId: KEY, homeEnvironment: 'production' }],
    });
    expect(findingLinks(f).map((l) => l.href)).toEqual([LINK, cloudTrailLink('eu-west-1', 'AKIASTAGINGUSER00001')]);
    expect(cloudTrailLink('not a region', KEY)).toContain('https://us-east-1.console.aws.amazon.com/');
    expect(findingLinks(sampleFinding({ credential: { type: 'root', homeEnvironment: 'production' } }))).toEqual([]);
  });
});

describe('renderPageText', () => {
  it('reads as the page: sentence, credential, crossing, reasons, exact call, undo, events, link', () => {
    const text = renderPageText(sampleFinding({ response: [revokeAction('done')] }));
    const lines = text.split('\n');
    expect(lines[0]).toBe('[CRITICAL] production · account 333333333333 · eu-west-1 · 2026-11-25T10:00:09Z');
    expect(lines[1]).toMatch(/^The production key AKIAPRODCIKEY0000001 of ci-deployer/);
    expect(text).toContain(`Credential  ${KEY} — long-term access key of IAM user ci-deployer, account 333333333333, home production`);
    expect(text).toContain('Crossed     staging → production');
    expect(text).toContain('• [critical] Same machine used staging session ASIASTAGINGSESSION01');
    expect(text).toContain('What Blastwall did');
    expect(text).toMatch(/done\s+iam:UpdateAccessKey \{"UserName":"ci-deployer","AccessKeyId":"AKIAPRODCIKEY0000001","Status":"Inactive"\}/);
    expect(text).toContain(`undo: aws iam update-access-key --user-name ci-deployer --access-key-id ${KEY} --status Active`);
    expect(text).toMatch(/10:00:00Z\s+DescribeDBInstances\s+staging\s+203\.0\.113\.7\s+ASIASTAGINGSESSION01 AccessDenied/);
    expect(text).toContain(`CloudTrail  ${LINK}`);
    expect(text).not.toContain('\u001b[');
  });
  it('says "would" in dry-run and colours only when asked', () => {
    const f = sampleFinding({ mode: 'dry-run', response: [revokeAction('planned', { mode: 'dry-run' })] });
    const text = renderPageText(f);
    expect(text).toContain('What Blastwall would do (dry-run: nothing was revoked)');
    expect(text).toMatch(/would do\s+iam:UpdateAccessKey/);
    expect(renderPageText(f, { color: true })).toContain('\u001b[31m');
  });
  it('escalates a failed revocation to critical and says why', () => {
    const f = sampleFinding({ severity: 'high', response: [revokeAction('failed', { detail: 'Throttling after 3 attempts' })] });
    expect(pageSeverity(f)).toBe('critical');
    const text = renderPageText(f);
    expect(text.split('\n')[0]).toMatch(/^\[CRITICAL\]/);
    expect(text).toContain('1 response action failed — the credential may still work');
    expect(text).toMatch(/FAILED\s+iam:UpdateAccessKey/);
    expect(text).toContain('Throttling after 3 attempts');
  });
});

describe('renderPageText: role session, lineage, manual step', () => {
  const f = sampleFinding({
    severity: 'high',
    credential: {
      type: 'role-session',
      accessKeyId: 'ASIAROLESESSION00001',
      arn: 'arn:aws:sts::333333333333:assumed-role/Deployer/agent',
      issuerArn: 'arn:aws:iam::333333333333:role/Deployer',
      principalName: 'Deployer',
      sessionName: 'agent',
      accountId: '333333333333',
      homeEnvironment: 'production',
    },
    lineage: [{ type: 'access-key', accessKeyId: 'AKIASTAGINGUSER00001', principalName: 'dev-bot', accountId: '222222222222', homeEnvironment: 'staging' }],
    response: [
      {
        action: 'manual',
        target: 'arn:aws:iam::333333333333:root',
        account: '333333333333',
        mode: 'enforce',
        status: 'skipped',
        detail: 'Root cannot be revoked by policy: sign in as root and rotate.',
        escalate: true,
      } as never,
    ],
  });
  it('names the role and session, who minted it, and what a human must do', () => {
    const text = renderPageText(f);
    expect(text).toContain('Credential  ASIAROLESESSION00001 — role session of role Deployer (session agent), account 333333333333, home production');
    expect(text).toContain('Minted by   AKIASTAGINGUSER00001 — long-term access key of IAM user dev-bot, account 222222222222, home staging');
    expect(text).toMatch(/to do\s+manual in account 333333333333: Root cannot be revoked by policy/);
    expect(text).toContain('Raised to critical: Blastwall cannot revoke this credential — a human must act.');
    expect(text).not.toContain('To restore:');
  });
  it('links both keys, saying which account the lineage key lives in', () => {
    expect(findingLinks(f).map((l) => l.text)).toEqual([
      'CloudTrail events of ASIAROLESESSION00001 (eu-west-1)',
      'CloudTrail events of AKIASTAGINGUSER00001 (account 222222222222, eu-west-1)',
    ]);
  });
});

describe('Slack message', () => {
  it('builds header, summary, facts, reasons, response, events, links and the undo buttons', () => {
    const f = sampleFinding({ response: [revokeAction('done')] });
    const msg = buildSlackMessage({ finding: f });
    const ids = msg.blocks.map((b) => b.block_id);
    expect(ids).toEqual(['bw_header', 'bw_summary', 'bw_facts', 'bw_reasons', 'bw_response', 'bw_events', 'bw_links', 'bw_undo']);
    const header = msg.blocks[0] as unknown as { text: { type: string; text: string } };
    expect(header.text).toMatchObject({ type: 'plain_text', text: 'CRITICAL · production · DeleteDBInstance' });
    const facts = msg.blocks[2] as unknown as { fields: Array<{ text: string }> };
    expect(facts.fields[0]!.text).toContain(KEY);
    expect(facts.fields[1]!.text).toContain('staging → production');
    const reasons = (msg.blocks[3] as unknown as { text: { text: string } }).text.text;
    expect(reasons).toContain('&lt;10.0.0.0/8&gt;'); // escaped, never a Slack link
    const response = (msg.blocks[4] as unknown as { text: { text: string } }).text.text;
    expect(response).toContain(':white_check_mark: *done* `iam:UpdateAccessKey {"UserName":"ci-deployer"');
    const links = (msg.blocks[6] as unknown as { elements: Array<{ text: string }> }).elements[0]!.text;
    expect(links).toContain(`<${LINK}|CloudTrail events of ${KEY} (eu-west-1)>`);
    const actions = msg.blocks[7] as unknown as { elements: Array<{ action_id: string; value: string; text: { text: string }; confirm?: unknown }> };
    expect(actions.elements.map((e) => [e.action_id, e.value, e.text.text])).toEqual([
      [ACTION_IDS.restore, f.id, 'Restore credential'],
      [ACTION_IDS.keep, f.id, 'Keep revoked'],
    ]);
    expect(actions.elements[0]!.confirm).toEqual({
      title: { type: 'plain_text', text: 'Restore the credential?', emoji: true },
      text: { type: 'plain_text', text: `This re-enables ${KEY}. Only approvers can restore.`, emoji: true },
      confirm: { type: 'plain_text', text: 'Restore', emoji: true },
      deny: { type: 'plain_text', text: 'Cancel', emoji: true },
      style: 'danger',
    });
    expect(msg.text).toBe(`[CRITICAL] production: ${f.summary} — revoked ${KEY}`);
  });
  it('offers no buttons before anything is revoked, in dry-run, or after a decision', () => {
    expect(buildSlackMessage({ finding: sampleFinding() }).blocks.some((b) => b.type === 'actions')).toBe(false);
    const dry = sampleFinding({ mode: 'dry-run', response: [revokeAction('done', { mode: 'dry-run' })] });
    expect(buildSlackMessage({ finding: dry }).blocks.some((b) => b.type === 'actions')).toBe(false);
    const kept = buildSlackMessage({
      finding: sampleFinding({ response: [revokeAction('done')] }),
      decision: { kind: 'kept', by: { id: 'U1', name: 'ana' }, at: '2026-11-25T10:05:00Z' },
    });
    expect(kept.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(kept.blocks)).toContain('Kept revoked by <@U1>');
  });
  it('stays within Block Kit limits for long input and escapes control characters', () => {
    const long = 'x'.repeat(5000);
    const msg = buildSlackMessage({ finding: sampleFinding({ summary: `<!channel> ${long}`, eventName: long }) });
    const header = msg.blocks[0] as unknown as { text: { text: string } };
    expect(header.text.text.length).toBeLessThanOrEqual(150);
    const summary = (msg.blocks[1] as unknown as { text: { text: string } }).text.text;
    expect(summary.length).toBeLessThanOrEqual(3000);
    expect(summary).not.toContain('<!channel>');
    expect(escapeMrkdwn('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
    expect(fallbackText({ finding: sampleFinding({ summary: long }) }).length).toBeLessThanOrEqual(3000);
  });
});

describe('routing', () => {
  const routes = [
    { environment: 'production', minSeverity: 'critical' as const, channels: ['pagerduty' as const, 'slack' as const] },
    { environment: 'staging', minSeverity: 'medium' as const, channels: ['slack' as const] },
  ];
  it('critical in production → PagerDuty and Slack; medium in staging → Slack; info → nothing', () => {
    expect(routeChannels(sampleFinding(), routes)).toEqual(['slack', 'pagerduty']);
    expect(routeChannels(sampleFinding({ environment: 'staging', severity: 'medium' }), routes)).toEqual(['slack']);
    expect(routeChannels(sampleFinding({ environment: 'staging', severity: 'info' }), routes)).toEqual([]);
    expect(routeChannels(sampleFinding({ severity: 'high' }), routes)).toEqual([]);
  });
  it('default routes: high → both, medium → Slack, low → nothing', () => {
    expect(routeChannels(sampleFinding({ severity: 'high' }), DEFAULT_ROUTES)).toEqual(['slack', 'pagerduty']);
    expect(routeChannels(sampleFinding({ severity: 'medium' }), DEFAULT_ROUTES)).toEqual(['slack']);
    expect(routeChannels(sampleFinding({ severity: 'low' }), DEFAULT_ROUTES)).toEqual([]);
  });
  it('a response that escalates raises the route to critical', () => {
    const f = sampleFinding({ severity: 'medium', response: [{ ...revokeAction('skipped'), escalate: true } as never] });
    expect(routeChannels(f, DEFAULT_ROUTES)).toEqual(['slack', 'pagerduty']);
  });
});

describe('PagerDuty payload', () => {
  it('triggers with dedup key = finding id, mapped severity, reasons, actions and links', () => {
    const f = sampleFinding({ response: [revokeAction('done')] });
    const e = buildTrigger(f, ROUTING_KEY);
    expect(e).toMatchObject({ routing_key: ROUTING_KEY, event_action: 'trigger', dedup_key: f.id, client: 'Blastwall' });
    expect(e.payload).toMatchObject({ severity: 'critical', source: 'aws:333333333333:eu-west-1', group: 'production', timestamp: f.time });
    expect(e.payload!.summary).toBe(`[production] ${f.summary}`);
    const details = e.payload!.custom_details as { reasons: string[]; actions: Array<{ call: string; status: string }> };
    expect(details.reasons[0]).toContain('[critical] Same machine used staging session');
    expect(details.actions[0]).toMatchObject({ status: 'done' });
    expect(details.actions[0]!.call).toContain('iam:UpdateAccessKey');
    expect(e.links).toEqual([{ href: LINK, text: `CloudTrail events of ${KEY} (eu-west-1)` }]);
    expect(buildResolve(f.id, ROUTING_KEY)).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: f.id });
  });
  it('maps severities and picks the routing key per environment', () => {
    expect(['critical', 'high', 'medium', 'low', 'info'].map((s) => mapSeverity(s as never))).toEqual(['critical', 'error', 'warning', 'info', 'info']);
    expect(routingKeyFor({ routingKeys: { production: 'P', '*': 'D' } }, 'production')).toBe('P');
    expect(routingKeyFor({ routingKeys: { production: 'P', '*': 'D' } }, 'staging')).toBe('D');
    expect(routingKeyFor({ routingKey: 'K' }, 'staging')).toBe('K');
    expect(routingKeyFor({}, 'staging')).toBeUndefined();
  });
});

describe('page state', () => {
  it('merges action reports: a result beats planned whatever the arrival order', () => {
    const planned = revokeAction('planned');
    const done = revokeAction('done');
    expect(mergeActions([done], [planned])).toEqual([done]);
    expect(mergeActions([planned], [done])).toEqual([done]);
  });
  it('tells the thread what changed', () => {
    const before = snapshotOf({ finding: sampleFinding() });
    const lines = diffSnapshots(before, { finding: sampleFinding({ response: [revokeAction('done')] }) });
    expect(lines).toEqual([`Done: iam:UpdateAccessKey on ${KEY}. Undo: aws iam update-access-key --user-name ci-deployer --access-key-id ${KEY} --status Active`]);
    const failed = diffSnapshots(before, { finding: sampleFinding({ response: [revokeAction('failed', { detail: 'AccessDenied' })] }) });
    expect(failed).toEqual([`FAILED: iam:UpdateAccessKey on ${KEY} — AccessDenied. The credential may still work — act now.`]);
    const high = sampleFinding({ severity: 'high' });
    const raised = diffSnapshots(snapshotOf({ finding: high }), { finding: { ...high, response: [revokeAction('failed')] } });
    expect(raised[0]).toBe('Severity high → critical.');
    expect(diffSnapshots(before, { finding: sampleFinding() })).toEqual([]);
  });
});
