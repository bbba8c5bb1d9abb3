/**
 * `npx tsx bench/report.ts [bench/latest-results.json]`: the figures of a bench run
 * as the Markdown tables docs/performance.md and docs/deploy.md quote, so the docs
 * are pasted from a results file, never retyped.
 */
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? new URL('./latest-results.json', import.meta.url).pathname;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const r = JSON.parse(readFileSync(file, 'utf8')) as any;
const d = r.details;

const n = (x: number | null | undefined, digits = 2) =>
  typeof x !== 'number' ? '—' : Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toFixed(digits);
const kib = (b: number | null | undefined) => (typeof b === 'number' ? `${(b / 1024).toFixed(1)} KiB` : '—');
const verdict = (name: string) => {
  const g = r.goals?.[name];
  return g ? `${g.goal} — **${g.status === 'not measured' ? 'not measured' : g.holds === null ? 'n/a' : g.holds ? 'holds' : 'missed'}**` : '';
};

const rows: string[][] = [
  ['coreEventsPerSec', n(r.coreEventsPerSec, 0), ''],
  ['parseEventsPerSec (yardstick)', n(r.parseEventsPerSec, 0), ''],
  [`coreToParseRatio (median of ${r.meta?.sizes?.corePairs ?? '?'} interleaved pairs; min ${n(r.coreToParseRatioMin, 1)}, max ${n(r.coreToParseRatioMax, 1)})`, n(r.coreToParseRatio, 1), verdict('coreToParseRatio')],
  ['dynamoRequestsPerBenignEvent', n(r.dynamoRequestsPerBenignEvent, 3), verdict('dynamoRequestsPerBenignEvent')],
  ['dynamoWritesPerBenignEvent', n(r.dynamoWritesPerBenignEvent, 3), verdict('dynamoWritesPerBenignEvent')],
  ['dynamoRequestsPerDestructiveEvent', n(r.dynamoRequestsPerDestructiveEvent, 2), ''],
  ['handlerLatencyP50Ms (loopback)', n(r.handlerLatencyP50Ms), ''],
  ['handlerLatencyP99Ms (loopback)', n(r.handlerLatencyP99Ms), ''],
  ...Object.entries(r.bundleBytes ?? {}).map(([fn, b]) => [`bundleBytes.${fn}`, kib(b as number), fn === 'detect' ? verdict('bundleBytes.detect (KiB)').replace('≤ 250', '≤ 250 KiB') : '']),
  ['initRatio (import of detect ÷ of an empty handler)', n(r.initRatio, 1), ''],
  ['initOverSdkRatio (import of detect ÷ of the SDK clients alone)', n(r.initOverSdkRatio, 3), verdict('initOverSdkRatio')],
  ['initOverSdkRatioCpu (the same from each process\'s CPU time)', n(r.initOverSdkRatioCpu, 3), ''],
  ['coldStartOverSdkRatio (import + first use of detect ÷ of the SDK clients, constructed)', n(r.coldStartOverSdkRatio, 3), ''],
  ['coldStartOverSdkRatioCpu (the same from CPU time)', n(r.coldStartOverSdkRatioCpu, 3), ''],
  ['ownOverSdkRatio (in one process: 1 + detect\'s own import and first use ÷ the SDK\'s)', n(r.ownOverSdkRatio, 3), ''],
  [`replayEventsPerSec (${d?.replay?.manyFiles?.[0]?.files ?? '?'} CloudTrail log files, median)`, n(r.replayEventsPerSec, 0), verdict('replayEventsPerSec')],
  ['replayEventsPerSec (the same records as one file)', n(r.replayEventsPerSecSingleFile, 0), ''],
  ['readEventsPerSec (gunzip + JSON.parse yardstick)', n(r.readEventsPerSec, 0), ''],
  [`replayToReadRatio (median; min ${n(r.replayToReadRatioMin, 3)}, max ${n(r.replayToReadRatioMax, 3)})`, n(r.replayToReadRatio, 3), verdict('replayToReadRatio')],
  ['jqEventsPerSec (`jq -c .Records[]`, single file)', n(r.jqEventsPerSec, 0), ''],
  ['peakRssMb (replay, many files)', n(r.peakRssMb, 0), ''],
  ['peakRssMbManyFiles (60 files of 5,000 events)', n(r.peakRssMbManyFiles, 0), ''],
  ['peakRssGrowthForTenTimesInput (60 files ÷ 6)', n(r.peakRssGrowthForTenTimesInput, 2), verdict('peakRssGrowthForTenTimesInput')],
  ['peakRssGrowthForTenTimesDensity (one organisation, same 72 h, 300,000 ÷ 30,000 events)', n(r.peakRssGrowthForTenTimesDensity, 2), verdict('peakRssGrowthForTenTimesDensity')],
  ['costPerMillionEventsUsd (per event detect processes)', `$${n(r.costPerMillionEventsUsd, 2)}`, verdict('costPerMillionEventsUsd')],
  ['… per million CloudTrail events after the member filter, at 0 % AWS-service calls', `$${n(r.costPerMillionCloudTrailEventsAfterFilterUsdAt?.none, 2)}`, ''],
  [`… at the share measured on the fixtures' real records (${n(100 * (r.awsServiceShareReal ?? NaN), 2)} %)`, `$${n(r.costPerMillionCloudTrailEventsAfterFilterUsdAt?.real, 2)}`, ''],
  [`… at the generator's assumed share (${n(100 * (d?.cost?.inputs?.awsServiceShare ?? NaN), 1)} %)`, `$${n(r.costPerMillionCloudTrailEventsAfterFilterUsdAt?.assumed, 2)}`, ''],
  ['member topology (`deployment.topology: "member"`), per event detect processes, heartbeats included', `$${n(r.costPerMillionEventsMemberTopologyUsd, 2)}`, verdict('costPerMillionEventsMemberTopologyUsd')],
  ['… its heartbeats, per member account and region per month (fixed)', `$${n(r.memberHeartbeatUsdPerMemberRegionMonth, 3)}`, ''],
  ['GuardDuty (yardstick), per million CloudTrail events', `$${n(r.guardDutyUsdPerMillion, 2)}`, ''],
];
console.log(`Full run of \`${r.meta.command}\`, ${r.meta.startedAt.slice(0, 16).replace('T', ' ')} UTC, commit ${r.meta.commit}, Node ${r.meta.node}, ${r.meta.cpus}, ${n(r.meta.durationSec, 0)} s.\n`);
console.log('| figure | value | goal |\n| --- | ---: | --- |');
for (const [a, b, c] of rows) console.log(`| ${a} | ${b} | ${c} |`);

if (d?.cost) {
  const c = d.cost;
  console.log('\nCOST\n');
  console.log('| part (per million events) | delivered to detect | per CloudTrail event after the filter | from |\n| --- | ---: | ---: | --- |');
  const from: Record<string, string> = {
    lambdaRequests: `1 invocation per event × $${c.prices.lambdaRequestUsdPerMillion}/M`,
    lambdaCompute: `${c.billedMsPerEvent} ms billed × ${c.inputs.memoryMb} MB × $${c.prices.lambdaGbSecondUsdArm64}/GB-s (arm64)`,
    dynamoReads: `${n(c.inputs.readUnitsPerEvent)} RRU/event × $${c.prices.dynamoReadRequestUnitUsdPerMillion}/M`,
    dynamoWrites: `${n(c.inputs.writeUnitsPerEvent)} WRU/event × $${c.prices.dynamoWriteRequestUnitUsdPerMillion}/M`,
    eventBridgeCrossAccount: `member → central bus, $${c.prices.eventBridgeCrossAccountUsdPerMillion}/M`,
    eventBridgeFindings: `${n(c.inputs.findingsPerEvent, 4)} findings/event × $${c.prices.eventBridgeCustomEventUsdPerMillion}/M`,
    cloudWatchLogs: `${n(c.inputs.logBytesPerEvent, 0)} B logged + ${c.assumptions.lambdaPlatformLogBytes} B platform lines × $${c.prices.cloudWatchLogsIngestUsdPerGb}/GB`,
  };
  for (const [k, v] of Object.entries(c.partsPerMillionDeliveredUsd as Record<string, number>)) {
    console.log(`| ${k} | $${v.toFixed(3)} | $${(c.partsPerMillionEventsUsd[k] as number).toFixed(3)} | ${from[k] ?? ''} |`);
  }
  console.log(`| **total** | **$${c.costPerMillionDeliveredEventsUsd.toFixed(2)}** | **$${c.costPerMillionEventsUsd.toFixed(2)}** | AWS-service share dropped by the member rule: ${(100 * c.inputs.awsServiceShare).toFixed(1)} % (generator) |`);
  console.log(`\nbilled ms/event: ${c.billedMsPerEvent}; break-even AWS-service share for $1.50: ${(100 * c.breakEvenAwsServiceShareFor150).toFixed(1)} %; GuardDuty ÷ Blastwall: ${c.timesCheaperThanGuardDuty}×; prices: ${c.prices.asOf}`);
}
if (d?.dynamo) console.log(`\ndynamo@200/min: ${JSON.stringify({ rru: d.dynamo.dynamoReadUnitsPerEvent, wru: d.dynamo.dynamoWriteUnitsPerEvent, writes: d.dynamo.benignWrittenItems, cmds: d.dynamo.dynamoCommands, mean: d.dynamo.handlerLatencyMeanMs })}`);
if (d?.dynamoAt2000PerMinute) {
  const b = d.dynamoAt2000PerMinute;
  console.log(`dynamo@2000/min: ${JSON.stringify({ req: b.dynamoRequestsPerBenignEvent, w: b.dynamoWritesPerBenignEvent, destr: b.dynamoRequestsPerDestructiveEvent, rru: b.dynamoReadUnitsPerEvent, wru: b.dynamoWriteUnitsPerEvent, writes: b.benignWrittenItems })}`);
}
if (d?.bundles) console.log(`bundles: ${JSON.stringify({ detectImportMs: d.bundles.detectImportMs, sdkOnlyImportMs: d.bundles.sdkOnlyImportMs, emptyImportMs: d.bundles.emptyImportMs, overSdk: d.bundles.initOverSdkRatioStats, detectInitMs: d.bundles.detectInitMs, emptyInitMs: d.bundles.emptyInitMs, sdkOnlyInitMs: d.bundles.sdkOnlyInitMs, byPackage: Object.fromEntries(Object.entries(d.bundles.detectByPackage ?? {}).slice(0, 6)) })}`);
if (d?.coreProfile) console.log(`profile: ${d.coreProfile.slice(0, 8).map((p: { function: string; location: string; selfShare: number }) => `${p.function}@${p.location} ${(100 * p.selfShare).toFixed(1)}%`).join('; ')}`);
if (d?.core) console.log(`core: normalise ${n(d.core.normaliseEventsPerSec, 0)}/s, findings ${d.core.coreFindings} ${JSON.stringify(d.core.coreFindingsBySeverity)}, credentials ${d.core.generated.credentials}, actors ${d.core.generated.actors}`);
if (d?.replay) console.log(`replay: ${d.replay.cli}; many files ${JSON.stringify(d.replay.manyFiles?.[0])}; single ${JSON.stringify(d.replay.singleFile)}; 6 files ${n(d.replay.peakRssMbTenthFiles, 0)} MB`);
if (d?.filter) console.log(`filter: generated ${(100 * d.filter.awsServiceShareGenerated).toFixed(1)} %, corpus ${(100 * d.filter.awsServiceShareCorpus).toFixed(2)} % of ${d.filter.corpusRecords}, all real records ${(100 * (d.filter.awsServiceShareReal ?? NaN)).toFixed(2)} % of ${d.filter.realRecords}, destructive dropped ${d.filter.destructiveDropped}`);
