/**
 * Builds the whole CDK app from a validated config: the central stack, one member
 * stack per region for `cdk deploy` into a member account, and the region-agnostic
 * member template for StackSets. cdk-nag (AwsSolutions) validates it at synth.
 */
import { Annotations, App, BootstraplessSynthesizer, DefaultStackSynthesizer, Tags, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { DeploymentSettings, LoadedConfig } from './config.ts';
import { CentralStack } from './central-stack.ts';
import { MemberStack } from './member-stack.ts';
import { MemberStackSetStack } from './member-stackset-stack.ts';
import { GLOBAL_EVENTS_REGION } from './config.ts';
import { APPLICATION_TAG, MEMBER_TEMPLATE_DESCRIPTION, resourceNames } from './names.ts';

export interface BlastwallApp {
  app: App;
  central: CentralStack;
  /** Keyed by region. */
  members: Record<string, MemberStack>;
  memberTemplate: MemberStack;
  /** Only when StackSet targets are given. */
  memberStackSet?: MemberStackSetStack;
}

export interface BuildAppOptions {
  appProps?: AppProps;
  /** Register cdk-nag's AwsSolutions pack as a synth-time validation (default true). */
  nag?: boolean;
  /** Roll the member template out as a service-managed StackSet to these OUs / the root. */
  stackSet?: { targets: string[]; callAs: 'SELF' | 'DELEGATED_ADMIN' };
}

/** The placeholder table name an example config synthesises with in the member topology. */
export const EXAMPLE_CENTRAL_TABLE_NAME = 'Blastwall-Central-State-EXAMPLE';
export const CENTRAL_TABLE_NAME_CONTEXT = 'centralTableName';

/** Member topology: the central table's name from `-c centralTableName=…` (a placeholder for the example config). */
function withCentralTableName(loaded: LoadedConfig, app: App): DeploymentSettings {
  const fromContext = app.node.tryGetContext(CENTRAL_TABLE_NAME_CONTEXT) as unknown;
  if (loaded.deployment.topology !== 'member') return loaded.deployment;
  if (typeof fromContext === 'string' && fromContext !== '') {
    if (!/^[A-Za-z0-9_.-]{3,255}$/.test(fromContext)) throw new Error(`-c ${CENTRAL_TABLE_NAME_CONTEXT}: not a DynamoDB table name: ${fromContext}`);
    return { ...loaded.deployment, centralTableName: fromContext };
  }
  return loaded.isExample ? { ...loaded.deployment, centralTableName: EXAMPLE_CENTRAL_TABLE_NAME } : loaded.deployment;
}

export const MEMBER_TOPOLOGY_CONTEXT = 'memberTopology';

/**
 * The member stacks' topology: the config's, or `-c memberTopology=central` to deploy members
 * that forward (e.g. the StackSet for the whole organisation) beside members that run detect
 * themselves, against a central stack deployed with `deployment.topology: "member"` (it admits both).
 */
function memberDeploymentOf(deployment: DeploymentSettings, app: App): DeploymentSettings {
  const override = app.node.tryGetContext(MEMBER_TOPOLOGY_CONTEXT) as unknown;
  if (override === undefined || override === null || override === '') return deployment;
  if (override !== 'central' && override !== 'member') throw new Error(`-c ${MEMBER_TOPOLOGY_CONTEXT}: central or member, got ${String(override)}`);
  if (override === 'member' && deployment.topology !== 'member') {
    throw new Error(`-c ${MEMBER_TOPOLOGY_CONTEXT}=member needs deployment.topology "member" in the config: the central stack must admit member detect first (docs/deploy.md, "Topology")`);
  }
  return { ...deployment, topology: override };
}

export function buildApp(loaded: LoadedConfig, options: BuildAppOptions = {}): BlastwallApp {
  const { config } = loaded;
  const app = new App(options.appProps);
  const deployment = withCentralTableName(loaded, app);
  const memberDeployment = memberDeploymentOf(deployment, app);
  const names = resourceNames(config.detection.ownResourcePrefix);
  Tags.of(app).add(APPLICATION_TAG.key, APPLICATION_TAG.value);

  const central = new CentralStack(app, names.centralStack, {
    config,
    deployment,
    names,
    env: { account: deployment.centralAccount, region: deployment.centralRegion },
    description: 'Blastwall central: bus, detect/respond/page/undo, state, secrets, alarms, dashboard',
    terminationProtection: !loaded.isExample,
  });

  // Member stacks hold no assets: deployable with plain CLI credentials, no `cdk bootstrap`
  // in the member accounts, and their template is usable as a StackSet template as is.
  // Member topology: they hold detect's code, an asset, so they need `cdk bootstrap` in each
  // member account and region (docs/deploy.md, "Topology").
  const memberSynthesizer = () => (memberDeployment.topology === 'member' ? new DefaultStackSynthesizer() : new BootstraplessSynthesizer());
  const members: Record<string, MemberStack> = {};
  for (const region of deployment.memberRegions) {
    members[region] = new MemberStack(app, names.memberStack(region), {
      config,
      deployment: memberDeployment,
      names,
      env: { region },
      synthesizer: memberSynthesizer(),
      description: `Blastwall member (${region}): ${memberDeployment.topology === 'member' ? 'detect CloudTrail here, findings and heartbeats to the central bus' : 'forward CloudTrail to the central bus'}${region === 'us-east-1' ? '; responder role' : ''}`,
    });
  }
  const memberTemplate = new MemberStack(app, names.memberTemplateStack, {
    config,
    deployment: memberDeployment,
    names,
    synthesizer: memberSynthesizer(),
    description: MEMBER_TEMPLATE_DESCRIPTION,
  });

  const memberStackSet = options.stackSet
    ? new MemberStackSetStack(app, `${names.prefix}-MemberStackSet`, {
        config,
        deployment: memberDeployment,
        names,
        targets: options.stackSet.targets,
        callAs: options.stackSet.callAs,
        // The StackSet itself lives in one region of the management (or delegated admin) account.
        env: { region: GLOBAL_EVENTS_REGION },
        synthesizer: new BootstraplessSynthesizer(),
        description: 'Blastwall member StackSet (service-managed): every account of the targeted OUs, every configured region',
      })
    : undefined;

  if (loaded.isExample) {
    for (const stack of [central, ...Object.values(members), memberTemplate]) {
      Annotations.of(stack).addWarningV2(
        'blastwall:example-config',
        `synthesised from ${loaded.source} (placeholder organisation and account): copy it to blastwall.config.json and fill the deployment section before deploying`,
      );
    }
  }

  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, central, members, memberTemplate, ...(memberStackSet ? { memberStackSet } : {}) };
}
