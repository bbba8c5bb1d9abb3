/**
 * Cost per million CloudTrail management events, from measured figures and
 * published on-demand prices (us-east-1). Prices are written here with their date;
 * update both together.
 */

import { HEARTBEAT_INTERVAL_MINUTES } from '../functions/core/heartbeat.ts';

/** Published prices, us-east-1. */
export const PRICES = {
  asOf: '2025-06 (AWS pricing pages as last published before this was written; DynamoDB on-demand after the 2024-11-01 price cut). Not re-checked online from the bench machine, which has no internet.',
  region: 'us-east-1',
  lambdaRequestUsdPerMillion: 0.2,
  /** Arm64 (the functions' architecture), first tier. x86_64 is 0.0000166667. */
  lambdaGbSecondUsdArm64: 0.0000133334,
  lambdaGbSecondUsdX86: 0.0000166667,
  /** On-demand, Standard table class. */
  dynamoWriteRequestUnitUsdPerMillion: 0.625,
  dynamoReadRequestUnitUsdPerMillion: 0.125,
  /** Events delivered to another account's bus are billed as custom events. */
  eventBridgeCrossAccountUsdPerMillion: 1.0,
  /** PutEvents of custom events (detect publishing findings). */
  eventBridgeCustomEventUsdPerMillion: 1.0,
  cloudWatchLogsIngestUsdPerGb: 0.5,
  /** CloudWatch API requests (GetMetricStatistics: the member heartbeat's count of detect invocations), per 1,000. */
  cloudWatchApiUsdPerThousand: 0.01,
  /** The yardstick: GuardDuty's CloudTrail management event analysis, first tier (per million events). */
  guardDutyCloudTrailUsdPerMillion: 4.0,
} as const;

/** Assumptions that are not measured here, each named in the report. */
export const ASSUMPTIONS = {
  /** Lambda gives a function CPU in proportion to memory; one full vCPU at 1,769 MB. */
  fullVcpuMb: 1769,
  /** In-region DynamoDB round trip per request (single-digit ms); loopback dynalite hides it. */
  dynamoRoundTripMs: 5,
  /** START / END / REPORT platform lines Lambda writes per invocation. */
  lambdaPlatformLogBytes: 300,
  /** Member topology: the heartbeat function (128 MB: GetFunctionConfiguration, GetMetricStatistics, PutEvents), billed ms per run. */
  heartbeatBilledMs: 300,
  /** Member topology: heartbeat-watch (256 MB) storing one heartbeat (one conditional PutItem), billed ms. */
  heartbeatWatchBilledMs: 50,
  /**
   * Member topology: events one member account emits in one region per month, to spread the
   * heartbeats' fixed cost over: the scale example of docs/performance.md (5,000 events/s over
   * 2,000 accounts × 2 regions ≈ 3.24 million). A quiet member pays more per event (see
   * `memberTopology.heartbeatUsdPerMemberRegionMonth`).
   */
  memberEventsPerRegionPerMonth: 3_240_000,
} as const;

/** A heartbeat every HEARTBEAT_INTERVAL_MINUTES (5) minutes, for a 730-hour month. */
export const HEARTBEATS_PER_MEMBER_REGION_MONTH = (60 / HEARTBEAT_INTERVAL_MINUTES) * 730;

export interface CostInputs {
  memoryMb: number;
  architecture: 'arm64' | 'x86_64';
  /** Mean handler time measured on this machine (full core, dynalite in-process). */
  handlerMeanMs: number;
  dynamoRequestsPerEvent: number;
  /** Request units per event (reads: RRU, writes: WRU) as DynamoDB reported them. */
  readUnitsPerEvent: number;
  writeUnitsPerEvent: number;
  findingsPerEvent: number;
  logBytesPerEvent: number;
  /** Share of all CloudTrail management events the member rule drops (AWS-service calls). */
  awsServiceShare: number;
}

export interface CostParts {
  lambdaRequests: number;
  lambdaCompute: number;
  dynamoReads: number;
  dynamoWrites: number;
  eventBridgeCrossAccount: number;
  eventBridgeFindings: number;
  cloudWatchLogs: number;
}

export interface CostResult {
  /** Per million CloudTrail management events emitted in the member accounts (GuardDuty's basis), after the member rule's filter. */
  costPerMillionEventsUsd: number;
  /** Per million events that reach `detect` (no credit for the filter). */
  costPerMillionDeliveredEventsUsd: number;
  /** Per million CloudTrail events if the member rule forwarded everything. */
  costPerMillionEventsWithoutFilterUsd: number;
  filterSavingsPerMillionUsd: number;
  /** Parts per million delivered events. */
  partsPerMillionDeliveredUsd: CostParts;
  /** Parts per million CloudTrail events (delivered parts × (1 − filtered share)). */
  partsPerMillionEventsUsd: CostParts;
  billedMsPerEvent: number;
  guardDutyUsdPerMillion: number;
  /** GuardDuty price ÷ Blastwall cost. */
  timesCheaperThanGuardDuty: number;
  /** The AWS-service share at which the per-event cost meets the 1.50 goal. */
  breakEvenAwsServiceShareFor150: number;
  /**
   * The distributed topology (`detect` in each member account next to its default bus;
   * evaluated on paper, see docs/performance.md): no cross-account fee per CloudTrail
   * event (a default bus delivers AWS service events to its rules' targets for free);
   * each finding crosses to the central bus (PutEvents + cross-account delivery); the
   * rest (Lambda, DynamoDB through a resource policy, logs) is the same per event.
   */
  memberTopology: {
    /** Per event detect processes: the per-event parts plus the heartbeats spread over `memberEventsPerRegionPerMonth`. */
    costPerMillionDeliveredEventsUsd: number;
    partsPerMillionDeliveredUsd: CostParts;
    /** The heartbeats per million events at `memberEventsPerRegionPerMonth`. */
    heartbeatsPerMillionEventsUsd: number;
    /** Fixed cost of one member account in one region per month (heartbeat function, its CloudWatch read, PutEvents + cross-account, heartbeat-watch's invocation and write, logs). */
    heartbeatUsdPerMemberRegionMonth: number;
    heartbeatParts: Record<'lambda' | 'cloudWatchApi' | 'eventBridge' | 'watch' | 'logs', number>;
    priced: string[];
    notPriced: string[];
  };
  prices: typeof PRICES;
  assumptions: typeof ASSUMPTIONS;
  inputs: CostInputs;
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;

export function costModel(inputs: CostInputs): CostResult {
  const p = PRICES;
  const a = ASSUMPTIONS;
  // Billed duration: the measured time scaled to the CPU share the configured memory buys,
  // plus the network round trips to DynamoDB the loopback run does not pay; billed per 1 ms.
  const cpuScale = Math.max(1, a.fullVcpuMb / inputs.memoryMb);
  const billedMsPerEvent = Math.ceil(inputs.handlerMeanMs * cpuScale + inputs.dynamoRequestsPerEvent * a.dynamoRoundTripMs);
  const gbSecond = inputs.architecture === 'arm64' ? p.lambdaGbSecondUsdArm64 : p.lambdaGbSecondUsdX86;
  const M = 1_000_000;
  const delivered: CostParts = {
    lambdaRequests: p.lambdaRequestUsdPerMillion,
    lambdaCompute: M * (inputs.memoryMb / 1024) * (billedMsPerEvent / 1000) * gbSecond,
    dynamoReads: inputs.readUnitsPerEvent * p.dynamoReadRequestUnitUsdPerMillion,
    dynamoWrites: inputs.writeUnitsPerEvent * p.dynamoWriteRequestUnitUsdPerMillion,
    eventBridgeCrossAccount: p.eventBridgeCrossAccountUsdPerMillion,
    eventBridgeFindings: inputs.findingsPerEvent * p.eventBridgeCustomEventUsdPerMillion,
    cloudWatchLogs: (M * (inputs.logBytesPerEvent + a.lambdaPlatformLogBytes) / 1024 ** 3) * p.cloudWatchLogsIngestUsdPerGb,
  };
  const perDelivered = Object.values(delivered).reduce((s, x) => s + x, 0);
  const member: CostParts = {
    ...delivered,
    eventBridgeCrossAccount: 0,
    eventBridgeFindings: inputs.findingsPerEvent * (p.eventBridgeCustomEventUsdPerMillion + p.eventBridgeCrossAccountUsdPerMillion),
  };
  // Heartbeats: a fixed cost per member account and region, spread over its events.
  const n = HEARTBEATS_PER_MEMBER_REGION_MONTH;
  const heartbeatParts = {
    lambda: n * (p.lambdaRequestUsdPerMillion / M + (128 / 1024) * (a.heartbeatBilledMs / 1000) * gbSecond),
    cloudWatchApi: (n * p.cloudWatchApiUsdPerThousand) / 1000,
    eventBridge: (n * (p.eventBridgeCustomEventUsdPerMillion + p.eventBridgeCrossAccountUsdPerMillion)) / M,
    watch: n * (p.lambdaRequestUsdPerMillion / M + (256 / 1024) * (a.heartbeatWatchBilledMs / 1000) * gbSecond + p.dynamoWriteRequestUnitUsdPerMillion / M),
    logs: ((n * 2 * a.lambdaPlatformLogBytes) / 1024 ** 3) * p.cloudWatchLogsIngestUsdPerGb,
  };
  const heartbeatMonth = Object.values(heartbeatParts).reduce((s, x) => s + x, 0);
  const heartbeatsPerMillion = (heartbeatMonth / a.memberEventsPerRegionPerMonth) * M;
  const perDeliveredMember = Object.values(member).reduce((s, x) => s + x, 0) + heartbeatsPerMillion;
  const kept = 1 - inputs.awsServiceShare;
  const perEvent = perDelivered * kept;
  const roundParts = (parts: CostParts, f = 1): CostParts =>
    Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, round(v * f)])) as unknown as CostParts;
  return {
    costPerMillionEventsUsd: round(perEvent),
    costPerMillionDeliveredEventsUsd: round(perDelivered),
    costPerMillionEventsWithoutFilterUsd: round(perDelivered),
    filterSavingsPerMillionUsd: round(perDelivered - perEvent),
    partsPerMillionDeliveredUsd: roundParts(delivered),
    partsPerMillionEventsUsd: roundParts(delivered, kept),
    billedMsPerEvent,
    guardDutyUsdPerMillion: p.guardDutyCloudTrailUsdPerMillion,
    timesCheaperThanGuardDuty: round(p.guardDutyCloudTrailUsdPerMillion / perEvent, 2),
    breakEvenAwsServiceShareFor150: round(Math.max(0, 1 - 1.5 / perDelivered), 3),
    memberTopology: {
      costPerMillionDeliveredEventsUsd: round(perDeliveredMember),
      partsPerMillionDeliveredUsd: roundParts(member),
      heartbeatsPerMillionEventsUsd: round(heartbeatsPerMillion),
      heartbeatUsdPerMemberRegionMonth: round(heartbeatMonth),
      heartbeatParts: Object.fromEntries(Object.entries(heartbeatParts).map(([k, v]) => [k, round(v)])) as CostResult['memberTopology']['heartbeatParts'],
      priced: [
        'per event: the same Lambda, DynamoDB and log parts as the central detect (same handler, same memory, same requests), no cross-account fee (a default bus delivers CloudTrail events to its own rules\' targets at no charge)',
        'per finding: PutEvents to the central bus plus its cross-account delivery ($2 per million findings)',
        `per member account and region: a heartbeat every 5 minutes (${n} a month): the heartbeat function, its GetMetricStatistics read, PutEvents + cross-account delivery, heartbeat-watch's invocation and conditional write, platform log lines; spread over ${a.memberEventsPerRegionPerMonth.toLocaleString('en-US')} events per member and region a month`,
      ],
      notPriced: [
        'extra cold starts: one detect per member account and region, so a quiet member starts cold more often (init ≈ 0.4 s billed where AWS bills the init phase)',
        'cross-region DynamoDB latency: a member region other than the central region pays a round trip of ≈ 60–100 ms per request in billed Lambda time (the model assumes 5 ms, in-region)',
        'DynamoDB cross-region data transfer (≈ $0.02/GB) for those regions',
        'the STS AssumeRole and AppConfig reads at each member detect cold start (AppConfig: $0.2 per million configuration requests)',
        'heartbeat-watch\'s 5-minute judging runs and its two alarms (central, fixed, independent of the event volume: ≈ $0.2 a month plus one Query a run)',
        'the central detect, respond, page and the rest, which run as in the central topology',
      ],
    },
    prices: PRICES,
    assumptions: ASSUMPTIONS,
    inputs,
  };
}
