/**
 * Catalogue: execution — running code on instances, changing what instances
 * run at start-up, launching capacity for someone else's workload (crypto
 * mining, LLM hijacking). Test cases stand beside it in `execution.cases.ts`.
 */
import type { Condition } from '../conditions.ts';
import type { CatalogueEntry } from './types.ts';
import { docs, panther, rp, sigma, stratus } from './types.ts';

/** Accelerated (GPU, Inferentia, Trainium, FPGA) and very large instance families: what miners launch. */
const UNUSUAL_INSTANCE_TYPES: Condition = { param: rp('instanceType'), matches: '^(p[2-9]|g[3-9]|inf[12]|trn[12]|dl[12]|f[12]|x[12])[a-z0-9-]*\\.' };

export const EXECUTION: readonly CatalogueEntry[] = [
  // ── Systems Manager ───────────────────────────────────────────────────────
  {
    id: 'ssm.send-command',
    eventSource: 'ssm.amazonaws.com',
    eventNames: ['SendCommand'],
    category: 'execution',
    severity: 'medium',
    what: 'runs commands on instances through Systems Manager',
    sources: [docs('Systems Manager API Reference: SendCommand'), panther('AWS.SSM.DistributedCommand'), stratus('aws.execution.ssm-send-command'), stratus('aws.credential-access.ec2-steal-instance-credentials')],
  },
  {
    id: 'ssm.start-session',
    eventSource: 'ssm.amazonaws.com',
    eventNames: ['StartSession'],
    category: 'execution',
    severity: 'medium',
    what: 'opens a shell on an instance through Session Manager',
    sources: [docs('Systems Manager API Reference: StartSession'), stratus('aws.execution.ssm-start-session')],
  },
  // ── EC2 ───────────────────────────────────────────────────────────────────
  {
    id: 'ec2.user-data-changed',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['ModifyInstanceAttribute'],
    category: 'execution',
    severity: 'high',
    what: "changes an instance's user data (the script it runs at start-up) by hand",
    when: { any: [{ param: rp('userData'), exists: true }, { param: rp('attribute'), equals: 'userData' }] },
    humanOnly: true,
    sources: [
      docs('EC2 API Reference: ModifyInstanceAttribute (UserData)'),
      panther('AWS.EC2.Startup.Script.Change'),
      sigma('aws_ec2_startup_script_change.yml (AWS EC2 Startup Shell Script Change, level high)'),
      stratus('aws.execution.ec2-user-data'),
    ],
  },
  {
    id: 'ec2.unusual-instances',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['RunInstances'],
    category: 'execution',
    severity: 'medium',
    what: 'launches GPU or other accelerated instances by hand',
    when: UNUSUAL_INSTANCE_TYPES,
    humanOnly: true,
    modifiers: [{ when: { param: rp('instancesSet.items.maxCount'), atLeast: 5 }, severity: 'high', text: 'in quantity (5 or more at once)' }],
    sources: [docs('EC2 API Reference: RunInstances'), panther('AWS.EC2.LaunchUnusualEC2Instances'), stratus('aws.execution.ec2-launch-unusual-instances')],
  },
  // ── Bedrock ───────────────────────────────────────────────────────────────
  {
    id: 'bedrock.model-access-grant',
    eventSource: 'bedrock.amazonaws.com',
    eventNames: ['PutFoundationModelEntitlement', 'CreateFoundationModelAgreement', 'PutUseCaseForModelAccess'],
    category: 'execution',
    severity: 'medium',
    what: 'grants the account access to Bedrock foundation models (how LLM hijacking starts)',
    sources: [docs('Amazon Bedrock User Guide: Access Amazon Bedrock foundation models'), stratus('aws.impact.bedrock-invoke-model')],
  },
];
