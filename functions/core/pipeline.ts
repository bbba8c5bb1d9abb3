/**
 * The pipeline both doors share: the `detect` Lambda and `blastwall replay`
 * normalise records and run the detector through this one module, so a
 * backtest on a laptop makes exactly the decisions production would.
 */
import type { AuditEvent } from './audit-event.ts';
import type { BlastwallConfig } from './config.ts';
import { createEnvironmentResolver, type EnvironmentResolver } from './environment.ts';
import { normaliseRecord, type NormaliseResult } from './normalise.ts';
import { createDetector, type DetectionOutcome, type Detector } from './detection/detector.ts';
import type { StateStore } from './detection/state-store.ts';
import { planResponse } from './response/plan.ts';

export interface Pipeline {
  readonly config: BlastwallConfig;
  readonly resolver: EnvironmentResolver;
  readonly detector: Detector;
  /** Validate and normalise one raw value (EventBridge event or CloudTrail record). */
  normalise(raw: unknown): NormaliseResult;
  /**
   * Run detection on a normalised event and plan the response that fits the
   * finding's credential (status `planned`; `respond` executes it). `now` is when
   * the response would act: the clock in Lambda, the event's own time in a replay.
   */
  detect(event: AuditEvent, now: Date): Promise<DetectionOutcome>;
}

export interface PipelineDeps {
  config: BlastwallConfig;
  store: StateStore;
  /** ARN globs of Blastwall's own roles: never revoked. */
  ownRoleArns?: string[];
  /** Accounts placed by organisational unit, account → environment (functions/core/organization.ts); asked on every lookup. Replay has none: the config alone. */
  ouAccounts?: () => ReadonlyMap<string, string>;
}

export function createPipeline(deps: PipelineDeps): Pipeline {
  const resolver = createEnvironmentResolver(deps.config, deps.ouAccounts ? { ouAccounts: deps.ouAccounts } : {});
  const detector = createDetector({ store: deps.store, config: deps.config, resolver });
  return {
    config: deps.config,
    resolver,
    detector,
    normalise: (raw) => normaliseRecord(raw, resolver),
    async detect(event, now) {
      const outcome = await detector.process(event);
      if (outcome.finding) {
        outcome.finding.response = planResponse(outcome.finding, { config: deps.config, now, ownRoleArns: deps.ownRoleArns, resolver });
      }
      // Findings of later events that this late event re-scored: planned the same way.
      for (const finding of outcome.additionalFindings ?? []) {
        finding.response = planResponse(finding, { config: deps.config, now, ownRoleArns: deps.ownRoleArns, resolver });
      }
      return outcome;
    },
  };
}
