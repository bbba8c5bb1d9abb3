/**
 * `blastwall.config.json`: one file read by the CLI, the Lambda functions (from AWS AppConfig at
 * cold start, functions/adapters/lambda-environment.ts) and the CDK app.
 *
 * Validated with zod; an invalid file fails with the field's path and what is wrong.
 */
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import * as z from 'zod';
import { SEVERITIES } from './audit-event.ts';
import { ruleSchema, suppressionSchema } from './detection/rules-schema.ts';

// The schemas are built on first use (parseConfig), not at import: a cold start's import stays cheap.
const accountId = () => z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');

export const RESPONSE_MODES = ['enforce', 'dry-run', 'page-only'] as const;
export type ResponseMode = (typeof RESPONSE_MODES)[number];

const environmentSchema = () =>
  z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes (max 63)')
      .refine((n) => n !== 'unknown', '"unknown" is reserved for accounts not listed'),
    accounts: z.array(accountId()).default([]),
    sensitivity: z.enum(['low', 'high']),
    response: z.enum(RESPONSE_MODES),
    /**
     * For shared accounts: resource ARN globs (`*` wildcard) that place a call in
     * this environment even though the account belongs to another one.
     */
    resourcePatterns: z.array(z.string().min(1).max(2048)).default([]),
    /**
     * AWS Organizations OUs (`ou-…`) whose accounts, at any depth, belong to this environment:
     * resolved by the org-sync function and cached (docs/deploy.md). An account listed in
     * `accounts` of any environment wins; the nearest configured OU wins over an enclosing one.
     */
    organizationalUnits: z.array(z.string().regex(/^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/, 'must be an organisational unit id such as ou-ab12-cd34ef56')).max(100).default([]),
  })
  .strict();

const channel = () => z.enum(['slack', 'pagerduty']);

const routeSchema = () =>
  z
  .object({
    /** Environment name, or `*` for any. */
    environment: z.string().min(1).default('*'),
    /** Lowest severity this route takes. */
    minSeverity: z.enum(SEVERITIES),
    channels: z.array(channel()),
  })
  .strict();

export const DEFAULT_ROUTES: z.output<ReturnType<typeof routeSchema>>[] = [
  { environment: '*', minSeverity: 'high', channels: ['pagerduty', 'slack'] },
  { environment: '*', minSeverity: 'medium', channels: ['slack'] },
];

const buildConfigSchema = () =>
  z
  .object({
    environments: z.array(environmentSchema()).min(1, 'list at least one environment'),
    /** Accounts not listed in any environment: how sensitive they are and what Blastwall may do there. */
    unknownEnvironment: z
      .object({
        sensitivity: z.enum(['low', 'high']).default('high'),
        response: z.enum(RESPONSE_MODES).default('dry-run'),
      })
      .strict()
      .default({ sensitivity: 'high', response: 'dry-run' }),
    /** ARNs or ARN globs (`*` wildcard) that are never revoked: break-glass roles, CI you must never stop … */
    protectedPrincipals: z.array(z.string().min(1).max(2048)).default([]),
    detection: z
      .object({
        /** Credential hop window: same actor, another credential, a more sensitive environment. */
        hopWindowMinutes: z.number().int().min(1).max(24 * 60).default(15),
        /** A credential needs this many days of sightings before a new source is an anomaly. */
        baselineDays: z.number().int().min(1).max(365).default(7),
        /** How long history is kept (DynamoDB TTL). */
        historyDays: z.number().int().min(1).max(400).default(90),
        /** Deleting what the same principal created within this window is routine. */
        recentCreationHours: z.number().int().min(1).max(24 * 30).default(24),
        /** Destructive calls by one credential within this window count as a burst. */
        burstWindowMinutes: z.number().int().min(1).max(24 * 60).default(5),
        burstThreshold: z.number().int().min(2).max(1000).default(3),
        /** Names of Blastwall's own resources; changes to them are detector tamper. */
        ownResourcePrefix: z.string().min(1).max(64).default('Blastwall'),
        /** The team's own catalogue entries, in the catalogue's data shape (docs/detection.md). */
        rules: z.array(ruleSchema()).max(500).default([]),
        /** Time-bound, reasoned exceptions, applied before scoring; suppressed events are counted and listed. */
        suppressions: z.array(suppressionSchema()).max(500).default([]),
      })
      .strict()
      .default({
        hopWindowMinutes: 15,
        baselineDays: 7,
        historyDays: 90,
        recentCreationHours: 24,
        burstWindowMinutes: 5,
        burstThreshold: 3,
        ownResourcePrefix: 'Blastwall',
        rules: [],
        suppressions: [],
      }),
    response: z
      .object({
        circuitBreaker: z
          .object({
            maxRevocations: z.number().int().min(0).max(1000).default(5),
            windowMinutes: z.number().int().min(1).max(24 * 60).default(10),
          })
          .strict()
          .default({ maxRevocations: 5, windowMinutes: 10 }),
        /** Name of the responder role the member stack deploys in every account. */
        responderRoleName: z.string().regex(/^[\w+=,.@-]{1,64}$/).default('BlastwallResponder'),
        /** Lowest severity at which `enforce` revokes. */
        revokeAtSeverity: z.enum(SEVERITIES).default('high'),
      })
      .strict()
      .default({
        circuitBreaker: { maxRevocations: 5, windowMinutes: 10 },
        responderRoleName: 'BlastwallResponder',
        revokeAtSeverity: 'high',
      }),
    paging: z
      .object({
        routes: z.array(routeSchema()).default(DEFAULT_ROUTES),
        /** Slack user ids allowed to press "Restore credential". */
        approvers: z.array(z.string().regex(/^[UW][A-Z0-9]{2,20}$/, 'must be a Slack user id such as U012ABCDEF')).default([]),
        slackChannel: z.string().min(1).max(80).optional(),
      })
      .strict()
      .default({ routes: DEFAULT_ROUTES, approvers: [] }),
    /**
     * AWS Security Hub: every finding is imported (ASFF) into the central account's Security Hub,
     * updated as the response unfolds and resolved on restore. Off unless enabled: Security Hub must
     * be enabled in the central account and region first, or every import fails (docs/security-hub.md).
     */
    securityHub: z
      .object({ enabled: z.boolean().default(false) })
      .strict()
      .default({ enabled: false }),
    /** `blastwall audit` and the scheduled audit (docs: README "Before anything happens: audit"). */
    audit: z
      .object({
        /** How many `sts:AssumeRole` hops a credential's reach follows. */
        maxChainDepth: z.number().int().min(1).max(8).default(4),
        /** A principal or request tag whose presence (value `true`) an SCP or boundary may require before a destructive call: an approval gate. */
        approvalTagKey: z.string().regex(/^[\w+=,.@:/-]{1,128}$/).default('approved'),
        /** Read-only role the member stack deploys in every account for the scheduled audit and the backup watchdog. */
        readerRoleName: z.string().regex(/^[\w+=,.@-]{1,64}$/).default('BlastwallAuditReader'),
      })
      .strict()
      .default({ maxChainDepth: 4, approvalTagKey: 'approved', readerRoleName: 'BlastwallAuditReader' }),
    /** The backup watchdog (hourly): the newest restorable copy of each protected resource in high-sensitivity environments. */
    backups: z
      .object({
        /** A newest restorable recovery point older than this pages. */
        maxAgeHours: z.number().int().min(1).max(24 * 90).default(26),
      })
      .strict()
      .default({ maxAgeHours: 26 }),
    /** Read by the CDK app only. */
    deployment: z
      .object({
        organizationId: z.string().regex(/^o-[a-z0-9]{10,32}$/, 'must look like o-abc123defg').optional(),
        centralAccount: accountId().optional(),
        centralRegion: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1').optional(),
        regions: z.array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1')).default(['us-east-1']),
        alarmEmail: z.string().email().optional(),
        /** Minutes without a single event before the "blind detector" alarm fires. */
        silenceAlarmMinutes: z.number().int().min(5).max(24 * 60).default(30),
        /** Where `detect` runs: in the central account (members forward every event) or in every member next to its own default bus (docs/deploy.md, "Topology"). */
        topology: z.enum(['central', 'member']).default('central'),
      })
      .strict()
      .default({ regions: ['us-east-1'], silenceAlarmMinutes: 30, topology: 'central' }),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seenNames = new Map<string, number>();
    const seenAccounts = new Map<string, string>();
    const seenOus = new Map<string, string>();
    const ruleIds = new Set<string>();
    config.detection.rules.forEach((rule, i) => {
      if (ruleIds.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['detection', 'rules', i, 'id'], message: `duplicate rule id "${rule.id}"` });
      ruleIds.add(rule.id);
    });
    config.environments.forEach((env, i) => {
      if (seenNames.has(env.name)) {
        ctx.addIssue({ code: 'custom', path: ['environments', i, 'name'], message: `duplicate environment name "${env.name}"` });
      }
      seenNames.set(env.name, i);
      env.accounts.forEach((account, j) => {
        const other = seenAccounts.get(account);
        if (other !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['environments', i, 'accounts', j],
            message: `account ${account} is already in environment "${other}"`,
          });
        }
        seenAccounts.set(account, env.name);
      });
      env.organizationalUnits.forEach((ou, j) => {
        const other = seenOus.get(ou);
        if (other !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['environments', i, 'organizationalUnits', j],
            message: other === env.name ? `organisational unit ${ou} is listed twice` : `organisational unit ${ou} is already in environment "${other}"`,
          });
        }
        seenOus.set(ou, env.name);
      });
    });
  });

let builtConfigSchema: ReturnType<typeof buildConfigSchema> | undefined;
const configSchema = () => (builtConfigSchema ??= buildConfigSchema());

export type BlastwallConfig = z.output<ReturnType<typeof buildConfigSchema>>;
export type EnvironmentConfig = BlastwallConfig['environments'][number];
export type PagingRoute = BlastwallConfig['paging']['routes'][number];

export const UNKNOWN_ENVIRONMENT = 'unknown';

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly issues: string[],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), '') || '(root)';
}

/** Validate an already-parsed value. `source` names the file in error messages. */
export function parseConfig(value: unknown, source = 'blastwall.config.json'): BlastwallConfig {
  const result = configSchema().safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
    throw new ConfigError(`${source} is invalid:\n  - ${issues.join('\n  - ')}`, issues);
  }
  return result.data;
}

/**
 * Parse the text of a config file: JSON with comments (`//` and `/* … *\/`) and trailing commas,
 * so the README example can be copied and annotated. jsonc-parser (the parser VS Code uses for
 * its own settings) rather than a hand-written comment stripper: it never touches strings and
 * reports each syntax error with its line and column.
 */
export function parseConfigText(text: string, source = 'blastwall.config.json'): BlastwallConfig {
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  if (errors.length > 0) {
    const issues = errors.slice(0, 5).map((e) => {
      const { line, column } = lineColumn(text, e.offset);
      return `line ${line}, column ${column}: ${printParseErrorCode(e.error)}`;
    });
    throw new ConfigError(`${source} is not valid JSON: ${issues.join('; ')}`, issues.map((i) => `(root): ${i}`));
  }
  return parseConfig(value, source);
}

/** 1-based line and column of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * The config file's JSON Schema (draft 4, as AWS AppConfig's validators take it), generated from
 * the schema above: AppConfig refuses a deployment that breaks it. Cross-field checks
 * (duplicate names and accounts) cannot be written in JSON Schema; the functions check them
 * when they read the config.
 */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema(), { target: 'draft-4', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

/** The configuration used when none is given: the demo's three accounts. */
export const EXAMPLE_CONFIG: z.input<ReturnType<typeof buildConfigSchema>> = {
  environments: [
    { name: 'development', accounts: ['111111111111'], sensitivity: 'low', response: 'dry-run' },
    { name: 'staging', accounts: ['222222222222'], sensitivity: 'low', response: 'enforce' },
    { name: 'production', accounts: ['333333333333'], sensitivity: 'high', response: 'enforce' },
  ],
  protectedPrincipals: ['arn:aws:iam::*:role/BreakGlass*'],
};
