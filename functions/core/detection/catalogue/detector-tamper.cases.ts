/**
 * Test cases of `detector-tamper.ts` (see ./case.ts): these entries are hits only
 * on Blastwall's own resources (names starting with the own-resource prefix).
 * Not imported by runtime code.
 */
import type { CatalogueCase } from './case.ts';

export const CASES: readonly CatalogueCase[] = [
  {
    entry: 'dynamodb.own-table-change',
    name: "Blastwall's state table",
    record: { eventName: 'UpdateTimeToLive', requestParameters: { tableName: 'BlastwallState', timeToLiveSpecification: { enabled: false, attributeName: 'expiresAt' } } },
    expect: { category: 'detector-tamper', severity: 'critical' },
  },
  {
    entry: 'dynamodb.own-table-change',
    name: 'an application table',
    record: { eventName: 'UpdateTable', requestParameters: { tableName: 'orders', billingMode: 'PAY_PER_REQUEST' } },
    expect: null,
  },
  {
    entry: 'cloudformation.own-stack-change',
    name: "termination protection off on Blastwall's stack",
    record: { eventName: 'UpdateTerminationProtection', requestParameters: { stackName: 'BlastwallCentral', enableTerminationProtection: false } },
    expect: { category: 'detector-tamper', severity: 'critical' },
  },
  {
    entry: 'cloudformation.own-stack-change',
    name: 'an application stack',
    record: { eventName: 'UpdateStack', requestParameters: { stackName: 'OrdersStack', usePreviousTemplate: true } },
    expect: null,
  },
  {
    entry: 'events.own-change',
    name: "targets of Blastwall's forwarding rule",
    record: { eventName: 'PutTargets', requestParameters: { rule: 'BlastwallForwardManagementEvents', targets: [{ id: 'x', arn: 'arn:aws:events:eu-west-1:444455556666:event-bus/default' }] } },
    expect: { category: 'detector-tamper', severity: 'critical' },
  },
  {
    entry: 'events.own-change',
    name: 'an application rule',
    record: { eventName: 'PutTargets', requestParameters: { rule: 'orders-nightly', targets: [{ id: 'report', arn: 'arn:aws:lambda:eu-west-1:333333333333:function:orders-report' }] } },
    expect: null,
  },
  {
    entry: 'lambda.own-change',
    name: "configuration of Blastwall's respond function",
    record: { eventName: 'UpdateFunctionConfiguration20150331v2', requestParameters: { functionName: 'BlastwallRespond', timeout: 1 } },
    expect: { category: 'detector-tamper', severity: 'critical' },
  },
  {
    entry: 'lambda.own-change',
    name: 'concurrency of an application function',
    record: { eventName: 'PutFunctionConcurrency20171031', requestParameters: { functionName: 'orders-api', reservedConcurrentExecutions: 0 } },
    expect: null,
  },
  {
    entry: 'iam.own-role-change',
    name: "a policy removed from Blastwall's respond role",
    record: { eventName: 'DeleteRolePolicy', requestParameters: { roleName: 'BlastwallRespondRole', policyName: 'revoke' } },
    expect: { category: 'detector-tamper', severity: 'critical' },
  },
  {
    entry: 'iam.own-role-change',
    name: 'an application role',
    record: { eventName: 'UpdateRole', requestParameters: { roleName: 'orders-api-role', maxSessionDuration: 7200 } },
    expect: null,
  },
];
