/**
 * Catalogue: detector-tamper. Data, one entry per call family, each with its sources.
 * Test cases stand beside it in `detector-tamper.cases.ts`.
 */
import type { CatalogueEntry } from './types.ts';
import { docs, panther, blastwall, rp } from './types.ts';

export const DETECTOR_TAMPER: readonly CatalogueEntry[] = [
  // ── DynamoDB ──────────────────────────────────────────────────────────────
  {
    id: 'dynamodb.own-table-change',
    eventSource: 'dynamodb.amazonaws.com',
    eventNames: ['UpdateTable', 'UpdateTimeToLive', 'DeleteResourcePolicy', 'PutResourcePolicy'],
    category: 'detector-tamper',
    severity: 'critical',
    what: "changes Blastwall's state table",
    onlyOwnResources: true,
    ownResourcePaths: [rp('tableName'), rp('resourceArn')],
    sources: [blastwall('own resources'), docs('DynamoDB API Reference: UpdateTable')],
  },
  // ── Organizations, CloudFormation ─────────────────────────────────────────
  {
    id: 'cloudformation.own-stack-change',
    eventSource: 'cloudformation.amazonaws.com',
    eventNames: ['UpdateStack', 'UpdateTerminationProtection', 'SetStackPolicy'],
    category: 'detector-tamper',
    severity: 'critical',
    what: "changes Blastwall's CloudFormation stack",
    onlyOwnResources: true,
    ownResourcePaths: [rp('stackName')],
    sources: [blastwall('own resources')],
  },
  // ── EventBridge (Blastwall's forwarding rules and bus) ────────────────────
  {
    id: 'events.own-change',
    eventSource: 'events.amazonaws.com',
    eventNames: ['PutRule', 'PutTargets', 'DeleteEventBus', 'PutPermission', 'RemovePermission', 'UpdateEventBus'],
    category: 'detector-tamper',
    severity: 'critical',
    what: "changes Blastwall's event bus or rules",
    onlyOwnResources: true,
    ownResourcePaths: [rp('name'), rp('rule'), rp('eventBusName')],
    sources: [blastwall('own resources')],
  },
  // ── Lambda ────────────────────────────────────────────────────────────────
  {
    id: 'lambda.own-change',
    eventSource: 'lambda.amazonaws.com',
    eventNames: [
      'UpdateFunctionCode',
      'UpdateFunctionConfiguration',
      'PutFunctionConcurrency',
      'DeleteFunctionConcurrency',
      'RemovePermission',
      'AddPermission',
      'DeleteEventSourceMapping',
      'UpdateEventSourceMapping',
      'DeleteFunctionUrlConfig',
      'UpdateFunctionUrlConfig',
    ],
    category: 'detector-tamper',
    severity: 'critical',
    what: "changes one of Blastwall's Lambda functions",
    onlyOwnResources: true,
    ownResourcePaths: [rp('functionName')],
    sources: [blastwall('own resources'), panther('AWS.Lambda.UpdateFunctionCode')],
  },
  // ── IAM: identity changes (and any change to Blastwall's roles) ───────────
  {
    id: 'iam.own-role-change',
    eventSource: 'iam.amazonaws.com',
    eventNames: [
      'PutRolePolicy',
      'AttachRolePolicy',
      'DetachRolePolicy',
      'DeleteRolePolicy',
      'UpdateAssumeRolePolicy',
      'DeleteRole',
      'PutRolePermissionsBoundary',
      'DeleteRolePermissionsBoundary',
      'UpdateRole',
    ],
    category: 'detector-tamper',
    severity: 'critical',
    what: "changes one of Blastwall's IAM roles",
    onlyOwnResources: true,
    ownResourcePaths: [rp('roleName')],
    sources: [blastwall('own resources'), panther('AWS.IAM.PolicyModified')],
  },
];
