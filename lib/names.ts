/**
 * Names that must agree between stacks deployed in different accounts, where a
 * CloudFormation cross-stack reference cannot reach: the member stacks build the
 * central bus ARN and the central respond role ARN from these and the config.
 *
 * Every name starts with `detection.ownResourcePrefix` (default `Blastwall`), the
 * prefix the detector treats as "Blastwall itself" (tamper signal) and the
 * responder role refuses to touch.
 */
import type { DeploymentSettings } from './config.ts';
import { forwarderRoleName, functionRoleName, historyReaderRoleName, type CentralFunction } from '../functions/core/response/own-principals.ts';

export interface ResourceNames {
  prefix: string;
  centralStack: string;
  /** Per-region member stack for `cdk deploy` into one member account. */
  memberStack(region: string): string;
  /** Region-agnostic member template for CloudFormation StackSets. */
  memberTemplateStack: string;
  centralBus: string;
  /** The central `respond` function's role; the only principal the member responder role trusts. */
  respondFunctionRole: string;
  /** Every central function's role name (functions/core/response/own-principals.ts: the names respond and replay protect). */
  functionRole(fn: CentralFunction): string;
  /** Member forwarder role name in a region; the only principals the central bus admits. */
  forwarderRole(region: string): string;
  /** IAM ARN pattern of every member forwarder role (any account, any region). */
  forwarderRoleArnPattern(partition: string): string;
  /** Secrets Manager names. */
  slackSecret: string;
  pagerDutySecret: string;
  dashboard: string;
  /** Read-only CloudTrail history role in every member account (us-east-1 stack), for warm-up and reconcile. */
  historyReaderRole: string;
  /** The central warm-up and reconcile functions' roles: the only principals the history role trusts. */
  warmUpFunctionRole: string;
  reconcileFunctionRole: string;
}

export function resourceNames(prefix: string): ResourceNames {
  const lower = prefix.toLowerCase();
  return {
    prefix,
    centralStack: `${prefix}-Central`,
    memberStack: (region) => `${prefix}-Member-${region}`,
    memberTemplateStack: `${prefix}-MemberTemplate`,
    centralBus: `${prefix}-central`,
    respondFunctionRole: functionRoleName(prefix, 'respond'),
    functionRole: (fn) => functionRoleName(prefix, fn),
    forwarderRole: (region) => forwarderRoleName(prefix, region),
    forwarderRoleArnPattern: (partition) => `arn:${partition}:iam::*:role/${prefix}-forwarder-*`,
    slackSecret: `${lower}/slack`,
    pagerDutySecret: `${lower}/pagerduty`,
    dashboard: `${prefix}`,
    historyReaderRole: historyReaderRoleName(prefix),
    warmUpFunctionRole: functionRoleName(prefix, 'warm-up'),
    reconcileFunctionRole: functionRoleName(prefix, 'reconcile'),
  };
}

export function centralBusArn(names: ResourceNames, deployment: DeploymentSettings, partition = 'aws'): string {
  return `arn:${partition}:events:${deployment.centralRegion}:${deployment.centralAccount}:event-bus/${names.centralBus}`;
}

export function respondFunctionRoleArn(names: ResourceNames, deployment: DeploymentSettings, partition = 'aws'): string {
  return `arn:${partition}:iam::${deployment.centralAccount}:role/${names.respondFunctionRole}`;
}

/** Tag a principal with this (value `true`) and the responder role's IAM policy denies touching it. */
export const PROTECTED_TAG_KEY = 'BlastwallProtected';

/** Tag on every resource Blastwall creates. */
export const APPLICATION_TAG = { key: 'application', value: 'blastwall' } as const;

export const MEMBER_TEMPLATE_DESCRIPTION = 'Blastwall member (StackSet template): forward CloudTrail to the central bus; responder role in us-east-1';
