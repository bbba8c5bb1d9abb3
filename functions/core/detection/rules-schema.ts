/**
 * The config's own detection data, validated with zod (its mini build): `detection.rules`
 * (catalogue entries in the catalogue's own shape) and `detection.suppressions`
 * (time-bound, reasoned exceptions). An error names the field.
 */
import * as z from 'zod/mini';
import { SEVERITIES } from '../audit-event.ts';
import type { Condition } from './conditions.ts';
import { CATEGORIES, SOURCE_KINDS } from './catalogue/types.ts';

// zod's mini build, as in functions/core/config.ts (same checks, same messages there). Built on
// first use (when a config is parsed), not at import: a cold start's import stays cheap.
const path = () =>
  z
  .string()
  .check(
    z.maxLength(256),
    z.regex(/^(requestParameters|responseElements|additionalEventData)(\.[A-Za-z0-9_@$-]+)*$/, 'must be a dotted path under requestParameters, responseElements or additionalEventData'),
  );
const scalar = () => z.union([z.string().check(z.maxLength(1024)), z.number(), z.boolean(), z.null()]);
const text = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));
const integer = (min: number, max: number) => z.number().check(z.int(), z.minimum(min), z.maximum(max));

/** Regular expressions from the config run on attacker-controlled text: bounded, and rejected when they do not compile. */
const regex = () =>
  z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(512),
    z.refine((source) => {
      try {
        new RegExp(source, 'i');
        return true;
      } catch {
        return false;
      }
    }, 'must be a valid regular expression'),
  );

const conditionList = () => z.array(conditionSchema()).check(z.minLength(1), z.maxLength(20));

let builtCondition: z.ZodMiniType<Condition> | undefined;
export const conditionSchema = (): z.ZodMiniType<Condition> =>
  (builtCondition ??= z.lazy(() =>
  z.union([
    z.strictObject({ param: path(), equals: scalar() }),
    z.strictObject({ param: path(), in: z.array(scalar()).check(z.maxLength(100)) }),
    z.strictObject({ param: path(), matches: regex() }),
    z.strictObject({ param: path(), exists: z.boolean() }),
    z.strictObject({ param: path(), empty: z.literal(true) }),
    z.strictObject({ param: path(), atLeast: z.number() }),
    z.strictObject({ param: path(), notCaller: z.literal(true) }),
    z.strictObject({ param: path(), foreignAccount: z.literal(true) }),
    z.strictObject({ all: conditionList() }),
    z.strictObject({ any: conditionList() }),
    z.strictObject({ not: conditionSchema() }),
  ]),
) as z.ZodMiniType<Condition>);

const severity = () => z.enum(SEVERITIES);
const category = () => z.enum(CATEGORIES);

export const ruleSchema = () =>
  z.strictObject({
    id: z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{0,80}$/, 'must be lower-case letters, digits, dots and dashes, e.g. "team.delete-ledger"')),
    eventSource: z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$/, 'must be a service host such as rds.amazonaws.com')),
    eventNames: z.array(z.string().check(z.regex(/^[A-Za-z0-9]{1,128}$/, 'must be an API name such as DeleteDBInstance'))).check(z.minLength(1), z.maxLength(50)),
    category: category(),
    severity: severity(),
    what: text(3, 300),
    sources: z
      .array(z.strictObject({ kind: z.enum(SOURCE_KINDS), ref: text(1, 300) }))
      .check(z.minLength(1, 'name at least one source (your runbook, an AWS page, a peer rule)')),
    when: z.optional(conditionSchema()),
    modifiers: z.optional(
      z
        .array(
          z.strictObject({
            when: conditionSchema(),
            severity: severity(),
            text: z.string().check(z.maxLength(200)),
            destroysBackups: z.optional(z.boolean()),
            category: z.optional(category()),
          }),
        )
        .check(z.maxLength(20)),
    ),
    destroysBackups: z.optional(z.boolean()),
    target: z.optional(z.strictObject({ type: text(1, 64), paths: z.array(path()).check(z.minLength(1), z.maxLength(10)) })),
    burst: z.optional(
      z.strictObject({ threshold: integer(2, 10_000), windowMinutes: integer(1, 24 * 60), countPath: z.optional(path()), noun: text(1, 60) }),
    ),
    humanOnly: z.optional(z.boolean()),
  });

const glob = () => text(1, 2048);

export const suppressionSchema = () =>
  z
  .strictObject({
    /** Glob on the principal: the credential's ARN, its issuer (role or user) ARN, its access key id or name. */
    principal: z.optional(glob()),
    /** Glob on the call: `service:EventName` (`secretsmanager:DeleteSecret`) or the event name. */
    action: z.optional(glob()),
    /** Glob on a resource the call names (an ARN in `resources`, or a target name). */
    resource: z.optional(glob()),
    /** Glob on the environment name. */
    environment: z.optional(glob()),
    /** Why this is not an incident, for the reader of the replay summary and the logs. */
    reason: z.string().check(z.minLength(10, 'say why in at least 10 characters'), z.maxLength(500)),
    /** ISO date or time after which the suppression stops applying (and is reported as expired). */
    expires: z
      .string()
      .check(
        z.refine((v) => /^\d{4}-\d{2}-\d{2}/.test(v) && Number.isFinite(Date.parse(v)), 'must be an ISO date such as 2027-03-31'),
        z.refine((v) => Date.parse(v) <= Date.UTC(2100, 0, 1), 'must be before 2100: every suppression ends'),
      ),
  })
  .check(
    z.refine((s) => s.principal !== undefined || s.action !== undefined || s.resource !== undefined || s.environment !== undefined, {
      message: 'name at least one of principal, action, resource, environment: a suppression of everything is not a suppression',
    }),
  );

export type RuleInput = z.input<ReturnType<typeof ruleSchema>>;
export type Suppression = z.output<ReturnType<typeof suppressionSchema>>;
