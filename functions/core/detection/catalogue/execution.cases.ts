/**
 * Test cases of `execution.ts` (see ./case.ts). Not imported by runtime code.
 */
import { CASE_AGENTS, type CatalogueCase } from './case.ts';

const run = (instanceType: string, maxCount: number) => ({
  instancesSet: { items: [{ imageId: 'ami-0a9c3f6e1b2d4c5e7', minCount: 1, maxCount }] },
  instanceType,
  blockDeviceMapping: {},
  monitoring: { enabled: false },
  disableApiTermination: false,
});

export const CASES: readonly CatalogueCase[] = [
  {
    entry: 'ssm.send-command',
    name: 'a shell script on instances',
    record: { eventName: 'SendCommand', requestParameters: { instanceIds: ['i-0a1b2c3d4e5f60718'], documentName: 'AWS-RunShellScript', parameters: 'HIDDEN_DUE_TO_SECURITY_REASONS', interactive: false } },
    expect: { category: 'execution', severity: 'medium' },
  },
  {
    entry: 'ssm.start-session',
    name: 'a shell on an instance',
    record: { eventName: 'StartSession', requestParameters: { target: 'i-0a1b2c3d4e5f60718' } },
    expect: { category: 'execution', severity: 'medium' },
  },
  {
    entry: 'ec2.user-data-changed',
    name: 'user data replaced from the AWS CLI',
    record: { eventName: 'ModifyInstanceAttribute', requestParameters: { instanceId: 'i-0a1b2c3d4e5f60718', userData: '<sensitiveDataRemoved>' } },
    expect: { category: 'execution', severity: 'high' },
  },
  {
    entry: 'ec2.user-data-changed',
    name: 'the instance type changed',
    record: { eventName: 'ModifyInstanceAttribute', requestParameters: { instanceId: 'i-0a1b2c3d4e5f60718', instanceType: { value: 't4g.large' } } },
    expect: null,
  },
  {
    entry: 'ec2.user-data-changed',
    name: 'user data replaced by Terraform',
    record: { eventName: 'ModifyInstanceAttribute', userAgent: CASE_AGENTS.terraform, requestParameters: { instanceId: 'i-0a1b2c3d4e5f60718', userData: '<sensitiveDataRemoved>' } },
    expect: null,
  },
  {
    entry: 'ec2.unusual-instances',
    name: 'one GPU instance from the AWS CLI',
    record: { eventName: 'RunInstances', requestParameters: run('p4d.24xlarge', 1) },
    expect: { category: 'execution', severity: 'medium' },
  },
  {
    entry: 'ec2.unusual-instances',
    name: 'ten GPU instances at once',
    record: { eventName: 'RunInstances', requestParameters: run('g5.12xlarge', 10) },
    expect: { category: 'execution', severity: 'high', says: 'in quantity (5 or more at once)' },
  },
  {
    entry: 'ec2.unusual-instances',
    name: 'an ordinary instance',
    record: { eventName: 'RunInstances', requestParameters: run('t4g.small', 1) },
    expect: null,
  },
  {
    entry: 'ec2.unusual-instances',
    name: 'GPU instances launched by Terraform',
    record: { eventName: 'RunInstances', userAgent: CASE_AGENTS.terraform, requestParameters: run('p4d.24xlarge', 2) },
    expect: null,
  },
  {
    entry: 'bedrock.model-access-grant',
    name: 'a use case for model access',
    record: { eventName: 'PutUseCaseForModelAccess', requestParameters: { formData: '<sensitiveDataRemoved>' } },
    expect: { category: 'execution', severity: 'medium' },
  },
];
