/**
 * Protected principals: never revoked. Those in config, Blastwall's own roles
 * (`BLASTWALL_OWN_ROLE_ARNS`) and, always, the responder role in every account.
 */
import type { BlastwallConfig } from '../config.ts';
import { compileGlob } from '../glob.ts';

/** Assumed-role session ARN → the role ARN it belongs to (so role globs match sessions). */
export function roleArnOfSession(arn: string): string | undefined {
  const m = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(arn);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : undefined;
}

/** Returns a matcher: the reason an ARN is protected, or undefined. */
export function protectedMatcher(config: BlastwallConfig, ownRoleArns: readonly string[]): (arn: string | undefined) => string | undefined {
  const responder = config.response.responderRoleName;
  const entries: { re: RegExp; why: string }[] = [
    ...config.protectedPrincipals.map((p) => ({ re: compileGlob(p), why: `protected principal (protectedPrincipals: ${p})` })),
    ...ownRoleArns.map((p) => ({ re: compileGlob(p), why: `Blastwall's own role (${p})` })),
    { re: compileGlob(`arn:*:iam::*:role/${responder}`), why: `Blastwall's own responder role (${responder})` },
    { re: compileGlob(`arn:*:iam::*:role/*/${responder}`), why: `Blastwall's own responder role (${responder})` },
  ];
  return (arn) => {
    if (!arn) return undefined;
    const candidates = [arn];
    const role = roleArnOfSession(arn);
    if (role) candidates.push(role);
    for (const candidate of candidates) {
      const hit = entries.find((e) => e.re.test(candidate));
      if (hit) return `${arn} is a ${hit.why}`;
    }
    return undefined;
  };
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
