/**
 * Environments by organisational unit (`environments[].organizationalUnits`).
 *
 * The org-sync function walks each configured OU with the Organizations API and writes what it
 * found — each configured OU's accounts at any depth, with how deep — as one item of the state
 * table (`ORG#OU-ACCOUNTS`). It stores membership facts, not environments: which environment an
 * OU belongs to stays the config's decision, so a config change applies without a new walk.
 * detect reads that item at cold start and keeps it fresh (`OrganizationAccounts`).
 *
 * Precedence, in plain words: an account listed in `accounts` of any environment wins; else the
 * nearest configured OU above the account wins (a `dev` OU nested inside a `production` OU keeps
 * its accounts in `dev`); else the account is `unknown`.
 *
 * Pure: no AWS SDK (the walk and the item live in functions/adapters/organizations-*.ts).
 */
import * as z from 'zod/mini';
import { zodEnglish, type BlastwallConfig } from './config-schema.ts';

/** Partition key (and sort key) of the one cache item. Only org-sync writes it; only detect reads it. */
export const ORG_CACHE_KEY = 'ORG#OU-ACCOUNTS';

// Built on first use (the first cache read), not at import; zod's mini build, as the config's schema.
const buildMembershipSchema = () =>
  z.strictObject({
    /** When the walk that produced it started (ISO 8601): a slower, older walk never overwrites a newer one. */
    syncedAt: z.string().check(z.iso.datetime()),
    /** Configured OU → [account, depth below that OU (0: a direct child)]. */
    ous: z.record(
      z.string().check(z.regex(/^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/)),
      z.array(z.tuple([z.string().check(z.regex(/^\d{12}$/)), z.number().check(z.int(), z.minimum(0), z.maximum(5))])),
    ),
  });

let builtMembershipSchema: ReturnType<typeof buildMembershipSchema> | undefined;

export type OuMembership = z.output<ReturnType<typeof buildMembershipSchema>>;

/** Validates a cached item's payload; `undefined` (with the reason) when it is not one. */
export function parseOuMembership(value: unknown): { ok: true; membership: OuMembership } | { ok: false; reason: string } {
  const result = (builtMembershipSchema ??= buildMembershipSchema()).safeParse(value, zodEnglish());
  if (result.success) return { ok: true, membership: result.data };
  return { ok: false, reason: result.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
}

/** Every OU the config names, once. */
export function configuredOus(config: BlastwallConfig): string[] {
  return [...new Set(config.environments.flatMap((env) => env.organizationalUnits))];
}

/** account → environment name, by the precedence above. */
export function accountEnvironmentsFromOus(config: BlastwallConfig, membership: OuMembership | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!membership) return out;
  const listed = new Set(config.environments.flatMap((env) => env.accounts));
  const depthOf = new Map<string, number>();
  for (const env of config.environments) {
    for (const ou of env.organizationalUnits) {
      for (const [account, depth] of membership.ous[ou] ?? []) {
        if (listed.has(account)) continue;
        const best = depthOf.get(account);
        if (best !== undefined && best <= depth) continue;
        depthOf.set(account, depth);
        out.set(account, env.name);
      }
    }
  }
  return out;
}

export interface OrganizationAccountsOptions {
  config: BlastwallConfig;
  /** Reads the cached item (undefined: org-sync has not written it yet). */
  load(): Promise<OuMembership | undefined>;
  /** A loaded map older than this is reloaded before the next event. Default 5 minutes. */
  refreshMs?: number;
  /** An event from an account the map does not know reloads it, at most this often (all accounts together). Default 1 minute. */
  unknownRefreshMs?: number;
  log?: { warn(message: string, detail?: Record<string, unknown>): void };
}

export const ORG_REFRESH_MS = 5 * 60_000;
export const ORG_UNKNOWN_REFRESH_MS = 60_000;

/**
 * detect's (and respond's) view of the cache: loaded on the first event (the cold start), reloaded
 * when older than `refreshMs`, and once per `unknownRefreshMs` when an event comes from an account
 * nobody placed — so a new account in a production OU is production from its first event even when
 * that event beats the next scheduled reload. The bound is global, not per account: a flood of
 * events naming made-up accounts costs at most one read a minute.
 *
 * A read that fails never fails the event: the map it has (empty at a cold start) stays, the
 * failure is logged, and the read is tried again a minute later. Detection must not stop because
 * the cache cannot be read — e.g. OUs added to the config through AppConfig alone, before the
 * `cdk deploy` that grants the read — and an unplaced account is `unknown`, which is treated as
 * sensitive (unknownEnvironment), not as harmless.
 */
export class OrganizationAccounts {
  private map: Map<string, string> = new Map();
  private loadedAt: number | undefined;
  private unknownRefreshAt = Number.NEGATIVE_INFINITY;
  private readonly listed: Set<string>;
  readonly enabled: boolean;
  /** How many times the item was read (for tests and logs). */
  loads = 0;
  syncedAt: string | undefined;

  constructor(private readonly options: OrganizationAccountsOptions) {
    this.enabled = configuredOus(options.config).length > 0;
    this.listed = new Set(options.config.environments.flatMap((env) => env.accounts));
  }

  /** account → environment; what the resolver asks on every lookup. */
  readonly current = (): ReadonlyMap<string, string> => this.map;

  private async reload(now: Date): Promise<void> {
    this.loads++;
    const membership = await this.options.load();
    this.map = accountEnvironmentsFromOus(this.options.config, membership);
    this.syncedAt = membership?.syncedAt;
    this.loadedAt = now.getTime();
    if (!membership) this.options.log?.warn('organisational-unit cache not written yet (org-sync has not run): OU accounts resolve as unknown', {});
  }

  /** Loads on first use, reloads when stale. */
  async ensureFresh(now: Date): Promise<void> {
    if (!this.enabled) return;
    if (this.loadedAt !== undefined && now.getTime() - this.loadedAt < (this.options.refreshMs ?? ORG_REFRESH_MS)) return;
    await this.reloadKeepingOld(now);
  }

  /**
   * Called with the accounts of an event that resolved to no environment: reloads (bounded) when one
   * of them is neither listed in the config nor known from the cache. True when the reload placed one.
   */
  async refreshForUnknown(accounts: readonly (string | undefined)[], now: Date): Promise<boolean> {
    if (!this.enabled) return false;
    const unknown = accounts.filter((a): a is string => a !== undefined && /^\d{12}$/.test(a) && !this.listed.has(a) && !this.map.has(a));
    if (unknown.length === 0) return false;
    const t = now.getTime();
    if (t - this.unknownRefreshAt < (this.options.unknownRefreshMs ?? ORG_UNKNOWN_REFRESH_MS) && t >= this.unknownRefreshAt) return false;
    this.unknownRefreshAt = t;
    await this.reloadKeepingOld(now);
    return unknown.some((a) => this.map.has(a));
  }

  private async reloadKeepingOld(now: Date): Promise<void> {
    try {
      await this.reload(now);
    } catch (error) {
      // The last map (empty at a cold start) still holds; tried again after unknownRefreshMs, not refreshMs.
      const refreshMs = this.options.refreshMs ?? ORG_REFRESH_MS;
      this.loadedAt = now.getTime() - refreshMs + Math.min(refreshMs, this.options.unknownRefreshMs ?? ORG_UNKNOWN_REFRESH_MS);
      this.options.log?.warn('organisational-unit cache read failed; keeping the last one (OU accounts it lacks resolve as unknown)', {
        error: error instanceof Error ? error.message : String(error),
        syncedAt: this.syncedAt ?? 'never read',
      });
    }
  }
}
