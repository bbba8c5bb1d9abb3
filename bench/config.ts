/**
 * Config at cold start: a 1,000-account organisation in 8 environments, served by the AppConfig
 * Data stand-in on loopback, read the way a function reads it.
 *
 * - configColdLoadMs: a fresh Node process imports the config reader bundled as CDK bundles the
 *   functions (esbuild, ESM, SDK external), which reads the config at module load; this is the
 *   read itself as the module times it (client built, session started, config fetched, JSON
 *   parsed, validated), the first in the process. Median of `runs`.
 * - configModuleImportMs: the whole import of that bundle (the read plus loading Powertools, zod
 *   and the config schema, which every function loads whatever the config's source), and
 *   sdkClientLoadMs: the SDK client's module load (the Lambda runtime's SDK, loaded by any
 *   function that makes an AWS call), reported beside it, not counted in the goal.
 * - configReadMs: the same read in a warm process (modules loaded), median: the network and
 *   validation part alone.
 * Loopback has no network latency: in AWS add one AppConfig round trip or two (same region).
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT, WORK } from './bundles.ts';
import { organisationConfig } from '../test/ecosystem/organisation-config.ts';
import { startAppConfigStandIn } from '../test/standins/appconfig.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function measureConfigLoad(options: { runs: number; accounts?: number; environments?: number }) {
  const accounts = options.accounts ?? 1000;
  const environments = options.environments ?? 8;
  const config = organisationConfig(accounts, environments);
  const text = JSON.stringify(config);
  const standIn = await startAppConfigStandIn();
  standIn.deploy('bench', 'central', 'config', text);
  try {
    const bundle = join(WORK, 'config-reader.mjs');
    await build({
      entryPoints: [join(ROOT, 'functions', 'adapters', 'lambda-environment.ts')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      // ESM builds first: some packages' `main` is a UMD build whose dynamic require()s esbuild cannot follow (jsonc-parser).
      mainFields: ['module', 'main'],
      format: 'esm',
      target: 'node22',
      minify: true,
      external: ['@aws-sdk/*'],
      banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
      logLevel: 'silent',
    });
    // The SDK stays external, as in Lambda: resolve it from the project's node_modules.
    const probe = join(WORK, 'config-probe.mjs');
    writeFileSync(
      probe,
      [
        'const t0 = performance.now();',
        // The SDK client's own module load: in Lambda the runtime's SDK, paid by any function that uses a client.
        "await import('@aws-sdk/client-appconfigdata');",
        'const t1 = performance.now();',
        `const m = await import(${JSON.stringify(bundle)});`,
        'const t2 = performance.now();',
        "const c = m.configFromEnvironment('bench');",
        'process.stdout.write(JSON.stringify({ sdkMs: t1 - t0, moduleMs: t2 - t1, ms: m.configReadAtColdStartMs, accounts: c.environments.reduce((n, e) => n + e.accounts.length, 0) }));',
      ].join('\n'),
    );
    const env = {
      ...process.env,
      NODE_PATH: join(ROOT, 'node_modules'),
      BLASTWALL_APPCONFIG: 'bench/central/config',
      BLASTWALL_APPCONFIG_URL: standIn.endpoint,
      AWS_ACCESS_KEY_ID: 'AKIABENCH00000000000',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_REGION: 'eu-west-1',
      BLASTWALL_CONFIG: '',
    };
    // esbuild's external imports resolve relative to the bundle: link node_modules beside it.
    execFileSync('ln', ['-sfn', join(ROOT, 'node_modules'), join(WORK, 'node_modules')]);
    const cold: number[] = [];
    const sdk: number[] = [];
    const moduleLoads: number[] = [];
    for (let i = 0; i < options.runs; i++) {
      // Asynchronous: the stand-in answers from this process's event loop.
      const out = JSON.parse((await promisify(execFile)(process.execPath, [probe], { env, encoding: 'utf8' })).stdout) as { ms: number; sdkMs: number; moduleMs: number; accounts: number };
      if (out.accounts !== accounts) throw new Error(`probe read ${out.accounts} accounts, expected ${accounts}`);
      cold.push(out.ms);
      sdk.push(out.sdkMs);
      moduleLoads.push(out.moduleMs);
    }

    // The same credentials and region in this process, for the warm reads.
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION'] as const) process.env[k] ??= env[k];
    const { loadConfigFromAppConfig, appConfigLocation } = await import('../functions/adapters/lambda-environment.ts');
    const warm: number[] = [];
    for (let i = 0; i < Math.max(5, options.runs); i++) {
      const t0 = performance.now();
      const c = await loadConfigFromAppConfig(appConfigLocation('bench/central/config'), { endpoint: standIn.endpoint });
      warm.push(performance.now() - t0);
      if (c.environments.length !== environments) throw new Error('wrong config read');
    }
    return {
      accounts,
      environments,
      configBytes: Buffer.byteLength(text),
      configColdLoadMs: median(cold),
      configColdLoadMaxMs: Math.max(...cold),
      configModuleImportMs: median(moduleLoads),
      sdkClientLoadMs: median(sdk),
      configReadMs: median(warm),
      runs: options.runs,
    };
  } finally {
    await standIn.close();
  }
}
