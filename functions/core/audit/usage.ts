/**
 * "Used by": where the detector saw each credential, from its state (the `CRED#` principal
 * histories: source network and user-agent family per principal key).
 *
 * The offline form is a JSON file of principal histories: `{"principals": [...]}`, a JSON
 * array, or JSON lines, each item a `PrincipalState` (`key`, `sources`) as the embedded
 * store of a replay or backtest holds it. The live form reads the deployed table
 * (functions/adapters/audit-usage-dynamo.ts) for exactly the keys the audit asks about.
 *
 * Pure module.
 */
import type { PrincipalState } from '../detection/state-store.ts';
import type { UsageSighting } from './evaluate.ts';

export class UsageInputError extends Error {
  override name = 'UsageInputError';
}

function sighting(item: unknown): UsageSighting | undefined {
  const o = item as Partial<PrincipalState> | null;
  if (typeof o !== 'object' || o === null || typeof o.key !== 'string' || !Array.isArray(o.sources)) return undefined;
  const sources = o.sources
    .filter((s) => typeof s?.network === 'string' && typeof s?.family === 'string')
    .slice(0, 100)
    .map((s) => ({ network: s.network, family: s.family, lastSeen: typeof s.lastSeen === 'number' ? s.lastSeen : 0 }));
  return { principalKey: o.key, sources };
}

export function usageFromPrincipals(items: readonly unknown[]): UsageSighting[] {
  return items.map(sighting).filter((s): s is UsageSighting => s !== undefined);
}

export function parseUsageFile(text: string, source: string): UsageSighting[] {
  const trimmed = text.trim();
  let items: unknown[];
  try {
    if (trimmed.startsWith('[')) items = JSON.parse(trimmed) as unknown[];
    else if (trimmed.startsWith('{') && !trimmed.includes('\n{')) {
      const o = JSON.parse(trimmed) as { principals?: unknown };
      items = Array.isArray(o.principals) ? o.principals : [o];
    } else items = trimmed.split(/\r?\n/).filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
  } catch (error) {
    throw new UsageInputError(`${source}: not JSON, a JSON array or JSON lines (${(error as Error).message})`);
  }
  const usage = usageFromPrincipals(items);
  if (usage.length === 0) throw new UsageInputError(`${source}: no principal history in it (items with "key" and "sources", as the detector's state stores them)`);
  return usage;
}

/** The detector's principal keys for what the audit asks about. */
export function principalKeysFor(accessKeys: ReadonlyMap<string, readonly string[]>, roleArns: readonly string[]): string[] {
  return [...[...accessKeys.values()].flat().map((k) => `key:${k}`), ...roleArns.map((arn) => `role:${arn}`)];
}
