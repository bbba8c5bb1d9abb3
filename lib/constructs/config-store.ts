/**
 * Where the functions read the config: AWS AppConfig, as a hosted configuration deployed by
 * `cdk deploy` (no environment variable: Lambda allows 4 KB of environment in total, a
 * 1,000-account organisation's config is ~30 KB).
 *
 * - Validated twice: by AppConfig at deployment start against the JSON Schema generated from
 *   the config's own zod schema (a config that breaks it is never deployed), and by every
 *   function when it reads it at cold start (the full zod schema, cross-field checks included).
 * - Rolled back: a function that rejects the config counts `ConfigRejected`; the alarm on it is
 *   the AppConfig environment's monitor, so during the deployment's bake time AppConfig rolls
 *   the deployment back to the last good config.
 * - Least privilege: each function may read exactly this one configuration profile.
 */
import { Duration } from 'aws-cdk-lib';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as appconfig from 'aws-cdk-lib/aws-appconfig';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { configJsonSchema, type BlastwallConfig } from '../../functions/core/config.ts';
import { ENV_VARS, METRICS } from '../../functions/core/telemetry-names.ts';
import { blastwallMetric } from './monitoring.ts';

/** Minutes AppConfig watches the ConfigRejected alarm after a deployment before calling it complete. */
export const CONFIG_BAKE_MINUTES = 5;

/**
 * AppConfig's names (AppConfig Data accepts names as well as ids): member detect, in
 * another account, reads `<prefix>/central/blastwall-config`, since the ids are generated.
 */
export const APPCONFIG_NAMES = { environment: 'central', profile: 'blastwall-config' } as const;

export interface ConfigStoreProps {
  config: BlastwallConfig;
  /** Name prefix (`detection.ownResourcePrefix`). */
  prefix: string;
}

export class ConfigStore extends Construct {
  readonly application: appconfig.Application;
  readonly environment: appconfig.Environment;
  readonly configuration: appconfig.HostedConfiguration;
  /** Fires when a function rejects the config it read; AppConfig's rollback monitor. */
  readonly rejectedAlarm: cloudwatch.Alarm;
  /** `BLASTWALL_APPCONFIG`: application/environment/profile ids, for every function. */
  readonly environmentVariables: Record<string, string>;

  constructor(scope: Construct, id: string, props: ConfigStoreProps) {
    super(scope, id);

    this.rejectedAlarm = new cloudwatch.Alarm(this, 'ConfigRejected', {
      alarmDescription: 'Blastwall: a function rejected the config it read from AppConfig (it fails to start). AppConfig rolls a running deployment back on this alarm; fix the config and deploy again.',
      metric: blastwallMetric(METRICS.configRejected, 'Sum', Duration.minutes(1)),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // AppConfig reads the alarm's state through this role: DescribeAlarms on this alarm only.
    const monitorRole = new iam.Role(this, 'MonitorRole', {
      assumedBy: new iam.ServicePrincipal('appconfig.amazonaws.com'),
      description: 'Blastwall: AppConfig reads the ConfigRejected alarm to roll back a bad config',
    });
    monitorRole.addToPolicy(new iam.PolicyStatement({ sid: 'ReadRejectedAlarm', actions: ['cloudwatch:DescribeAlarms'], resources: [this.rejectedAlarm.alarmArn] }));

    this.application = new appconfig.Application(this, 'Application', {
      applicationName: `${props.prefix}`,
      description: 'Blastwall: the blastwall.config.json every function reads at cold start',
    });
    this.environment = new appconfig.Environment(this, 'Environment', {
      application: this.application,
      environmentName: APPCONFIG_NAMES.environment,
      monitors: [appconfig.Monitor.fromCloudWatchAlarm(this.rejectedAlarm, monitorRole)],
    });
    const strategy = new appconfig.DeploymentStrategy(this, 'Strategy', {
      description: `Blastwall config: all at once, then ${CONFIG_BAKE_MINUTES} minutes watching ConfigRejected (rollback)`,
      rolloutStrategy: appconfig.RolloutStrategy.linear({ growthFactor: 100, deploymentDuration: Duration.minutes(0), finalBakeTime: Duration.minutes(CONFIG_BAKE_MINUTES) }),
    });
    this.configuration = new appconfig.HostedConfiguration(this, 'Config', {
      application: this.application,
      name: APPCONFIG_NAMES.profile,
      description: 'blastwall.config.json, validated',
      content: appconfig.ConfigurationContent.fromInlineJson(JSON.stringify(props.config)),
      validators: [appconfig.JsonSchemaValidator.fromInline(JSON.stringify(configJsonSchema()))],
      deploymentStrategy: strategy,
      deployTo: [this.environment],
    });

    this.environmentVariables = {
      [ENV_VARS.appConfig]: `${this.application.applicationId}/${this.environment.environmentId}/${this.configuration.configurationProfileId}`,
    };
  }

  /** The rejected-config alarm also pages through the stack's alarm topic. */
  alarmTo(topic: sns.ITopic): void {
    this.rejectedAlarm.addAlarmAction(new actions.SnsAction(topic));
    this.rejectedAlarm.addOkAction(new actions.SnsAction(topic));
  }

  /** StartConfigurationSession and GetLatestConfiguration on this one configuration profile. */
  grantRead(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadOwnConfig',
        actions: ['appconfig:StartConfigurationSession', 'appconfig:GetLatestConfiguration'],
        resources: [`${this.environment.environmentArn}/configuration/${this.configuration.configurationProfileId}`],
      }),
    );
  }
}
