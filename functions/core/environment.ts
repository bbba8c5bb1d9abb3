/**
 * Environment resolution: which environment an account (and, for shared
 * accounts, a resource ARN) belongs to, and how sensitive it is.
 */
import type { BlastwallConfig, EnvironmentConfig, ResponseMode } from './config.ts';
import { UNKNOWN_ENVIRONMENT } from './config-schema.ts';
import { compileGlobs } from './glob.ts';

/** `unknown`: an account not listed in the config (treated per `unknownEnvironment`). */
export type Sensitivity = 'low' | 'high' | 'unknown';

export interface EnvironmentResolver {
  /** Environment of an account; `unknown` when the account is not listed. */
  forAccount(accountId: string | undefined): string;
  /** Environment of a call: a resource pattern match wins over the account. */
  forCall(accountId: string | undefined, resourceArns: readonly string[]): string;
  sensitivity(environment: string): Sensitivity;
  /** Numeric rank for "more sensitive than": low 0 < unknown 1 < high 2. */
  sensitivityRank(environment: string): number;
  config(environment: string): EnvironmentConfig | undefined;
  /** Response mode of an environment; accounts not listed use `unknownEnvironment.response`. */
  mode(environment: string): ResponseMode;
}

// An unlisted account ranks between low and high: a hop into it is suspicious, but less than into production.
const RANK: Record<Sensitivity, number> = { low: 0, unknown: 1, high: 2 };

export interface EnvironmentResolverOptions {
  /**
   * Accounts placed by organisational unit (`environments[].organizationalUnits`): account →
   * environment name, from the org-sync cache (functions/core/organization.ts). A function is
   * asked on every lookup, so a refreshed cache applies at once to a resolver already handed
   * out. Accounts listed in the config win; a name the config does not have is ignored.
   */
  ouAccounts?: ReadonlyMap<string, string> | (() => ReadonlyMap<string, string>);
}

export function createEnvironmentResolver(config: BlastwallConfig, options: EnvironmentResolverOptions = {}): EnvironmentResolver {
  const byAccount = new Map<string, EnvironmentConfig>();
  const byName = new Map<string, EnvironmentConfig>();
  for (const env of config.environments) {
    byName.set(env.name, env);
    for (const account of env.accounts) byAccount.set(account, env);
  }
  const patternMatchers = config.environments
    .filter((env) => env.resourcePatterns.length > 0)
    .map((env) => ({ name: env.name, matches: compileGlobs(env.resourcePatterns) }));

  const { ouAccounts } = options;
  const fromOus = (accountId: string): string | undefined => {
    if (!ouAccounts) return undefined;
    const name = (typeof ouAccounts === 'function' ? ouAccounts() : ouAccounts).get(accountId);
    return name !== undefined && byName.has(name) ? name : undefined;
  };

  const forAccount = (accountId: string | undefined): string =>
    (accountId !== undefined && (byAccount.get(accountId)?.name ?? fromOus(accountId))) || UNKNOWN_ENVIRONMENT;

  return {
    forAccount,
    forCall(accountId, resourceArns) {
      for (const matcher of patternMatchers) {
        if (resourceArns.some((arn) => matcher.matches(arn))) return matcher.name;
      }
      return forAccount(accountId);
    },
    sensitivity(environment) {
      return byName.get(environment)?.sensitivity ?? 'unknown';
    },
    sensitivityRank(environment) {
      return RANK[byName.get(environment)?.sensitivity ?? 'unknown'];
    },
    mode(environment) {
      return byName.get(environment)?.response ?? config.unknownEnvironment.response;
    },
    config(environment) {
      return byName.get(environment);
    },
  };
}
