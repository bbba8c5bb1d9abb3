/**
 * The installable tool: `npm pack` (which builds the CLI bundle at `prepack`), install the
 * tarball in a fresh directory outside the checkout, and run `blastwall --version` and
 * `blastwall demo` from there, as a user who never cloned the repository would.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string; name: string; dependencies?: Record<string, string> };
const work = mkdtempSync(join(tmpdir(), 'blastwall-pack-'));
const app = join(work, 'fresh');
let tarball: string;
let files: string[];

/** A clean environment: no NODE_PATH or NODE_OPTIONS from the test runner that could reach the checkout. */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(NODE_|VITEST|npm_)/i.test(k)));

beforeAll(async () => {
  const packed = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: repo, env, maxBuffer: 32 * 1024 * 1024 });
  const info = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(work, info[0]!.filename);
  files = info[0]!.files.map((f) => f.path);
  await run('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fresh', version: '1.0.0', private: true }));
  // Offline: the package has no runtime dependency, so nothing but the tarball is needed.
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: app, env });
}, 180_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm pack → install in a fresh directory', () => {
  it('ships the compiled CLI and what it reads, not the TypeScript sources', () => {
    expect(files).toContain('dist/cli/blastwall.mjs');
    expect(files).toContain('dist/cli/replay-worker.mjs');
    expect(files).toContain('bin/blastwall.mjs');
    expect(files).toContain('CHANGELOG.md');
    expect(files).toContain('test/fixtures/scenarios/incident.json');
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(Object.keys(pkg.dependencies ?? {})).toEqual([]);
    expect(readdirSync(join(app, 'node_modules')).filter((d) => !d.startsWith('.'))).toEqual(['blastwall']);
  });

  it('blastwall --version prints the package version', async () => {
    const out = await run(join(app, 'node_modules', '.bin', 'blastwall'), ['--version'], { cwd: app, env });
    expect(out.stdout.trim()).toBe(pkg.version);
  });

  it('blastwall demo runs from the installed package', async () => {
    const out = await run(join(app, 'node_modules', '.bin', 'blastwall'), ['demo'], { cwd: app, env, maxBuffer: 8 * 1024 * 1024 });
    expect(out.stdout).toMatch(/Blastwall demo/);
    expect(out.stdout).toMatch(/iam:/);
  });

  it('blastwall replay --format asff runs from the installed package, with a commented config file', async () => {
    const scenario = join(app, 'node_modules', 'blastwall', 'test', 'fixtures', 'scenarios', 'incident.json');
    // A config with comments: the bundled config parser (jsonc-parser) must work inside the bundle.
    writeFileSync(
      join(app, 'blastwall.config.json'),
      '/* mine */ {"environments": [{"name": "staging", "accounts": ["222222222222"], "sensitivity": "low", "response": "enforce"}, // staging\n {"name": "production", "accounts": ["333333333333"], "sensitivity": "high", "response": "enforce"},]}',
    );
    const out = await run(join(app, 'node_modules', '.bin', 'blastwall'), ['replay', '--config', 'blastwall.config.json', '--format', 'asff', scenario], { cwd: app, env, maxBuffer: 8 * 1024 * 1024 });
    const findings = JSON.parse(out.stdout) as Array<{ SchemaVersion: string }>;
    expect(findings.length).toBeGreaterThan(0);
    expect(findings[0]!.SchemaVersion).toBe('2018-10-08');
  });
});

describe('the installed CLI reads large replays in worker threads', () => {
  it('blastwall replay with its reading thread (dist/cli/replay-worker.mjs) gives the same output as reading in the main thread', async () => {
    const scenario = join(app, 'node_modules', 'blastwall', 'test', 'fixtures', 'scenarios', 'incident.json');
    const bin = join(app, 'node_modules', '.bin', 'blastwall');
    const replay = (reader: string) => run(bin, ['replay', '--format', 'json', '--retain-events', '10', scenario], { cwd: app, env: { ...env, BLASTWALL_REPLAY_READER: reader }, maxBuffer: 8 * 1024 * 1024 });
    const viaWorker = await replay('worker');
    const inThread = await replay('thread');
    expect(viaWorker.stdout).toBe(inThread.stdout);
    expect(viaWorker.stdout).toMatch(/"type":"summary","events":\d+/);
    expect(viaWorker.stdout).toMatch(/"type":"finding"/);
    // Without its worker module the installed CLI fails loudly rather than reading in one thread unnoticed.
    const worker = join(app, 'node_modules', 'blastwall', 'dist', 'cli', 'replay-worker.mjs');
    const saved = readFileSync(worker);
    rmSync(worker);
    try {
      await expect(replay('worker')).rejects.toMatchObject({ stderr: expect.stringMatching(/replay-worker\.mjs|reading thread/) });
    } finally {
      writeFileSync(worker, saved);
    }
  });
});

describe('the installed CLI on Node 22 (the Lambda runtime\'s major), from the npm registry', () => {
  // Node's own binaries are published on the npm registry as node-<platform>-<arch>; the CLI
  // supports Node >= 20 (package.json engines) and must run on 22, which the functions use.
  const dir = join(work, 'node22');
  const binaryPackage = `node-${process.platform}-${process.arch}`;
  let node22: string;

  beforeAll(async () => {
    await run('mkdir', ['-p', dir]);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'node22', version: '1.0.0', private: true }));
    await run('npm', ['install', '--no-audit', '--no-fund', `${binaryPackage}@22`], { cwd: dir, env, maxBuffer: 8 * 1024 * 1024 });
    node22 = join(dir, 'node_modules', binaryPackage, 'bin', 'node');
  }, 300_000);

  it('runs --version and demo', async () => {
    expect((await run(node22, ['--version'], { env })).stdout).toMatch(/^v22\./);
    const cli = join(app, 'node_modules', 'blastwall', 'bin', 'blastwall.mjs');
    expect((await run(node22, [cli, '--version'], { cwd: app, env })).stdout.trim()).toBe(pkg.version);
    const demo = await run(node22, [cli, 'demo'], { cwd: app, env, maxBuffer: 8 * 1024 * 1024 });
    expect(demo.stdout).toMatch(/Blastwall demo/);
    expect(demo.stderr).toBe('');
  });
});
