/**
 * Protected principals: never revoked. Those in config (`protectedPrincipals` globs), and
 * Blastwall's own roles by exact ARN — computed from the config by own-principals.ts, the
 * same list the stacks create and the member responder's deny protects — plus any exact
 * ARNs the deployment passes (`BLASTWALL_OWN_ROLE_ARNS`). No name glob: a role an
 * attacker names `Blastwall-anything` is revoked like any other.
 */
import type { BlastwallConfig } from '../config.ts';
import { compileGlob } from '../glob.ts';
import { matchOwnRole, ownRoles, type OwnRole } from './own-principals.ts';

/** Assumed-role session ARN → the role ARN it belongs to (so role globs match sessions). */
export function roleArnOfSession(arn: string): string | undefined {
  const m = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(arn);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : undefined;
}

type Matcher = (arn: string | undefined) => string | undefined;

/**
 * Matchers already compiled, per config object and list of passed ARNs: a response is planned
 * for every finding, and compiling the globs and own roles each time was most of its cost
 * (issue 13's profile). A config object is never changed after parsing; a new one compiles anew.
 */
const compiled = new WeakMap<BlastwallConfig, Map<string, Matcher>>();

/** Returns a matcher: the reason an ARN is protected, or undefined. */
export function protectedMatcher(config: BlastwallConfig, ownRoleArns: readonly string[]): Matcher {
  let byArns = compiled.get(config);
  if (!byArns) compiled.set(config, (byArns = new Map()));
  const key = ownRoleArns.join('\n');
  let matcher = byArns.get(key);
  if (!matcher) byArns.set(key, (matcher = compileMatcher(config, ownRoleArns)));
  return matcher;
}

function compileMatcher(config: BlastwallConfig, ownRoleArns: readonly string[]): Matcher {
  const own = ownRoles(config);
  const passed = ownRoleArns.map(ownRoleOfArn).filter((r): r is OwnRole => r !== undefined);
  const entries: { re: RegExp; why: string }[] = config.protectedPrincipals.map((p) => ({ re: compileGlob(p), why: `protected principal (protectedPrincipals: ${p})` }));
  return (arn) => {
    if (!arn) return undefined;
    const candidates = [arn];
    const role = roleArnOfSession(arn);
    if (role) candidates.push(role);
    for (const candidate of candidates) {
      const mine = matchOwnRole(own, candidate);
      if (mine) return `${arn} is Blastwall's own ${mine.kind === 'responder' ? 'responder role' : mine.kind === 'forwarder' ? 'forwarder role' : 'function role'} (${mine.name})`;
      const listed = matchOwnRole(passed, candidate);
      if (listed) return `${arn} is Blastwall's own role (${listed.name}, BLASTWALL_OWN_ROLE_ARNS)`;
      const hit = entries.find((e) => e.re.test(candidate));
      if (hit) return `${arn} is a ${hit.why}`;
    }
    return undefined;
  };
}

const OWN_ROLE_ARN = /^arn:[\w-]+:iam::(\d{12}|\*):role\/([\w+=,.@-]{1,64})$/;

/** An exact role ARN (the account may be `*`) as an own role; undefined for anything else (a name glob protects nothing). */
function ownRoleOfArn(arn: string): OwnRole | undefined {
  const m = OWN_ROLE_ARN.exec(arn);
  return m ? { kind: 'central-function', account: m[1]!, name: m[2]! } : undefined;
}

/** Parses `BLASTWALL_OWN_ROLE_ARNS`: a JSON array or a comma-separated list. */
export function parseOwnRoleArns(value: string | undefined): string[] {
  if (!value || !value.trim()) return [];
  const text = value.trim();
  if (text.startsWith('[')) {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'string')) throw new Error('BLASTWALL_OWN_ROLE_ARNS must be a JSON array of strings');
    return parsed.map((s) => s.trim()).filter(Boolean);
  }
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

/** The entries of `BLASTWALL_OWN_ROLE_ARNS` that are not exact role ARNs (they protect nothing). */
export function inexactOwnRoleArns(arns: readonly string[]): string[] {
  return arns.filter((a) => !OWN_ROLE_ARN.test(a));
}
