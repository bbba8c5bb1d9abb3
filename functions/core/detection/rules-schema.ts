/**
 * The config's own detection data, validated with zod: `detection.rules`
 * (catalogue entries in the catalogue's own shape) and `detection.suppressions`
 * (time-bound, reasoned exceptions). An error names the field.
 */
import * as z from 'zod';
import { SEVERITIES } from '../audit-event.ts';
import type { Condition } from './conditions.ts';
import { CATEGORIES, SOURCE_KINDS } from './catalogue/types.ts';

// Built on first use (when a config is parsed), not at import: a cold start's import stays cheap.
const path = () =>
  z
  .string()
  .max(256)
  .regex(/^(requestParameters|responseElements|additionalEventData)(\.[A-Za-z0-9_@$-]+)*$/, 'must be a dotted path under requestParameters, responseElements or additionalEventData');
const scalar = () => z.union([z.string().max(1024), z.number(), z.boolean(), z.null()]);

/** Regular expressions from the config run on attacker-controlled text: bounded, and rejected when they do not compile. */
const regex = () =>
  z
  .string()
  .min(1)
  .max(512)
  .refine((source) => {
    try {
      new RegExp(source, 'i');
      return true;
    } catch {
      return false;
    }
  }, 'must be a valid regular expression');

let builtCondition: z.ZodType<Condition> | undefined;
export const conditionSchema = (): z.ZodType<Condition> =>
  (builtCondition ??= z.lazy(() =>
  z.union([
    z.object({ param: path(), equals: scalar() }).strict(),
    z.object({ param: path(), in: z.array(scalar()).max(100) }).strict(),
    z.object({ param: path(), matches: regex() }).strict(),
    z.object({ param: path(), exists: z.boolean() }).strict(),
    z.object({ param: path(), empty: z.literal(true) }).strict(),
    z.object({ param: path(), atLeast: z.number() }).strict(),
    z.object({ param: path(), notCaller: z.literal(true) }).strict(),
    z.object({ param: path(), foreignAccount: z.literal(true) }).strict(),
    z.object({ all: z.array(conditionSchema()).min(1).max(20) }).strict(),
    z.object({ any: z.array(conditionSchema()).min(1).max(20) }).strict(),
    z.object({ not: conditionSchema() }).strict(),
  ]),
) as z.ZodType<Condition>);

const severity = () => z.enum(SEVERITIES);
const category = () => z.enum(CATEGORIES);

export const ruleSchema = () =>
  z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,80}$/, 'must be lower-case letters, digits, dots and dashes, e.g. "team.delete-ledger"'),
    eventSource: z.string().regex(/^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$/, 'must be a service host such as rds.amazonaws.com'),
    eventNames: z.array(z.string().regex(/^[A-Za-z0-9]{1,128}$/, 'must be an API name such as DeleteDBInstance')).min(1).max(50),
    category: category(),
    severity: severity(),
    what: z.string().min(3).max(300),
    sources: z.array(z.object({ kind: z.enum(SOURCE_KINDS), ref: z.string().min(1).max(300) }).strict()).min(1, 'name at least one source (your runbook, an AWS page, a peer rule)'),
    when: conditionSchema().optional(),
    modifiers: z
      .array(z.object({ when: conditionSchema(), severity: severity(), text: z.string().max(200), destroysBackups: z.boolean().optional(), category: category().optional() }).strict())
      .max(20)
      .optional(),
    destroysBackups: z.boolean().optional(),
    target: z.object({ type: z.string().min(1).max(64), paths: z.array(path()).min(1).max(10) }).strict().optional(),
    burst: z
      .object({ threshold: z.number().int().min(2).max(10_000), windowMinutes: z.number().int().min(1).max(24 * 60), countPath: path().optional(), noun: z.string().min(1).max(60) })
      .strict()
      .optional(),
    humanOnly: z.boolean().optional(),
  })
  .strict();

const glob = () => z.string().min(1).max(2048);

export const suppressionSchema = () =>
  z
  .object({
    /** Glob on the principal: the credential's ARN, its issuer (role or user) ARN, its access key id or name. */
    principal: glob().optional(),
    /** Glob on the call: `service:EventName` (`secretsmanager:DeleteSecret`) or the event name. */
    action: glob().optional(),
    /** Glob on a resource the call names (an ARN in `resources`, or a target name). */
    resource: glob().optional(),
    /** Glob on the environment name. */
    environment: glob().optional(),
    /** Why this is not an incident, for the reader of the replay summary and the logs. */
    reason: z.string().min(10, 'say why in at least 10 characters').max(500),
    /** ISO date or time after which the suppression stops applying (and is reported as expired). */
    expires: z
      .string()
      .refine((v) => /^\d{4}-\d{2}-\d{2}/.test(v) && Number.isFinite(Date.parse(v)), 'must be an ISO date such as 2027-03-31')
      .refine((v) => Date.parse(v) <= Date.UTC(2100, 0, 1), 'must be before 2100: every suppression ends'),
  })
  .strict()
  .refine((s) => s.principal !== undefined || s.action !== undefined || s.resource !== undefined || s.environment !== undefined, {
    message: 'name at least one of principal, action, resource, environment: a suppression of everything is not a suppression',
  });

export type RuleInput = z.input<ReturnType<typeof ruleSchema>>;
export type Suppression = z.output<ReturnType<typeof suppressionSchema>>;
