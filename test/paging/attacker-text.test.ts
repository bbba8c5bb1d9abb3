/**
 * Issue 15, item 5: every string from an event is attacker-controlled. A role session
 * name, a web-identity subject, a user agent or a resource name must not broadcast to a
 * channel, mention or link anyone, break out of a code span, leave a span open when cut,
 * or re-colour / clear the terminal of `blastwall replay`.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../functions/core/finding.ts';
import { buildTrigger } from '../../functions/core/paging/pagerduty-payload.ts';
import { renderPageText } from '../../functions/core/paging/render-text.ts';
import { buildSlackMessage, threadReplyText, type SlackBlock } from '../../functions/core/paging/slack-message.ts';
import { truncateMrkdwn } from '../../functions/core/paging/sanitise.ts';
import { KEY, ROUTING_KEY, revokeAction, sampleFinding } from './fixtures.ts';

const HOSTILE = '<!channel> <!here|here> @channel @HERE @everyone <@U0BOSS01> <https://evil.example/x|AWS console> & `code` ```block```';
const ANSI_AND_CONTROLS = '\u001b[2J\u001b[31mred\u001b[0m\u001b]0;pwned\u0007\r\u0008\u0000\u202etxt.exe\u009b1m';

function hostileFinding(overrides: Partial<Finding> = {}): Finding {
  return sampleFinding({
    summary: `Deleted ${HOSTILE}`,
    credential: {
      type: 'role-session',
      accessKeyId: 'ASIAROLESESSION00001',
      arn: 'arn:aws:sts::333333333333:assumed-role/Deployer/x`y',
      issuerArn: 'arn:aws:iam::333333333333:role/Deployer',
      principalName: 'Deployer',
      sessionName: `x\` *bold* ${HOSTILE} \`y`,
      accountId: '333333333333',
      homeEnvironment: 'production',
    },
    actor: { sourceIp: '203.0.113.7', userAgent: HOSTILE, userAgentFamily: `aws-cli ${ANSI_AND_CONTROLS}` },
    reasons: [{ signal: 'destructive-call', text: `DeleteBucket on ${HOSTILE}`, severity: 'critical' }],
    response: [revokeAction('done', { detail: `read back ${HOSTILE}` })],
    ...overrides,
  });
}

/** Every mrkdwn text object of a message. */
function mrkdwnObjects(blocks: SlackBlock[]): { type: string; text: string; verbatim?: boolean }[] {
  const out: { type: string; text: string; verbatim?: boolean }[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o as never);
    Object.values(o).forEach(walk);
  };
  walk(blocks);
  return out;
}

/** Checks a mrkdwn string is inert: no Slack control sequence, no open span, no broken entity. */
function expectInert(text: string) {
  expect(text).not.toMatch(/<!(channel|here|everyone)/);
  expect(text).not.toMatch(/<@U/);
  expect(text).not.toContain('<https://evil');
  // A broadcast keeps its text but gets a word joiner after the @, which Slack does not parse.
  expect(text.replace(/@\u2060/g, '')).not.toMatch(/@(channel|here|everyone)\b/i);
  expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
  const fences = text.split('```');
  expect((fences.length - 1) % 2, `unbalanced \`\`\` in ${text}`).toBe(0);
  const outside = fences.filter((_, i) => i % 2 === 0).join('');
  expect((outside.match(/`/g) ?? []).length % 2, `unbalanced \` in ${text}`).toBe(0);
  expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
}

describe('Slack: attacker text is inert', () => {
  const msg = buildSlackMessage({ finding: hostileFinding() });

  it('escapes & < > in the fallback text too and neutralises broadcasts there', () => {
    expect(msg.text).toContain('&lt;!channel&gt;');
    expect(msg.text).toContain('&amp;');
    expectInert(msg.text);
  });

  it('sets verbatim on every mrkdwn object and keeps each one inert', () => {
    const objects = mrkdwnObjects(msg.blocks);
    expect(objects.length).toBeGreaterThan(5);
    for (const o of objects) {
      expect(o.verbatim, o.text).toBe(true);
      expectInert(o.text);
    }
  });

  it('puts identifiers in code spans an embedded backtick cannot close', () => {
    const facts = msg.blocks.find((b) => b.block_id === 'bw_facts') as unknown as { fields: { text: string }[] };
    const credential = facts.fields[0]!.text;
    expect(credential).toMatch(/^\*Credential\*\n`ASIAROLESESSION00001 — role session of role Deployer \(session x'y? ?/);
    expect(credential.match(/`/g)).toHaveLength(2);
    const response = mrkdwnObjects(msg.blocks).find((o) => o.text.includes('iam:UpdateAccessKey'))!.text;
    expect(response).toContain(`\`iam:UpdateAccessKey {"UserName":"ci-deployer","AccessKeyId":"${KEY}","Status":"Inactive"} in account 333333333333\``);
  });

  it('a thread reply and the restore state line are inert too', () => {
    expectInert(threadReplyText([`restored by ${HOSTILE}`])!);
    const restored = buildSlackMessage({ finding: hostileFinding(), restored: { at: '2026-11-25T10:05:00Z', by: HOSTILE, reason: HOSTILE } as never });
    for (const o of mrkdwnObjects(restored.blocks)) expectInert(o.text);
  });

  it('truncation never leaves a span, block or entity open, and says what it dropped', () => {
    const events = Array.from({ length: 5 }, (_, i) => ({
      eventId: `e${i}`,
      time: '2026-11-25T10:00:00Z',
      eventName: `Delete${'&`<'.repeat(400)}`,
      eventSource: 'rds.amazonaws.com',
      account: '333333333333',
      environment: 'production',
      sourceIp: '203.0.113.7',
      userAgentFamily: 'aws-cli',
    }));
    const actions = Array.from({ length: 12 }, (_, i) =>
      revokeAction('done', { target: `t${i}`, apiCall: { service: 'iam', operation: 'PutRolePolicy', input: { RoleName: `r${i}${'&`'.repeat(150)}` } }, undo: `x${'`'.repeat(100)}` }),
    );
    const long = buildSlackMessage({ finding: hostileFinding({ recentEvents: events, response: actions, summary: `${'&'.repeat(2999)}<!channel>` }) });
    const all = mrkdwnObjects(long.blocks);
    const cut = all.filter((o) => o.text.includes('[truncated: '));
    expect(cut.length).toBeGreaterThanOrEqual(3);
    for (const o of all) {
      expect(o.text.length).toBeLessThanOrEqual(3000);
      expectInert(o.text);
    }
    expect(cut.every((o) => /\[truncated: \d+ more characters not shown\]$/.test(o.text))).toBe(true);
    expectInert(long.text);
    expect(long.text.length).toBeLessThanOrEqual(3000);
  });

  it('truncateMrkdwn closes a cut code block and drops a cut inline span whole', () => {
    const block = truncateMrkdwn(`\`\`\`${'a'.repeat(200)}\`\`\``, 120);
    expect(block.startsWith('```a')).toBe(true);
    expect(block).toMatch(/a\n```\n… \[truncated: \d+ more characters not shown\]$/);
    const span = truncateMrkdwn(`before \`${'b'.repeat(200)}\``, 120);
    expect(span).toMatch(/^before \n… \[truncated: 2\d\d more characters not shown\]$/);
    const entity = truncateMrkdwn('&amp;'.repeat(100), 100);
    expect(entity).toMatch(/^(&amp;)+\n… \[truncated/);
  });
});

describe('text replay: no control characters or ANSI escapes from event text', () => {
  it('strips them from every field, and colours only its own output', () => {
    const f = hostileFinding({
      summary: `Deleted ${ANSI_AND_CONTROLS}`,
      recentEvents: [
        { eventId: 'e1', time: '2026-11-25T10:00:00Z', eventName: `DeleteBucket\u001b[1A\u001b[2K`, eventSource: 's3.amazonaws.com', account: '333333333333', environment: 'production', sourceIp: '203.0.113.7\r', userAgentFamily: 'x', errorCode: '\u001b[32mOK' },
      ],
    });
    const plain = renderPageText(f);
    expect(plain).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(plain).toContain('Deleted red txt.exe');
    expect(plain).not.toContain('pwned');
    const coloured = renderPageText(f, { color: true });
    // Only Blastwall's own SGR colour codes remain.
    const escapes = coloured.match(/\u001b[^m]*m/g) ?? [];
    expect(escapes.every((e) => /^\u001b\[\d+m$/.test(e))).toBe(true);
    expect(coloured).not.toContain('\u001b[2J');
    expect(coloured).not.toContain('\u001b]0;');
    expect(coloured).not.toContain('\u001b[1A');
  });
});

describe('PagerDuty: fields bounded and plain', () => {
  it('strips controls and bounds every field, whatever the event held', () => {
    const huge = `${ANSI_AND_CONTROLS}${'z'.repeat(1_000_000)}`;
    const f = hostileFinding({
      summary: huge,
      reasons: Array.from({ length: 200 }, () => ({ signal: 'destructive-call', text: huge, severity: 'critical' as const })),
      actor: { sourceIp: huge, userAgent: huge, userAgentFamily: huge },
    });
    const e = buildTrigger(f, ROUTING_KEY);
    const body = JSON.stringify(e);
    expect(body.length).toBeLessThan(128 * 1024);
    expect(body).not.toMatch(/\\u00(0[0-8bcef]|1[0-9a-f]|7f|[89][0-9a-f])/i);
    expect(body).not.toContain('\\u001b');
    expect(e.payload!.summary.length).toBeLessThanOrEqual(1024);
    expect(e.payload!.summary).toMatch(/\[truncated: \d+ more characters not shown\]$/);
    const details = e.payload!.custom_details as { reasons: string[]; reasons_not_shown?: number; actor: string };
    expect(details.reasons).toHaveLength(20);
    expect(details.reasons_not_shown).toBe(180);
    expect(details.actor.length).toBeLessThanOrEqual(2000);
  });
});
