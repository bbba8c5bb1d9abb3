/**
 * `npm run bench [-- --quick] [-- --only core,dynamo,bundles,replay,filter,config]`
 *
 * Measures speed, DynamoDB use, bundle size, cold start, replay throughput and
 * memory, and the cost per million events; prints a table with each goal and
 * writes bench/results.json (field names are a contract: other tooling reads them).
 *
 * Every figure is measured in this one run, on this machine, and where a goal is a
 * ratio its yardstick is measured alongside. A section that cannot run (code not
 * there yet, a crash) is reported as an error with null figures, never as zero.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, WORK } from './bundles.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string', default: join(ROOT, 'bench', 'results.json') },
  },
});
const quick = values.quick ?? false;
const only = values.only ? new Set(values.only.split(',')) : undefined;
const want = (section: string) => !only || only.has(section);

const SIZES = quick
  ? { core: 5_000, corePairs: 5, profile: 0, dynamoWarmup: 800, dynamoMeasured: 500, dynamoPrincipals: 80, initRuns: 5, replay: 5_000, replayPerFile: 250, replayPairs: 5, replayMemory: false, filter: 10_000 }
  : // The measured DynamoDB window is an hour (12,000 events at 200 a minute): it covers the refreshes the write rate depends on (see DYNAMO_MIN_WINDOW_MINUTES).
    { core: 200_000, corePairs: 5, profile: 50_000, dynamoWarmup: 12_000, dynamoMeasured: 12_000, dynamoPrincipals: 400, initRuns: 15, replay: 200_000, replayPerFile: 500, replayPairs: 5, replayMemory: true, filter: 100_000 };
/**
 * The DynamoDB write rate depends on refreshes: an actor use's once per hop window (15 min by
 * default) and the generated roles' sessions rotating hourly. A window shorter than an hour
 * measures them partly or not at all, so its figures are "not measured".
 */
const DYNAMO_MIN_WINDOW_MINUTES = 60;

mkdirSync(WORK, { recursive: true });
const startedAt = new Date();
const log = (msg: string) => process.stderr.write(`[bench ${((Date.now() - startedAt.getTime()) / 1000).toFixed(1)}s] ${msg}\n`);

const results: Record<string, unknown> = {
  coreEventsPerSec: null,
  parseEventsPerSec: null,
  coreToParseRatio: null,
  dynamoRequestsPerBenignEvent: null,
  dynamoWritesPerBenignEvent: null,
  dynamoRequestsPerDestructiveEvent: null,
  handlerLatencyP50Ms: null,
  handlerLatencyP99Ms: null,
  bundleBytes: null,
  initRatio: null,
  initOverSdkRatio: null,
  replayEventsPerSec: null,
  readEventsPerSec: null,
  replayToReadRatio: null,
  peakRssMb: null,
  costPerMillionEventsUsd: null,
};
const errors: Record<string, string> = {};
const details: Record<string, unknown> = {};

async function section<T>(name: string, run: () => Promise<T>): Promise<T | undefined> {
  if (!want(name)) return undefined;
  log(`${name}…`);
  const t0 = performance.now();
  try {
    const value = await run();
    log(`${name} done in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
    return value;
  } catch (error) {
    const message = (error as Error).stack ?? String(error);
    errors[name] = message.split('\n').slice(0, 6).join('\n');
    log(`${name} FAILED: ${message.split('\n')[0]}`);
    return undefined;
  }
}

const core = await section('core', async () => {
  const { measureCore } = await import('./core.ts');
  return measureCore({ events: SIZES.core, pairs: SIZES.corePairs });
});
if (core) {
  Object.assign(results, { coreEventsPerSec: core.coreEventsPerSec, parseEventsPerSec: core.parseEventsPerSec, coreToParseRatio: core.coreToParseRatio, coreToParseRatioMin: core.coreToParseRatioStats.min, coreToParseRatioMax: core.coreToParseRatioStats.max });
  details.core = core;
}

if (SIZES.profile > 0) {
  const profile = await section('core', async () => {
    // On an esbuild bundle in a fresh node: functions keep their names and lines (under tsx every location is line 1).
    const { profileOnBundle } = await import('./profile.ts');
    return profileOnBundle({ events: SIZES.profile });
  });
  if (profile) details.coreProfile = profile;
}

const dynamo = await section('dynamo', async () => {
  const { measureDynamo } = await import('./dynamo.ts');
  return measureDynamo({ warmup: SIZES.dynamoWarmup, measured: SIZES.dynamoMeasured, principals: SIZES.dynamoPrincipals, eventsPerMinute: 200 });
});
// The same at ten times the rate (a busier organisation): the read cache hits more often.
const dynamoBusy = quick
  ? undefined
  : await section('dynamo', async () => {
      const { measureDynamo } = await import('./dynamo.ts');
      return measureDynamo({ warmup: SIZES.dynamoWarmup, measured: SIZES.dynamoMeasured, principals: SIZES.dynamoPrincipals, eventsPerMinute: 2_000, seed: 4 });
    });
if (dynamoBusy) details.dynamoAt2000PerMinute = dynamoBusy;
if (dynamo) {
  Object.assign(results, {
    dynamoRequestsPerBenignEvent: dynamo.dynamoRequestsPerBenignEvent,
    dynamoWritesPerBenignEvent: dynamo.dynamoWritesPerBenignEvent,
    dynamoRequestsPerDestructiveEvent: dynamo.dynamoRequestsPerDestructiveEvent,
    handlerLatencyP50Ms: dynamo.handlerLatencyP50Ms,
    handlerLatencyP99Ms: dynamo.handlerLatencyP99Ms,
  });
  details.dynamo = dynamo;
}

const bundles = await section('bundles', async () => {
  const { measureBundles } = await import('./bundles.ts');
  return measureBundles({ initRuns: SIZES.initRuns });
});
if (bundles) {
  const { empty: _empty, ...fns } = bundles.bundleBytes;
  Object.assign(results, { bundleBytes: fns, initRatio: bundles.initRatio, initOverSdkRatio: bundles.initOverSdkRatio ?? null, coldStartOverSdkRatio: bundles.coldStartOverSdkRatio ?? null, ownOverSdkRatio: bundles.ownOverSdkRatio ?? null, initOverSdkRatioCpu: bundles.initOverSdkRatioCpu ?? null, coldStartOverSdkRatioCpu: bundles.coldStartOverSdkRatioCpu ?? null });
  details.bundles = bundles;
}

const replay = await section('replay', async () => {
  // The CLI as it starts in a checkout after `npm run build`: the prebuilt bundle (bin/blastwall.mjs prefers it when fresh).
  execSync('node bin/build-cli.mjs', { cwd: ROOT, stdio: 'ignore' });
  const { measureReplay } = await import('./replay.ts');
  return measureReplay({ events: SIZES.replay, perFile: SIZES.replayPerFile, pairs: SIZES.replayPairs, memory: SIZES.replayMemory });
});
if (replay) {
  Object.assign(results, {
    replayEventsPerSec: replay.replayEventsPerSec,
    replayEventsPerSecSingleFile: replay.replayEventsPerSecSingleFile,
    readEventsPerSec: replay.readEventsPerSec,
    replayToReadRatio: replay.replayToReadRatio,
    replayToReadRatioMin: replay.replayToReadRatioStats.min,
    replayToReadRatioMax: replay.replayToReadRatioStats.max,
    jqEventsPerSec: replay.jqEventsPerSec,
    peakRssMb: replay.peakRssMb,
    peakRssMbManyFiles: replay.peakRssMbManyFiles,
    peakRssGrowthForTenTimesInput: replay.peakRssGrowthForTenTimesInput,
    peakRssGrowthForTenTimesDensity: replay.peakRssGrowthForTenTimesDensity,
  });
  details.replay = replay;
}

// Config at cold start: 1,000 accounts in 8 environments, read from AppConfig (the loopback stand-in).
const configLoad = await section('config', async () => {
  const { measureConfigLoad } = await import('./config.ts');
  return measureConfigLoad({ runs: quick ? 3 : 9, accounts: 1000, environments: 8 });
});
if (configLoad) {
  results.configColdLoadMs = configLoad.configColdLoadMs;
  details.config = configLoad;
}

const filter = await section('filter', async () => {
  const { measureFilter } = await import('./filter.ts');
  return measureFilter({ events: SIZES.filter });
});
if (filter) details.filter = filter;

const cost = await section('cost', async () => {
  if (!dynamo) throw new Error('needs the dynamo section (requests, capacity units and handler time per event)');
  const { costModel } = await import('./cost.ts');
  const { FUNCTION_MEMORY_MB } = await import('../lib/central-stack.ts');
  const { LAMBDA_ARCHITECTURE } = await import('../lib/constructs/blastwall-function.ts');
  return costModel({
    memoryMb: FUNCTION_MEMORY_MB.detect,
    architecture: LAMBDA_ARCHITECTURE.name === 'arm64' ? 'arm64' : 'x86_64',
    handlerMeanMs: dynamo.handlerLatencyMeanMs,
    dynamoRequestsPerEvent: dynamo.dynamoRequestsPerEvent,
    readUnitsPerEvent: dynamo.dynamoReadUnitsPerEvent,
    writeUnitsPerEvent: dynamo.dynamoWriteUnitsPerEvent,
    findingsPerEvent: dynamo.findingsPerEvent,
    logBytesPerEvent: dynamo.logBytesPerEvent,
    awsServiceShare: filter?.awsServiceShareGenerated ?? 0,
  });
});
// The same model at the AWS-service share measured on real records, and at none (the filter's credit only).
const costAtShare = async (share: number) => {
  const { costModel } = await import('./cost.ts');
  return costModel({ ...cost!.inputs, awsServiceShare: share }).costPerMillionEventsUsd;
};
if (cost && filter) {
  results.awsServiceShareReal = filter.awsServiceShareReal;
  results.costPerMillionCloudTrailEventsAfterFilterUsdAt = {
    none: await costAtShare(0),
    real: await costAtShare(filter.awsServiceShareReal),
    assumed: await costAtShare(filter.awsServiceShareAssumed),
  };
}
if (cost) results.costPerMillionEventsMemberTopologyUsd = cost.memberTopology.costPerMillionDeliveredEventsUsd;
// Member topology: the heartbeats' fixed cost per member account and region per month (bench/cost.ts).
if (cost) results.memberHeartbeatUsdPerMemberRegionMonth = cost.memberTopology.heartbeatUsdPerMemberRegionMonth;
if (cost) {
  // Headline: per million events `detect` processes (no credit taken for the filter; see docs/performance.md).
  results.costPerMillionEventsUsd = cost.costPerMillionDeliveredEventsUsd;
  results.costParts = cost.partsPerMillionDeliveredUsd;
  results.costPerMillionCloudTrailEventsAfterFilterUsd = cost.costPerMillionEventsUsd;
  results.guardDutyUsdPerMillion = cost.guardDutyUsdPerMillion;
  results.prices = cost.prices;
  details.cost = cost;
}

// ---- goals --------------------------------------------------------------------
type Goal = { name: string; value: number | null; goal: string; holds: boolean | null; unit?: string; notMeasured?: string };
const n = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const kib = (b: number | null) => (b === null ? null : b / 1024);
const detectBytes = bundles ? n(bundles.bundleBytes.detect) : null;
// A DynamoDB window shorter than the hourly refresh measures nothing about the refresh writes: "not measured", never "holds".
const dynamoWindowMinutes = dynamo ? dynamo.measuredEvents / dynamo.eventsPerMinute : 0;
const dynamoNotMeasured =
  dynamo && dynamoWindowMinutes < DYNAMO_MIN_WINDOW_MINUTES
    ? `measured window ${dynamoWindowMinutes.toFixed(1)} min < ${DYNAMO_MIN_WINDOW_MINUTES} min (refreshes per hop window, hourly session rotation)`
    : undefined;
const goals: Goal[] = [
  { name: 'coreToParseRatio', value: n(results.coreToParseRatio), goal: '≤ 0.5', holds: null },
  { name: 'dynamoWritesPerBenignEvent', value: n(results.dynamoWritesPerBenignEvent), goal: '≤ 0.2', holds: null, notMeasured: dynamoNotMeasured },
  { name: 'dynamoRequestsPerBenignEvent', value: n(results.dynamoRequestsPerBenignEvent), goal: '≤ 1.0', holds: null, notMeasured: dynamoNotMeasured },
  { name: 'bundleBytes.detect (KiB)', value: kib(detectBytes), goal: '≤ 250', holds: null },
  { name: 'initOverSdkRatio', value: n(results.initOverSdkRatio), goal: '≤ 1.10', holds: null },
  { name: 'replayEventsPerSec', value: n(results.replayEventsPerSec), goal: '≥ 50000', holds: null },
  { name: 'replayToReadRatio', value: n(results.replayToReadRatio), goal: '≥ 0.5', holds: null },
  {
    name: 'peakRssGrowthForTenTimesInput',
    value: n(results.peakRssGrowthForTenTimesInput),
    goal: '≤ 1.2',
    holds: null,
    notMeasured: quick ? 'quick run: 60 vs 6 files of 5,000 events are full runs only' : undefined,
  },
  {
    name: 'peakRssGrowthForTenTimesDensity',
    value: n(results.peakRssGrowthForTenTimesDensity),
    goal: '≤ 1.2',
    holds: null,
    notMeasured: quick ? 'quick run: 60 vs 6 files of 5,000 events are full runs only' : undefined,
  },
  { name: 'costPerMillionEventsUsd', value: n(results.costPerMillionEventsUsd), goal: '≤ 1.50', holds: null },
  // The same goal for `deployment.topology: "member"` (detect beside each member's default bus, no cross-account fee per event).
  { name: 'costPerMillionEventsMemberTopologyUsd', value: n(results.costPerMillionEventsMemberTopologyUsd), goal: '≤ 1.50', holds: null },
  { name: 'configColdLoadMs', value: n(results.configColdLoadMs), goal: '≤ 100', holds: null },
];
for (const g of goals) {
  if (g.value === null || g.notMeasured) continue;
  const [op, limit] = g.goal.split(' ');
  g.holds = op === '≤' ? g.value <= Number(limit) : g.value >= Number(limit);
}
results.goals = Object.fromEntries(
  goals.map((g) => [g.name, { value: g.value, goal: g.goal, holds: g.holds, ...(g.notMeasured ? { status: 'not measured', why: g.notMeasured } : {}) }]),
);

let commit = 'unknown';
try {
  commit = execSync('git rev-parse --short HEAD', { cwd: ROOT, encoding: 'utf8' }).trim();
} catch {
  /* not a git checkout */
}
results.meta = {
  command: `npm run bench${quick ? ' -- --quick' : ''}${values.only ? ` -- --only ${values.only}` : ''}`,
  quick,
  startedAt: startedAt.toISOString(),
  durationSec: (Date.now() - startedAt.getTime()) / 1000,
  commit,
  node: process.version,
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
  memoryGb: Math.round(totalmem() / 1024 ** 3),
  sizes: SIZES,
};
results.details = details;
results.errors = errors;
writeFileSync(values.out!, `${JSON.stringify(results, null, 2)}\n`);

// ---- table --------------------------------------------------------------------
const fmt = (x: unknown, digits = 2): string => {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '—';
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  return x.toFixed(digits);
};
const rows: Array<[string, string, string, string]> = [];
const goalOf = (name: string) => goals.find((g) => g.name === name);
const row = (label: string, value: unknown, goalName?: string, digits = 2) => {
  const g = goalName ? goalOf(goalName) : undefined;
  rows.push([label, fmt(value, digits), g?.goal ?? '', g ? (g.notMeasured ? 'not measured' : g.holds === null ? 'n/a' : g.holds ? 'holds' : 'MISSED') : '']);
};
row('coreEventsPerSec', results.coreEventsPerSec);
row('parseEventsPerSec (JSON.parse yardstick)', results.parseEventsPerSec);
row(`coreToParseRatio (median of ${SIZES.corePairs} pairs; min ${fmt(results.coreToParseRatioMin, 2)}, max ${fmt(results.coreToParseRatioMax, 2)})`, results.coreToParseRatio, 'coreToParseRatio', 3);
row('dynamoRequestsPerBenignEvent', results.dynamoRequestsPerBenignEvent, 'dynamoRequestsPerBenignEvent', 3);
row('dynamoWritesPerBenignEvent', results.dynamoWritesPerBenignEvent, 'dynamoWritesPerBenignEvent', 3);
row('dynamoRequestsPerDestructiveEvent', results.dynamoRequestsPerDestructiveEvent, undefined, 3);
row('handlerLatencyP50Ms (loopback)', results.handlerLatencyP50Ms);
row('handlerLatencyP99Ms (loopback)', results.handlerLatencyP99Ms);
for (const [fn, bytes] of Object.entries((results.bundleBytes as Record<string, number | null> | null) ?? {})) {
  row(`bundleBytes.${fn} (KiB)`, kib(bytes), fn === 'detect' ? 'bundleBytes.detect (KiB)' : undefined, 1);
}
row('initRatio (import of detect ÷ of an empty handler)', results.initRatio, undefined, 1);
row('initOverSdkRatio (import of detect ÷ of the SDK clients alone)', results.initOverSdkRatio, 'initOverSdkRatio', 3);
row('coldStartOverSdkRatio (import + first use of detect ÷ of the SDK clients, constructed)', results.coldStartOverSdkRatio, undefined, 3);
row('ownOverSdkRatio (the same in one process: 1 + detect\'s own import + first use ÷ the SDK\'s)', results.ownOverSdkRatio, undefined, 3);
row('initOverSdkRatioCpu (the same from CPU time: waits for a busy core not counted)', results.initOverSdkRatioCpu, undefined, 3);
row('coldStartOverSdkRatioCpu (the same from CPU time)', results.coldStartOverSdkRatioCpu, undefined, 3);
row(`replayEventsPerSec (${replay ? replay.manyFiles[0]?.files : '?'} CloudTrail files, .json.gz, median)`, results.replayEventsPerSec, 'replayEventsPerSec');
row('replayEventsPerSec (the same records as one file)', results.replayEventsPerSecSingleFile);
row('readEventsPerSec (gunzip + JSON.parse yardstick)', results.readEventsPerSec);
row(`replayToReadRatio (median; min ${fmt(results.replayToReadRatioMin, 2)}, max ${fmt(results.replayToReadRatioMax, 2)})`, results.replayToReadRatio, 'replayToReadRatio', 3);
row(`jqEventsPerSec (${replay?.jqNote ?? 'not run'})`, results.jqEventsPerSec);
row('peakRssMb (replay, many files)', results.peakRssMb, undefined, 0);
row('peakRssMbManyFiles (60 files of 5,000 events)', results.peakRssMbManyFiles, undefined, 0);
row('peakRssGrowthForTenTimesInput (60 files ÷ 6)', results.peakRssGrowthForTenTimesInput, 'peakRssGrowthForTenTimesInput', 2);
row('peakRssGrowthForTenTimesDensity (one organisation, 72 h: 300,000 events ÷ 30,000)', results.peakRssGrowthForTenTimesDensity, 'peakRssGrowthForTenTimesDensity', 2);
row('costPerMillionEventsUsd (per event detect processes)', results.costPerMillionEventsUsd, 'costPerMillionEventsUsd', 3);
if (cost) {
  for (const [part, usd] of Object.entries(cost.partsPerMillionDeliveredUsd)) row(`  ${part}`, usd, undefined, 4);
  const at = results.costPerMillionCloudTrailEventsAfterFilterUsdAt as { none: number; real: number; assumed: number } | undefined;
  if (at) {
    row('per million CloudTrail events, after filter, at 0 % AWS-service', at.none, undefined, 3);
    row(`  at the real share (${fmt(100 * (results.awsServiceShareReal as number), 2)} % of the fixtures' real records)`, at.real, undefined, 3);
    row(`  at the assumed share (${fmt(100 * cost.inputs.awsServiceShare, 1)} %, generated stream)`, at.assumed, undefined, 3);
  } else row(`per million CloudTrail events, after filter (${fmt(100 * cost.inputs.awsServiceShare, 1)} % AWS-service)`, cost.costPerMillionEventsUsd, undefined, 3);
  row('member topology: per event detect processes (heartbeats included)', cost.memberTopology.costPerMillionDeliveredEventsUsd, undefined, 3);
  row('  heartbeats, per member account and region per month', cost.memberTopology.heartbeatUsdPerMemberRegionMonth, undefined, 3);
  row('GuardDuty, per million CloudTrail mgmt events', cost.guardDutyUsdPerMillion, undefined, 2);
}
if (filter) row('AWS-service share of the real corpus (%)', 100 * filter.awsServiceShareCorpus, undefined, 2);
if (configLoad) {
  row('configColdLoadMs (1,000 accounts from AppConfig, loopback)', configLoad.configColdLoadMs, 'configColdLoadMs', 1);
  row('  configModuleImportMs (read + Powertools, zod, schema load)', configLoad.configModuleImportMs, undefined, 1);
  row('  sdkClientLoadMs (SDK module load, any AWS call pays it)', configLoad.sdkClientLoadMs, undefined, 1);
  row('  configReadMs (warm process)', configLoad.configReadMs, undefined, 1);
}

const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length), ['metric', 'value', 'goal', ''][i]!.length));
const line = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
console.log(`\nBlastwall bench — ${quick ? 'QUICK (smoke sizes; cite full runs only)' : 'full run'} — ${results.meta && (results.meta as { startedAt: string }).startedAt} — commit ${commit}`);
console.log(line(['metric', 'value', 'goal', '']));
console.log(widths.map((w) => '─'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
for (const g of goals) if (g.notMeasured) console.log(`not measured: ${g.name}: ${g.notMeasured}`);
if (cost) console.log(`\nprices: ${cost.prices.region}, ${cost.prices.asOf}`);
if (Object.keys(errors).length) {
  console.log('\nsections that did not run:');
  for (const [name, message] of Object.entries(errors)) console.log(`  ${name}: ${message.split('\n')[0]}`);
}
console.log(`\nwrote ${values.out}`);
