/**
 * The HTML report in a real browser: headless Chromium (Debian's `chromium`) loads the
 * page; the DOM holds the timeline chart and one row per finding, a screenshot is not
 * blank, nothing reaches the network, and attacker-controlled strings stay text.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../cli/run-cli.ts';
import { distinctColours, dumpDom, ensureChromium, screenshot } from '../support/headless-chromium.ts';
import { recordedHistory, writeBenchConfigFile } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'blastwall-html-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const configFile = writeBenchConfigFile(join(dir, 'config.json'));
const records = recordedHistory(2500, { spanHours: 24 * 14 });
// One hostile record: a destructive call whose user name and agent carry markup.
const hostile = {
  ...records.find((r) => r.eventName === 'DeleteBucket' || r.readOnly === false)!,
  eventID: 'hostile-1',
  eventName: 'DeleteBucket',
  eventSource: 's3.amazonaws.com',
  recipientAccountId: '333333333333',
  userAgent: '<script>document.title="pwned"</script>',
  userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111111111111:user/<img src=x onerror=alert(1)>', accountId: '111111111111', accessKeyId: 'AKIAHOSTILE000000001', userName: '<img src=x onerror=alert(1)>' },
  requestParameters: { bucketName: 'orders-backups' },
};
const input = join(dir, 'history.json');
writeFileSync(input, JSON.stringify({ Records: [...records, hostile] }));
const page = join(dir, 'report.html');

let json: CliRun;
let html: CliRun;
beforeAll(async () => {
  json = await runCli(['replay', '--format', 'json', '--config', configFile, input]);
  html = await runCli(['replay', '--format', 'html', '--out', page, '--config', configFile, input]);
});

describe('replay --format html --out FILE (the page itself)', () => {
  it('writes one self-contained page: no script, no external reference, a CSP that forbids fetching', () => {
    expect(html.code).toBe(0);
    expect(html.stdout).toBe('');
    const text = readFileSync(page, 'utf8');
    expect(text).toMatch(/^<!doctype html>/);
    expect(text).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(text).not.toMatch(/<script|<link|<img|(?:src|href)=["']?(?:https?:)?\/\//i);
    expect(text).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('holds one row per finding, in the replay’s order, and the would-revoke list with the exact calls', () => {
    const text = readFileSync(page, 'utf8');
    const findings = json.lines.filter((l) => l.type === 'finding');
    expect(findings.length).toBeGreaterThan(5);
    const ids = [...text.matchAll(/<tr class="finding" data-severity="\w+" data-id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(findings.map((f) => String(f.id)));
    const calls = new Set(findings.flatMap((f) => (f.response as Array<{ call?: string }>).map((r) => r.call).filter(Boolean)));
    expect(calls.size).toBeGreaterThan(0);
    for (const call of calls) expect(text).toContain(String(call).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'));
  });
});

const chromium = ensureChromium();
if ('reason' in chromium) console.warn(`SKIPPED headless-browser checks of the HTML report: ${chromium.reason}`);

describe.skipIf('reason' in chromium)('the HTML report in headless Chromium', () => {
  const binary = 'path' in chromium ? chromium.path : '';

  it('the DOM after load holds the timeline chart with bars, one row per finding, and no injected element', async () => {
    const dom = await dumpDom(binary, page);
    const findings = json.lines.filter((l) => l.type === 'finding');
    expect(dom).toMatch(/<svg id="timeline"[^>]*>/);
    expect((dom.match(/<rect class="bar"/g) ?? []).length).toBeGreaterThan(0);
    expect((dom.match(/<tr class="finding"/g) ?? []).length).toBe(findings.length);
    expect(dom).toMatch(/<title>Blastwall replay<\/title>/);
    expect(dom).not.toMatch(/<img|<script/i);
  }, 90_000);

  it('a screenshot is not blank', async () => {
    const png = await screenshot(binary, page, join(dir, 'report.png'));
    expect(png.length).toBeGreaterThan(1000);
    expect(distinctColours(png)).toBeGreaterThan(10);
    // A blank page for contrast: one colour. The check can fail.
    const blank = join(dir, 'blank.html');
    writeFileSync(blank, '<!doctype html><html><body style="background:#fff"></body></html>');
    expect(distinctColours(await screenshot(binary, blank, join(dir, 'blank.png')))).toBe(1);
  }, 90_000);
});
