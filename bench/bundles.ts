/**
 * Bundle sizes and cold-start ratio, built with the very esbuild options the CDK
 * `NodejsFunction` uses (imported from lib/constructs/blastwall-function.ts, mapped
 * one to one onto esbuild's API the way aws-cdk-lib's Bundling turns them into CLI
 * flags: --bundle --target --platform --format --outfile=index.mjs --minify
 * --sourcemap --sources-content=false --external:… --log-level --banner:js
 * --main-fields).
 *
 * Cold start, from import time only: a fresh `node` process times its own
 * `import()` of the bundle (Node's own start-up is not counted; it is reported
 * beside as the wall time of the whole process).
 * - initRatio: detect's import ÷ an empty handler's import (medians).
 * - initOverSdkRatio: detect's import ÷ the import of a handler that only loads the
 *   SDK clients detect uses (DynamoDB, EventBridge): what Blastwall's own code adds.
 *   The median of alternating pairs, with min and max.
 * - coldStartOverSdkRatio: the same with first use (detect's `fromEnvironment()`, the SDK-only
 *   handler's client construction) added on each side.
 * - ownOverSdkRatio: the same question asked in one process (SDK loaded first, then detect), so a
 *   busy machine's drift does not land on one side only.
 * - initOverSdkRatioCpu, coldStartOverSdkRatioCpu: the first two from CPU time instead of the
 *   wall clock (waits for a busy core are not counted).
 * `@aws-sdk/*` stays external as in Lambda (the runtime ships it), so it is resolved
 * from node_modules and its load counts on both sides. Every process runs with the functions'
 * NODE_OPTIONS (`--enable-source-maps`: Node reads the bundle's source map at load, as in Lambda).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';

export const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
export const WORK = join(ROOT, 'bench', '.work');

export const FUNCTIONS = ['detect', 'respond', 'page', 'undo'] as const;

export interface BundleResult {
  bundleBytes: Record<string, number | null>;
  /** Entries that do not exist (yet): named, never silently zero. */
  missing: string[];
  /** Entries that exist but do not build (yet), with esbuild's message. */
  errors: Record<string, string>;
  initRatio: number | null;
  /** detect's import ÷ the SDK-only handler's import (median of pairs). */
  initOverSdkRatio?: number | null;
  initOverSdkRatioStats?: { median: number; min: number; max: number };
  /** The former figure: wall time of the whole process (Node's start included) ÷ the same for the empty handler. */
  initRatioWithNodeStart?: number | null;
  detectInitMs: number | null;
  emptyInitMs: number | null;
  /** Import of the bundle alone, measured inside the child (excludes Node's own start). */
  detectImportMs: number | null;
  emptyImportMs: number | null;
  /**
   * Import plus first use: detect's import + `fromEnvironment()` (config validated, clients,
   * pipeline) ÷ the SDK-only handler's import + construction of its two clients (median of pairs).
   * Catches time moved from import to the first event rather than saved.
   */
  coldStartOverSdkRatio?: number | null;
  coldStartOverSdkRatioStats?: { median: number; min: number; max: number };
  detectFirstUseMs?: number | null;
  sdkOnlyFirstUseMs?: number | null;
  /** An empty handler that imports only the SDK clients detect uses (DynamoDB, EventBridge). */
  sdkOnlyInitMs?: number | null;
  sdkOnlyImportMs?: number | null;
  initRuns: number;
  /**
   * 1 + (detect's own import + first use) ÷ (SDK-only import + construction), both in the same
   * process, the SDK loaded first (`coldOwn`): what coldStartOverSdkRatio estimates, with less noise.
   */
  ownOverSdkRatio?: number | null;
  ownOverSdkRatioStats?: { median: number; min: number; max: number };
  detectOwnImportMs?: number | null;
  detectOwnFirstUseMs?: number | null;
  sdkOnlyInSameProcessMs?: number | null;
  /** initOverSdkRatio and coldStartOverSdkRatio from each process's CPU time instead of the wall clock (see coldLoad). */
  initOverSdkRatioCpu?: number | null;
  initOverSdkRatioCpuStats?: { median: number; min: number; max: number };
  coldStartOverSdkRatioCpu?: number | null;
  coldStartOverSdkRatioCpuStats?: { median: number; min: number; max: number };
  /** Medians of the CPU ms behind them. */
  cpuMs?: { detectImport: number; detectFirstUse: number; sdkOnlyImport: number; sdkOnlyConstruct: number };
  /** NODE_OPTIONS of the cold-start processes (the functions' own). */
  nodeOptions?: string;
  /** Bytes of the detect bundle per npm package (or per folder of our code). */
  detectByPackage?: Record<string, number>;
  /** The same for every function. */
  byPackage?: Record<string, Record<string, number>>;
  /** The biggest inputs of the detect bundle (from esbuild's metafile), for the report. */
  detectTopInputs: Array<{ path: string; bytes: number }>;
}

async function cdkEsbuildOptions(): Promise<BuildOptions> {
  const { BUNDLING, FUNCTION_NODE_OPTIONS } = await import('../lib/constructs/blastwall-function.ts');
  Object.assign(FIRST_USE_ENV, { NODE_OPTIONS: FUNCTION_NODE_OPTIONS });
  const b = BUNDLING;
  return {
    bundle: true,
    target: b.target,
    platform: 'node',
    format: b.format === 'esm' ? 'esm' : 'cjs',
    minify: b.minify ?? false,
    sourcemap: b.sourceMap ? true : false,
    sourcesContent: b.sourcesContent ?? true,
    external: b.externalModules ?? ['@aws-sdk/*'],
    logLevel: (b.logLevel as BuildOptions['logLevel']) ?? 'warning',
    ...(b.banner ? { banner: { js: b.banner } } : {}),
    ...(b.footer ? { footer: { js: b.footer } } : {}),
    ...(b.mainFields ? { mainFields: b.mainFields } : {}),
    ...(b.keepNames ? { keepNames: true } : {}),
    ...(b.define ? { define: b.define } : {}),
    ...(b.loader ? { loader: b.loader as BuildOptions['loader'] } : {}),
    tsconfig: join(ROOT, 'tsconfig.json'),
    metafile: true,
  };
}

async function bundle(entry: string, outDir: string, options: BuildOptions) {
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, options.format === 'esm' ? 'index.mjs' : 'index.js');
  const result = await build({ ...options, entryPoints: [entry], outfile, absWorkingDir: ROOT });
  return { outfile, bytes: statSync(outfile).size, metafile: result.metafile! };
}

/** Bytes in the output per npm package (or per folder of our code, three levels deep), biggest first. */
function bytesByPackage(metafile: Awaited<ReturnType<typeof bundle>>['metafile']): Record<string, number> {
  const out: Record<string, number> = {};
  const inputs = Object.values(metafile.outputs).find((o) => o.entryPoint)?.inputs ?? {};
  for (const [path, v] of Object.entries(inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const key = m ? m[1]! : path.split('/').slice(0, 3).join('/');
    out[key] = (out[key] ?? 0) + v.bytesInOutput;
  }
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * One fresh process: spawn → import(bundle) → exit. Returns [wall ms, import ms, first-use ms,
 * import CPU ms, first-use CPU ms]. `firstUse` names an export the process then calls (detect's
 * `fromEnvironment`, the SDK-only handler's `construct`): what the first invocation builds before
 * it can handle an event, timed apart, so work moved from import to first use shows up instead of
 * vanishing. CPU time (`process.cpuUsage()`, user + system, every thread of the process) beside
 * the wall clock: on a machine shared with other work, wall time also counts the waits for a core,
 * which land on one side of a pair more than the other; the import is CPU-bound (the files are in
 * the OS cache after the warm-up), so its CPU time is what it costs on an idle core.
 */
function coldLoad(file: string, firstUse?: string): [number, number, number, number, number] {
  const use = firstUse
    ? `const u=performance.now(),uc=process.cpuUsage();m[${JSON.stringify(firstUse)}]();const fc=process.cpuUsage(uc);const f=performance.now()-u;`
    : 'const f=0,fc={user:0,system:0};';
  const script = `const t=performance.now(),tc=process.cpuUsage();const m=await import(${JSON.stringify(file)});const ic=process.cpuUsage(tc);const i=performance.now()-t;${use}process.stdout.write(JSON.stringify([i,f,(ic.user+ic.system)/1000,(fc.user+fc.system)/1000]));`;
  const t0 = process.hrtime.bigint();
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: WORK, env: { ...process.env, ...FIRST_USE_ENV } });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (out.status !== 0) throw new Error(`loading ${file} failed: ${out.stderr}`);
  const [imp, first, impCpu, firstCpu] = JSON.parse(out.stdout) as [number, number, number, number];
  return [wall, imp, first, impCpu, firstCpu];
}

/**
 * Blastwall's own share, in one process: import the SDK-only handler and construct its clients,
 * then import detect's bundle and call `fromEnvironment()`. Returns [SDK import + construct,
 * detect's own import, detect's own first use] in ms. The SDK is loaded already, so what detect's
 * import adds is its own code (compile, module bodies, source map); load drift hits both parts of
 * the same process alike, so this ratio swings far less than the two-process ones.
 */
function coldOwn(sdkFile: string, detectFile: string): [number, number, number] {
  const script = `const P=performance;let t=P.now();const s=await import(${JSON.stringify(sdkFile)});s.construct();const a=P.now()-t;t=P.now();const m=await import(${JSON.stringify(detectFile)});const i=P.now()-t;t=P.now();m.fromEnvironment();const f=P.now()-t;process.stdout.write(JSON.stringify([a,i,f]));`;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: WORK, env: { ...process.env, ...FIRST_USE_ENV } });
  if (out.status !== 0) throw new Error(`loading ${detectFile} after the SDK failed: ${out.stderr}`);
  return JSON.parse(out.stdout) as [number, number, number];
}

/**
 * What the stack sets for detect (the config as `BLASTWALL_CONFIG`, as tests and local runs give it);
 * nothing is called over the network. NODE_OPTIONS as every function has it (`FUNCTION_NODE_OPTIONS`:
 * source maps on, so Node reads the bundle's map at load), for both sides of each ratio.
 */
const FIRST_USE_ENV: Record<string, string> = {
  AWS_REGION: 'eu-west-1',
  TABLE_NAME: 'blastwall-bench',
  EVENT_BUS_NAME: 'blastwall-bench',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

export async function measureBundles(opts: { initRuns: number }): Promise<BundleResult> {
  const options = await cdkEsbuildOptions();
  const outRoot = join(WORK, 'bundles');
  const bundleBytes: Record<string, number | null> = {};
  const missing: string[] = [];
  const errors: Record<string, string> = {};
  let detectFile: string | undefined;
  let detectMeta: Awaited<ReturnType<typeof bundle>>['metafile'] | undefined;
  const byPackage: Record<string, Record<string, number>> = {};
  for (const name of FUNCTIONS) {
    const entry = join(ROOT, 'functions', name, 'handler.ts');
    if (!existsSync(entry)) {
      bundleBytes[name] = null;
      missing.push(name);
      continue;
    }
    let b: Awaited<ReturnType<typeof bundle>>;
    try {
      b = await bundle(entry, join(outRoot, name), { ...options, logLevel: 'silent' });
    } catch (error) {
      bundleBytes[name] = null;
      errors[name] = String((error as Error).message).split('\n').slice(0, 3).join(' ');
      continue;
    }
    bundleBytes[name] = b.bytes;
    byPackage[name] = bytesByPackage(b.metafile);
    if (name === 'detect') {
      detectFile = b.outfile;
      detectMeta = b.metafile;
    }
  }
  // Plain .mjs entries: generated files must not join the project's type check (tsconfig includes bench/**/*.ts).
  const emptyEntry = join(WORK, 'empty-handler.mjs');
  writeFileSync(emptyEntry, 'export const handler = async (event) => ({ ok: true, event });\n');
  const empty = await bundle(emptyEntry, join(outRoot, 'empty'), options);
  bundleBytes.empty = empty.bytes;
  // The AWS SDK clients detect constructs in production, alone: splits detect's init into "the SDK"
  // and "our code". Three of them: DynamoDB (state), EventBridge (findings) and AppConfig Data (the
  // deployed config is read through Powertools' AppConfigProvider at cold start, lambda-environment.ts).
  const sdkEntry = join(WORK, 'sdk-only-handler.mjs');
  writeFileSync(
    sdkEntry,
    [
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      "import { EventBridgeClient } from '@aws-sdk/client-eventbridge';",
      "import { AppConfigDataClient } from '@aws-sdk/client-appconfigdata';",
      'export const handler = async () => [typeof DynamoDBClient, typeof EventBridgeClient, typeof AppConfigDataClient];',
      'export const construct = () => [new DynamoDBClient({}), new EventBridgeClient({}), new AppConfigDataClient({})];',
      '',
    ].join('\n'),
  );
  const sdkOnly = await bundle(sdkEntry, join(outRoot, 'sdk-only'), options);
  const { EXAMPLE_CONFIG } = await import('../functions/core/config.ts');
  Object.assign(FIRST_USE_ENV, { BLASTWALL_CONFIG: JSON.stringify(EXAMPLE_CONFIG) });

  const detectByPackage = byPackage.detect ?? {};
  const detectTopInputs = detectMeta
    ? Object.entries(Object.values(detectMeta.outputs).find((o) => o.entryPoint)?.inputs ?? {})
        .map(([path, v]) => ({ path, bytes: v.bytesInOutput }))
        .sort((a, b) => b.bytes - a.bytes)
        .slice(0, 8)
    : [];

  if (!detectFile) {
    return { bundleBytes, missing, errors, initRatio: null, detectInitMs: null, emptyInitMs: null, detectImportMs: null, emptyImportMs: null, initRuns: 0, detectTopInputs };
  }
  // Warm the OS file cache once for both, then alternate so drift hits both alike.
  coldLoad(detectFile);
  coldLoad(empty.outfile);
  const dWall: number[] = [];
  const eWall: number[] = [];
  const dImp: number[] = [];
  const eImp: number[] = [];
  const sWall: number[] = [];
  const sImp: number[] = [];
  const dFirst: number[] = [];
  const sFirst: number[] = [];
  /** CPU ms per run: [detect import, detect first use, SDK-only import, SDK-only construct]. */
  const cpu: Array<[number, number, number, number]> = [];
  const own: Array<[number, number, number]> = [];
  for (let i = 0; i < opts.initRuns; i++) {
    own.push(coldOwn(sdkOnly.outfile, detectFile));
    const [ew, ei] = coldLoad(empty.outfile);
    const [dw, di, df, dic, dfc] = coldLoad(detectFile, 'fromEnvironment');
    const [sw, si, sf, sic, sfc] = coldLoad(sdkOnly.outfile, 'construct');
    cpu.push([dic, dfc, sic, sfc]);
    dFirst.push(df);
    sFirst.push(sf);
    eWall.push(ew);
    eImp.push(ei);
    dWall.push(dw);
    dImp.push(di);
    sWall.push(sw);
    sImp.push(si);
  }
  const detectInitMs = median(dWall);
  const emptyInitMs = median(eWall);
  const overSdk = dImp.map((d, i) => d / sImp[i]!);
  const coldOverSdk = dImp.map((d, i) => (d + dFirst[i]!) / (sImp[i]! + sFirst[i]!));
  const ownOverSdk = own.map(([sdk, imp, first]) => 1 + (imp + first) / sdk);
  const overSdkCpu = cpu.map(([di, , si]) => di / si);
  const coldOverSdkCpu = cpu.map(([di, df, si, sf]) => (di + df) / (si + sf));
  const stats = (xs: number[]) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
  return {
    bundleBytes,
    missing,
    errors,
    initRatio: median(dImp) / median(eImp),
    initOverSdkRatio: median(overSdk),
    initOverSdkRatioStats: { median: median(overSdk), min: Math.min(...overSdk), max: Math.max(...overSdk) },
    coldStartOverSdkRatio: median(coldOverSdk),
    coldStartOverSdkRatioStats: { median: median(coldOverSdk), min: Math.min(...coldOverSdk), max: Math.max(...coldOverSdk) },
    detectFirstUseMs: median(dFirst),
    sdkOnlyFirstUseMs: median(sFirst),
    initRatioWithNodeStart: detectInitMs / emptyInitMs,
    detectInitMs,
    emptyInitMs,
    detectImportMs: median(dImp),
    emptyImportMs: median(eImp),
    sdkOnlyInitMs: median(sWall),
    sdkOnlyImportMs: median(sImp),
    initRuns: opts.initRuns,
    nodeOptions: FIRST_USE_ENV.NODE_OPTIONS,
    ownOverSdkRatio: median(ownOverSdk),
    ownOverSdkRatioStats: { median: median(ownOverSdk), min: Math.min(...ownOverSdk), max: Math.max(...ownOverSdk) },
    detectOwnImportMs: median(own.map((o) => o[1])),
    detectOwnFirstUseMs: median(own.map((o) => o[2])),
    sdkOnlyInSameProcessMs: median(own.map((o) => o[0])),
    initOverSdkRatioCpu: median(overSdkCpu),
    initOverSdkRatioCpuStats: stats(overSdkCpu),
    coldStartOverSdkRatioCpu: median(coldOverSdkCpu),
    coldStartOverSdkRatioCpuStats: stats(coldOverSdkCpu),
    cpuMs: {
      detectImport: median(cpu.map((c) => c[0])),
      detectFirstUse: median(cpu.map((c) => c[1])),
      sdkOnlyImport: median(cpu.map((c) => c[2])),
      sdkOnlyConstruct: median(cpu.map((c) => c[3])),
    },
    detectTopInputs,
    detectByPackage,
    byPackage,
  };
}
