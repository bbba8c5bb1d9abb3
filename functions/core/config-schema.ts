/**
 * `blastwall.config.json`'s schema and its validation: what the Lambda functions need (they read
 * the config as JSON, from AWS AppConfig at cold start, functions/adapters/lambda-environment.ts).
 * The config file's text (JSON with comments) and its JSON Schema are functions/core/config.ts,
 * which re-exports all of this: the CLI, the CDK app and the tests import that one. The functions
 * import this module, so their bundles carry neither jsonc-parser nor zod's JSON Schema generator.
 *
 * Validated with zod; an invalid file fails with the field's path and what is wrong.
 */
import * as z from 'zod/mini';
import english from 'zod/v4/locales/en.js';
import { SEVERITIES } from './audit-event.ts';
import { ruleSchema, suppressionSchema } from './detection/rules-schema.ts';

// Written with zod's mini build (`zod/mini`): the same validation and the same messages as the
// classic API, but functions instead of methods, so a schema node does not bind a dozen methods
// when it is built and the bundle keeps only the parts used (issue 13, cold start). Built on first
// use (parseConfig), not at import.
const accountId = () => z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit AWS account id'));
const region = () => z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1'));
/** An integer in [min, max] (`z.number().int().min().max()` in the classic API). */
const integer = (min: number, max: number) => z.number().check(z.int(), z.minimum(min), z.maximum(max));
/** A string of at least `min` and at most `max` characters. */
const text = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));

export const RESPONSE_MODES = ['enforce', 'dry-run', 'page-only'] as const;
export type ResponseMode = (typeof RESPONSE_MODES)[number];

const environmentSchema = () =>
  z.strictObject({
    name: z
      .string()
      .check(
        z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes (max 63)'),
        z.refine((n) => n !== 'unknown', '"unknown" is reserved for accounts not listed'),
      ),
    accounts: z._default(z.array(accountId()), []),
    sensitivity: z.enum(['low', 'high']),
    response: z.enum(RESPONSE_MODES),
    /**
     * For shared accounts: resource ARN globs (`*` wildcard) that place a call in
     * this environment even though the account belongs to another one.
     */
    resourcePatterns: z._default(z.array(text(1, 2048)), []),
    /**
     * AWS Organizations OUs (`ou-…`) whose accounts, at any depth, belong to this environment:
     * resolved by the org-sync function and cached (docs/deploy.md). An account listed in
     * `accounts` of any environment wins; the nearest configured OU wins over an enclosing one.
     */
    organizationalUnits: z._default(
      z
        .array(z.string().check(z.regex(/^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/, 'must be an organisational unit id such as ou-ab12-cd34ef56')))
        .check(z.maxLength(100)),
      [],
    ),
  });

const channel = () => z.enum(['slack', 'pagerduty']);

const routeSchema = () =>
  z.strictObject({
    /** Environment name, or `*` for any. */
    environment: z._default(z.string().check(z.minLength(1)), '*'),
    /** Lowest severity this route takes. */
    minSeverity: z.enum(SEVERITIES),
    channels: z.array(channel()),
  });

export const DEFAULT_ROUTES: z.output<ReturnType<typeof routeSchema>>[] = [
  { environment: '*', minSeverity: 'high', channels: ['pagerduty', 'slack'] },
  { environment: '*', minSeverity: 'medium', channels: ['slack'] },
];

const buildConfigSchema = () =>
  z
  .strictObject({
    environments: z.array(environmentSchema()).check(z.minLength(1, 'list at least one environment')),
    /** Accounts not listed in any environment: how sensitive they are and what Blastwall may do there. */
    unknownEnvironment: z._default(
      z.strictObject({
        sensitivity: z._default(z.enum(['low', 'high']), 'high'),
        response: z._default(z.enum(RESPONSE_MODES), 'dry-run'),
      }),
      { sensitivity: 'high', response: 'dry-run' },
    ),
    /** ARNs or ARN globs (`*` wildcard) that are never revoked: break-glass roles, CI you must never stop … */
    protectedPrincipals: z._default(z.array(text(1, 2048)), []),
    detection: z._default(
      z.strictObject({
        /** Credential hop window: same actor, another credential, a more sensitive environment. */
        hopWindowMinutes: z._default(integer(1, 24 * 60), 15),
        /** A credential needs this many days of sightings before a new source is an anomaly. */
        baselineDays: z._default(integer(1, 365), 7),
        /** How long history is kept (DynamoDB TTL). */
        historyDays: z._default(integer(1, 400), 90),
        /** Deleting what the same principal created within this window is routine. */
        recentCreationHours: z._default(integer(1, 24 * 30), 24),
        /** Destructive calls by one credential within this window count as a burst. */
        burstWindowMinutes: z._default(integer(1, 24 * 60), 5),
        burstThreshold: z._default(integer(2, 1000), 3),
        /** Names of Blastwall's own resources; changes to them are detector tamper. */
        ownResourcePrefix: z._default(text(1, 64), 'Blastwall'),
        /**
         * The team's own catalogue entries, in the catalogue's data shape (docs/detection.md). The
         * rule and suppression schemas (a third of the nodes) are built when a config has one.
         */
        rules: z._default(z.array(z.lazy(ruleSchema)).check(z.maxLength(500)), []),
        /** Time-bound, reasoned exceptions, applied before scoring; suppressed events are counted and listed. */
        suppressions: z._default(z.array(z.lazy(suppressionSchema)).check(z.maxLength(500)), []),
      }),
      {
        hopWindowMinutes: 15,
        baselineDays: 7,
        historyDays: 90,
        recentCreationHours: 24,
        burstWindowMinutes: 5,
        burstThreshold: 3,
        ownResourcePrefix: 'Blastwall',
        rules: [],
        suppressions: [],
      },
    ),
    response: z._default(
      z.strictObject({
        circuitBreaker: z._default(
          z.strictObject({
            maxRevocations: z._default(integer(0, 1000), 5),
            windowMinutes: z._default(integer(1, 24 * 60), 10),
          }),
          { maxRevocations: 5, windowMinutes: 10 },
        ),
        /** Name of the responder role the member stack deploys in every account. */
        responderRoleName: z._default(z.string().check(z.regex(/^[\w+=,.@-]{1,64}$/)), 'BlastwallResponder'),
        /** Lowest severity at which `enforce` revokes. */
        revokeAtSeverity: z._default(z.enum(SEVERITIES), 'high'),
      }),
      {
        circuitBreaker: { maxRevocations: 5, windowMinutes: 10 },
        responderRoleName: 'BlastwallResponder',
        revokeAtSeverity: 'high',
      },
    ),
    paging: z._default(
      z.strictObject({
        routes: z._default(z.array(routeSchema()), DEFAULT_ROUTES),
        /** Slack user ids allowed to press "Restore credential". */
        approvers: z._default(z.array(z.string().check(z.regex(/^[UW][A-Z0-9]{2,20}$/, 'must be a Slack user id such as U012ABCDEF'))), []),
        slackChannel: z.optional(text(1, 80)),
      }),
      { routes: DEFAULT_ROUTES, approvers: [] },
    ),
    /**
     * AWS Security Hub: every finding is imported (ASFF) into the central account's Security Hub,
     * updated as the response unfolds and resolved on restore. Off unless enabled: Security Hub must
     * be enabled in the central account and region first, or every import fails (docs/security-hub.md).
     */
    securityHub: z._default(z.strictObject({ enabled: z._default(z.boolean(), false) }), { enabled: false }),
    /** `blastwall audit` and the scheduled audit (docs: README "Before anything happens: audit"). */
    audit: z._default(
      z.strictObject({
        /** How many `sts:AssumeRole` hops a credential's reach follows. */
        maxChainDepth: z._default(integer(1, 8), 4),
        /** A principal or request tag whose presence (value `true`) an SCP or boundary may require before a destructive call: an approval gate. */
        approvalTagKey: z._default(z.string().check(z.regex(/^[\w+=,.@:/-]{1,128}$/)), 'approved'),
        /** Read-only role the member stack deploys in every account for the scheduled audit and the backup watchdog. */
        readerRoleName: z._default(z.string().check(z.regex(/^[\w+=,.@-]{1,64}$/)), 'BlastwallAuditReader'),
      }),
      { maxChainDepth: 4, approvalTagKey: 'approved', readerRoleName: 'BlastwallAuditReader' },
    ),
    /** The backup watchdog (hourly): the newest restorable copy of each protected resource in high-sensitivity environments. */
    backups: z._default(
      z.strictObject({
        /** A newest restorable recovery point older than this pages. */
        maxAgeHours: z._default(integer(1, 24 * 90), 26),
      }),
      { maxAgeHours: 26 },
    ),
    /** Read by the CDK app only. */
    deployment: z._default(
      z.strictObject({
        organizationId: z.optional(z.string().check(z.regex(/^o-[a-z0-9]{10,32}$/, 'must look like o-abc123defg'))),
        centralAccount: z.optional(accountId()),
        centralRegion: z.optional(region()),
        regions: z._default(z.array(region()), ['us-east-1']),
        alarmEmail: z.optional(z.string().check(z.email())),
        /** Minutes without a single event before the "blind detector" alarm fires. */
        silenceAlarmMinutes: z._default(integer(5, 24 * 60), 30),
        /** Where `detect` runs: in the central account (members forward every event) or in every member next to its own default bus (docs/deploy.md, "Topology"). */
        topology: z._default(z.enum(['central', 'member']), 'central'),
      }),
      { regions: ['us-east-1'], silenceAlarmMinutes: 30, topology: 'central' },
    ),
  })
  .check(
    z.superRefine((config, ctx) => {
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
    }),
  );

let builtConfigSchema: ReturnType<typeof buildConfigSchema> | undefined;
/** The schema, built once on first use. */
export const configSchema = () => (builtConfigSchema ??= buildConfigSchema());

let englishMessages: z.core.$ZodErrorMap | undefined;
/** Built on the first issue: a valid config never needs the messages. */
const englishError: z.core.$ZodErrorMap = (issue) => (englishMessages ??= english().localeError!)(issue);
/**
 * zod's English messages ("Too big: expected string to have <=64 characters"), which the classic
 * API registers globally and the mini build leaves to the caller: passed to each parse, so the
 * errors read exactly as before and nothing global changes.
 */
export const zodEnglish = (): { error: z.core.$ZodErrorMap } => ({ error: englishError });

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
  const result = configSchema().safeParse(value, zodEnglish());
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
    throw new ConfigError(`${source} is invalid:\n  - ${issues.join('\n  - ')}`, issues);
  }
  return result.data;
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
