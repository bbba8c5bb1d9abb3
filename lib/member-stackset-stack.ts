/**
 * Optional: the member template rolled out to the organisation as a
 * service-managed CloudFormation StackSet, by `cdk deploy` from the management
 * account (or a StackSets delegated administrator):
 *
 *   npx cdk deploy Blastwall-MemberStackSet -c stackSetTargets=r-abcd          # whole organisation
 *   npx cdk deploy Blastwall-MemberStackSet -c stackSetTargets=ou-ab12-cdefgh34,ou-ab12-ijklmn56 \
 *       -c stackSetCallAs=DELEGATED_ADMIN
 *
 * Regions: us-east-1 plus `deployment.regions`. Auto-deployment covers accounts that
 * join a targeted OU later. Service-managed StackSets never deploy to the management
 * account: deploy `Blastwall-Member-<region>` there with `cdk deploy` (docs/deploy.md).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, BootstraplessSynthesizer, CfnStackSet, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { BlastwallConfig } from '../functions/core/config.ts';
import type { DeploymentSettings } from './config.ts';
import { MemberStack } from './member-stack.ts';
import { APPLICATION_TAG, MEMBER_TEMPLATE_DESCRIPTION, type ResourceNames } from './names.ts';

export const STACKSET_TARGETS_CONTEXT = 'stackSetTargets';
export const STACKSET_CALL_AS_CONTEXT = 'stackSetCallAs';

/** Organisation root (`r-…`) or OU (`ou-…`) ids, comma-separated. */
export function parseStackSetTargets(value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const ids = String(value)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = ids.filter((id) => !/^(r-[a-z0-9]{4,32}|ou-[a-z0-9]{4,32}-[a-z0-9]{8,32})$/.test(id));
  if (ids.length === 0 || bad.length > 0) {
    throw new Error(`-c ${STACKSET_TARGETS_CONTEXT}: expected organisation root or OU ids (r-…, ou-…-…), comma-separated; got ${bad.join(', ') || '(none)'}`);
  }
  return ids;
}

export function parseCallAs(value: unknown): 'SELF' | 'DELEGATED_ADMIN' {
  if (value === undefined || value === null || value === '' || value === 'SELF') return 'SELF';
  if (value === 'DELEGATED_ADMIN') return 'DELEGATED_ADMIN';
  throw new Error(`-c ${STACKSET_CALL_AS_CONTEXT}: SELF (management account) or DELEGATED_ADMIN, got ${String(value)}`);
}

/** The member template exactly as `cdk synth` writes Blastwall-MemberTemplate. */
export function memberTemplateBody(config: BlastwallConfig, deployment: DeploymentSettings, names: ResourceNames): string {
  const scratch = new App({ outdir: mkdtempSync(join(tmpdir(), 'blastwall-member-')), autoSynth: false });
  const stack = new MemberStack(scratch, names.memberTemplateStack, {
    config,
    deployment,
    names,
    synthesizer: new BootstraplessSynthesizer(),
    description: MEMBER_TEMPLATE_DESCRIPTION,
  });
  Tags.of(scratch).add(APPLICATION_TAG.key, APPLICATION_TAG.value);
  return JSON.stringify(scratch.synth().getStackByName(stack.stackName).template);
}

export interface MemberStackSetStackProps extends StackProps {
  config: BlastwallConfig;
  deployment: DeploymentSettings;
  names: ResourceNames;
  targets: string[];
  callAs: 'SELF' | 'DELEGATED_ADMIN';
}

export class MemberStackSetStack extends Stack {
  readonly stackSet: CfnStackSet;

  constructor(scope: Construct, id: string, props: MemberStackSetStackProps) {
    super(scope, id, props);
    const { config, deployment, names } = props;
    if (deployment.topology === 'member') {
      // The member topology's template holds detect's code (an asset); a service-managed StackSet
      // has no asset bucket in the member accounts. Not built: deploy per account (docs/deploy.md, "Topology").
      throw new Error('deployment.topology "member" cannot be rolled out as a StackSet yet (the member template holds detect\'s code, an asset): deploy Blastwall-Member-<region> per account with `cdk deploy`, or roll out forwarding members with -c memberTopology=central (docs/deploy.md, "Topology")');
    }
    this.stackSet = new CfnStackSet(this, 'MemberStackSet', {
      stackSetName: `${names.prefix}-Member`,
      description: 'Blastwall member: forward CloudTrail to the central bus; responder role (us-east-1)',
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      callAs: props.callAs,
      capabilities: ['CAPABILITY_NAMED_IAM'],
      managedExecution: { Active: true },
      operationPreferences: {
        regionConcurrencyType: 'PARALLEL',
        maxConcurrentPercentage: 25,
        failureTolerancePercentage: 10,
      },
      stackInstancesGroup: [
        {
          deploymentTargets: { organizationalUnitIds: props.targets },
          regions: deployment.memberRegions,
        },
      ],
      templateBody: memberTemplateBody(config, deployment, names),
    });
  }
}
