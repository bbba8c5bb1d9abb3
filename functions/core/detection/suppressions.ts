/**
 * Suppressions: a team's time-bound, reasoned exceptions (`detection.suppressions`),
 * applied before scoring. A suppressed event still teaches the baseline (state is
 * updated as usual) but raises no finding; it is counted and listed — in the
 * replay summary, in the detect function's logs and metrics — never dropped
 * silently. A suppression applies while the event's time is before `expires`;
 * after that it stops applying, and `expiredSuppressions` reports it.
 *
 * Pure module: no I/O.
 */
import type { AuditEvent } from '../audit-event.ts';
import { compileGlob } from '../glob.ts';
import { baseEventName, type CatalogueMatch } from './catalogue.ts';
import type { Suppression } from './rules-schema.ts';

export interface SuppressionHit {
  /** Position in `detection.suppressions`. */
  index: number;
  reason: string;
  expires: string;
}

interface Compiled {
  index: number;
  source: Suppression;
  expiresMs: number;
  principal?: RegExp;
  action?: RegExp;
  resource?: RegExp;
  environment?: RegExp;
}

export interface SuppressionSet {
  readonly size: number;
  /** The first suppression that covers this event at its time, if any. */
  match(event: AuditEvent, match: CatalogueMatch | undefined): SuppressionHit | undefined;
}

export function compileSuppressions(list: readonly Suppression[]): SuppressionSet {
  const compiled: Compiled[] = list.map((source, index) => {
    const c: Compiled = { index, source, expiresMs: Date.parse(source.expires) };
    if (source.principal) c.principal = compileGlob(source.principal);
    if (source.action) c.action = compileGlob(source.action);
    if (source.resource) c.resource = compileGlob(source.resource);
    if (source.environment) c.environment = compileGlob(source.environment);
    return c;
  });
  return {
    size: compiled.length,
    match(event, match) {
      for (const c of compiled) {
        if (event.timeMs >= c.expiresMs) continue;
        if (c.environment && !c.environment.test(event.environment)) continue;
        if (c.action) {
          const name = baseEventName(event.action.name);
          if (!c.action.test(`${event.action.service}:${name}`) && !c.action.test(name)) continue;
        }
        if (c.principal) {
          const cred = event.credential;
          const names = [cred.arn, cred.issuerArn, cred.accessKeyId, cred.principalName];
          if (!names.some((n) => n !== undefined && c.principal!.test(n))) continue;
        }
        if (c.resource) {
          const names = [...event.resources.flatMap((r) => (r.arn ? [r.arn] : [])), ...(match?.targets.map((t) => t.name) ?? [])];
          if (!names.some((n) => c.resource!.test(n))) continue;
        }
        return { index: c.index, reason: c.source.reason, expires: c.source.expires };
      }
      return undefined;
    },
  };
}

/** Suppressions whose expiry has passed at `now`: they no longer apply; say so. */
export function expiredSuppressions(list: readonly Suppression[], now: Date): { index: number; reason: string; expires: string }[] {
  return list.flatMap((s, index) => (Date.parse(s.expires) <= now.getTime() ? [{ index, reason: s.reason, expires: s.expires }] : []));
}
