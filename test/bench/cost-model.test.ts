/**
 * bench/cost.ts, the member topology (docs/deploy.md, "Topology"): the same measured parts
 * per event, no cross-account fee per event, findings and heartbeats crossing. Checked
 * against the model's own inputs, so a change to either side shows here.
 */
import { describe, expect, it } from 'vitest';
import { ASSUMPTIONS, costModel, HEARTBEATS_PER_MEMBER_REGION_MONTH, PRICES, type CostInputs } from '../../bench/cost.ts';
import { FUNCTION_MEMORY_MB } from '../../lib/central-stack.ts';
import { MEMBER_DETECT_MEMORY_MB } from '../../lib/constructs/member-detector.ts';

const inputs: CostInputs = { memoryMb: 512, architecture: 'arm64', handlerMeanMs: 4, dynamoRequestsPerEvent: 1.2, readUnitsPerEvent: 1.06, writeUnitsPerEvent: 0.92, findingsPerEvent: 0.09, logBytesPerEvent: 70, awsServiceShare: 0 };
const sum = (o: object) => Object.values(o).reduce((s: number, x) => s + (x as number), 0);

describe('cost model: member topology', () => {
  const r = costModel(inputs);
  const m = r.memberTopology;

  it('drops the cross-account fee per event and pays a second fee per finding; the other parts are the central detect\'s', () => {
    expect(m.partsPerMillionDeliveredUsd.eventBridgeCrossAccount).toBe(0);
    expect(r.partsPerMillionDeliveredUsd.eventBridgeCrossAccount).toBe(PRICES.eventBridgeCrossAccountUsdPerMillion);
    expect(m.partsPerMillionDeliveredUsd.eventBridgeFindings).toBeCloseTo(2 * r.partsPerMillionDeliveredUsd.eventBridgeFindings, 4);
    for (const part of ['lambdaRequests', 'lambdaCompute', 'dynamoReads', 'dynamoWrites', 'cloudWatchLogs'] as const) expect(m.partsPerMillionDeliveredUsd[part]).toBe(r.partsPerMillionDeliveredUsd[part]);
    // Member detect is sized as the central one, so the measured per-event parts apply.
    expect(MEMBER_DETECT_MEMORY_MB).toBe(FUNCTION_MEMORY_MB.detect);
  });

  it('adds the heartbeats: one every 5 minutes per member and region, spread over its events', () => {
    expect(HEARTBEATS_PER_MEMBER_REGION_MONTH).toBe(8760);
    expect(m.heartbeatUsdPerMemberRegionMonth).toBeCloseTo(sum(m.heartbeatParts), 3);
    expect(m.heartbeatsPerMillionEventsUsd).toBeCloseTo((m.heartbeatUsdPerMemberRegionMonth / ASSUMPTIONS.memberEventsPerRegionPerMonth) * 1e6, 3);
    // Each heartbeat is one GetMetricStatistics and one PutEvents that crosses accounts.
    expect(m.heartbeatParts.cloudWatchApi).toBeCloseTo((8760 * PRICES.cloudWatchApiUsdPerThousand) / 1000, 4);
    expect(m.heartbeatParts.eventBridge).toBeCloseTo((8760 * 2) / 1e6, 4);
    expect(m.costPerMillionDeliveredEventsUsd).toBeCloseTo(sum(m.partsPerMillionDeliveredUsd) + m.heartbeatsPerMillionEventsUsd, 3);
    expect(r.costPerMillionDeliveredEventsUsd - m.costPerMillionDeliveredEventsUsd).toBeCloseTo(1 - inputs.findingsPerEvent - m.heartbeatsPerMillionEventsUsd, 3);
  });

  it('says what it prices and what it does not', () => {
    expect(m.priced.join(' ')).toMatch(/heartbeat/);
    expect(m.notPriced.join(' ')).toMatch(/cold start/);
    expect(m.notPriced.join(' ')).toMatch(/cross-region/);
  });
});
