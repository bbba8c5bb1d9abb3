/**
 * Config loading for the CDK app: which file, read and validated before any
 * construct exists, so an invalid file fails `cdk synth` with the field named.
 *
 * Resolution order:
 *   1. `cdk synth -c config=path/to/blastwall.config.json` (relative to the working directory)
 *   2. `BLASTWALL_CONFIG_FILE=path/to/blastwall.config.json`
 *   3. `blastwall.config.json` at the repository root
 *   4. `blastwall.config.example.json` at the repository root (placeholders; synthesises, never deploys
 *      anywhere real because its central account is not yours)
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseConfigText, type BlastwallConfig } from '../functions/core/config.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_CONFIG_FILE = 'blastwall.config.json';
export const EXAMPLE_CONFIG_FILE = 'blastwall.config.example.json';
export const CONFIG_CONTEXT_KEY = 'config';
export const CONFIG_FILE_ENV = 'BLASTWALL_CONFIG_FILE';

/** IAM and other global-service events are delivered in us-east-1 only: members always forward from there. */
export const GLOBAL_EVENTS_REGION = 'us-east-1';

/**
 * The config travels as an AWS AppConfig hosted configuration written inline into the central
 * stack's template (CloudFormation's limit is 1 MB per template): half of it for the config.
 * A 1,000-account organisation's config is about 30 KB.
 */
export const MAX_CONFIG_BYTES = 512 * 1024;

export interface ResolvedConfigPath {
  path: string;
  /** How the path was chosen, for the synth log. */
  origin: 'context' | 'environment' | 'default' | 'example';
}

export function resolveConfigPath(options: { context?: unknown; env?: NodeJS.ProcessEnv; cwd?: string; root?: string } = {}): ResolvedConfigPath {
  const cwd = options.cwd ?? process.cwd();
  const root = options.root ?? REPO_ROOT;
  const env = options.env ?? process.env;
  if (typeof options.context === 'string' && options.context.trim() !== '') {
    return { path: resolve(cwd, options.context), origin: 'context' };
  }
  const fromEnv = env[CONFIG_FILE_ENV];
  if (fromEnv && fromEnv.trim() !== '') return { path: resolve(cwd, fromEnv), origin: 'environment' };
  const preferred = resolve(root, DEFAULT_CONFIG_FILE);
  if (existsSync(preferred)) return { path: preferred, origin: 'default' };
  return { path: resolve(root, EXAMPLE_CONFIG_FILE), origin: 'example' };
}

/** What the stacks need from `deployment`, with the required fields present. */
export interface DeploymentSettings {
  organizationId: string;
  centralAccount: string;
  centralRegion: string;
  /** Regions the member stacks forward from; always includes us-east-1, no duplicates, sorted. */
  memberRegions: string[];
  alarmEmail?: string;
  silenceAlarmMinutes: number;
  /** Where detect runs (docs/deploy.md, "Topology"). */
  topology: 'central' | 'member';
  /** Member topology: the central table's name (the central stack's `TableName` output, `-c centralTableName=…`), which member detect reaches by ARN. */
  centralTableName?: string;
}

export interface LoadedConfig {
  config: BlastwallConfig;
  deployment: DeploymentSettings;
  /** The file it came from. */
  source: string;
  isExample: boolean;
}

/** Validate a config for deployment: the Lambda-facing schema plus what only the CDK app needs. */
export function prepareConfig(config: BlastwallConfig, source: string): Omit<LoadedConfig, 'isExample'> {
  const d = config.deployment;
  const issues: string[] = [];
  if (!d.organizationId) issues.push('deployment.organizationId: required to deploy (the central bus admits the organisation by aws:PrincipalOrgID), e.g. "o-abc123defg"');
  if (!d.centralAccount) issues.push('deployment.centralAccount: required to deploy (the account of the central stack; members trust its respond role)');
  if (!/^[A-Za-z][A-Za-z0-9]{0,31}$/.test(config.detection.ownResourcePrefix)) {
    issues.push('detection.ownResourcePrefix: the CDK app names stacks, the bus and roles with it, so it must be letters and digits (max 32), starting with a letter');
  }
  const configBytes = Buffer.byteLength(JSON.stringify(config), 'utf8');
  if (configBytes > MAX_CONFIG_BYTES) {
    issues.push(
      `(root): the validated config is ${configBytes} bytes as JSON; it is deployed inline in the central stack's template, so it must stay under ${MAX_CONFIG_BYTES} bytes (use ARN globs instead of long lists)`,
    );
  }
  if (issues.length > 0 || !d.organizationId || !d.centralAccount) {
    throw new ConfigError(`${source} is invalid:\n  - ${issues.join('\n  - ')}`, issues);
  }
  const centralRegion = d.centralRegion ?? GLOBAL_EVENTS_REGION;
  const memberRegions = [...new Set([GLOBAL_EVENTS_REGION, ...d.regions])].sort();
  return {
    config,
    source,
    deployment: {
      organizationId: d.organizationId,
      centralAccount: d.centralAccount,
      centralRegion,
      memberRegions,
      ...(d.alarmEmail ? { alarmEmail: d.alarmEmail } : {}),
      silenceAlarmMinutes: d.silenceAlarmMinutes,
      topology: d.topology,
    },
  };
}

/** Parse + validate text (throws `ConfigError` naming the field). */
export function loadConfigText(text: string, source: string, isExample = false): LoadedConfig {
  return { ...prepareConfig(parseConfigText(text, source), source), isExample };
}

/** Read, parse and validate a config file (throws `ConfigError` naming the file and the field). */
export function loadConfigFile(resolved: ResolvedConfigPath): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(resolved.path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${resolved.path}: ${(error as Error).message}`, [`(file): cannot read ${resolved.path}`]);
  }
  return loadConfigText(text, resolved.path, resolved.origin === 'example');
}
