/**
 * `blastwall.config.json`: one file read by the CLI, the Lambda functions (as the
 * `BLASTWALL_CONFIG` environment variable) and the CDK app.
 *
 * Validated with zod; an invalid file fails with the field's path and what is wrong.
 */
import * as z from 'zod';
import { SEVERITIES } from './audit-event.ts';
import { ruleSchema, suppressionSchema } from './detection/rules-schema.ts';

const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');

export const RESPONSE_MODES = ['enforce', 'dry-run', 'page-only'] as const;
export type ResponseMode = (typeof RESPONSE_MODES)[number];

const environmentSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes (max 63)')
      .refine((n) => n !== 'unknown', '"unknown" is reserved for accounts not listed'),
    accounts: z.array(accountId).default([]),
    sensitivity: z.enum(['low', 'high']),
    response: z.enum(RESPONSE_MODES),
    /**
     * For shared accounts: resource ARN globs (`*` wildcard) that place a call in
     * this environment even though the account belongs to another one.
     */
    resourcePatterns: z.array(z.string().min(1).max(2048)).default([]),
  })
  .strict();

const channel = z.enum(['slack', 'pagerduty']);

const routeSchema = z
  .object({
    /** Environment name, or `*` for any. */
    environment: z.string().min(1).default('*'),
    /** Lowest severity this route takes. */
    minSeverity: z.enum(SEVERITIES),
    channels: z.array(channel),
  })
  .strict();

export const DEFAULT_ROUTES: z.output<typeof routeSchema>[] = [
  { environment: '*', minSeverity: 'high', channels: ['pagerduty', 'slack'] },
  { environment: '*', minSeverity: 'medium', channels: ['slack'] },
];

const configSchema = z
  .object({
    environments: z.array(environmentSchema).min(1, 'list at least one environment'),
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
        rules: z.array(ruleSchema).max(500).default([]),
        /** Time-bound, reasoned exceptions, applied before scoring; suppressed events are counted and listed. */
        suppressions: z.array(suppressionSchema).max(500).default([]),
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
        routes: z.array(routeSchema).default(DEFAULT_ROUTES),
        /** Slack user ids allowed to press "Restore credential". */
        approvers: z.array(z.string().regex(/^[UW][A-Z0-9]{2,20}$/, 'must be a Slack user id such as U012ABCDEF')).default([]),
        slackChannel: z.string().min(1).max(80).optional(),
      })
      .strict()
      .default({ routes: DEFAULT_ROUTES, approvers: [] }),
    /** Read by the CDK app only. */
    deployment: z
      .object({
        organizationId: z.string().regex(/^o-[a-z0-9]{10,32}$/, 'must look like o-abc123defg').optional(),
        centralAccount: accountId.optional(),
        centralRegion: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1').optional(),
        regions: z.array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1')).default(['us-east-1']),
        alarmEmail: z.string().email().optional(),
        /** Minutes without a single event before the "blind detector" alarm fires. */
        silenceAlarmMinutes: z.number().int().min(5).max(24 * 60).default(30),
      })
      .strict()
      .default({ regions: ['us-east-1'], silenceAlarmMinutes: 30 }),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seenNames = new Map<string, number>();
    const seenAccounts = new Map<string, string>();
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
    });
  });

export type BlastwallConfig = z.output<typeof configSchema>;
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
  const result = configSchema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
    throw new ConfigError(`${source} is invalid:\n  - ${issues.join('\n  - ')}`, issues);
  }
  return result.data;
}

/** Parse the text of a config file (JSON; `//` line comments are allowed so the README example can be copied). */
export function parseConfigText(text: string, source = 'blastwall.config.json'): BlastwallConfig {
  let value: unknown;
  try {
    value = JSON.parse(stripLineComments(text));
  } catch (error) {
    throw new ConfigError(`${source} is not valid JSON: ${(error as Error).message}`, ['(root): not valid JSON']);
  }
  return parseConfig(value, source);
}

/** Removes `// …` comments that start a line (after whitespace); strings are never touched. */
function stripLineComments(text: string): string {
  return text
    .split('\n')
    .map((line) => (/^\s*\/\//.test(line) ? '' : line))
    .join('\n');
}

/** The configuration used when none is given: the demo's three accounts. */
export const EXAMPLE_CONFIG: z.input<typeof configSchema> = {
  environments: [
    { name: 'development', accounts: ['111111111111'], sensitivity: 'low', response: 'dry-run' },
    { name: 'staging', accounts: ['222222222222'], sensitivity: 'low', response: 'enforce' },
    { name: 'production', accounts: ['333333333333'], sensitivity: 'high', response: 'enforce' },
  ],
  protectedPrincipals: ['arn:aws:iam::*:role/BreakGlass*'],
};
