/**
 * Every account under an organisational unit, at any depth: ListAccountsForParent and
 * ListOrganizationalUnitsForParent with the SDK's paginators (each page's NextToken followed),
 * breadth first. Organizations nests OUs at most five levels below the root, so the depth is
 * bounded by the service; the walk still stops at a depth of 5 and at `maxOus` OUs, and never
 * visits an OU twice, so a misbehaving endpoint cannot make it run away.
 *
 * Runs with the org-sync function's own role: organizations:ListAccountsForParent and
 * organizations:ListOrganizationalUnitsForParent, nothing else. Organizations answers these only
 * in the management account or a delegated administrator account (docs/deploy.md).
 */
import { OrganizationsClient, paginateListAccountsForParent, paginateListOrganizationalUnitsForParent } from '@aws-sdk/client-organizations';

export const OU_WALK_LIMITS = { maxDepth: 5, maxOus: 2_000, pageSize: 20 } as const;

/** [account id, depth below `ou`] of every account under it (0: a direct child). */
export async function walkOrganizationalUnit(client: OrganizationsClient, ou: string, limits: { maxDepth?: number; maxOus?: number; pageSize?: number } = {}): Promise<Array<[string, number]>> {
  const { maxDepth, maxOus, pageSize } = { ...OU_WALK_LIMITS, ...limits };
  const accounts: Array<[string, number]> = [];
  const seenAccounts = new Set<string>();
  const visited = new Set<string>([ou]);
  const queue: Array<{ id: string; depth: number }> = [{ id: ou, depth: 0 }];
  while (queue.length > 0) {
    const { id, depth } = queue.shift()!;
    for await (const page of paginateListAccountsForParent({ client, pageSize }, { ParentId: id })) {
      for (const account of page.Accounts ?? []) {
        if (!account.Id || !/^\d{12}$/.test(account.Id) || seenAccounts.has(account.Id)) continue;
        seenAccounts.add(account.Id);
        accounts.push([account.Id, depth]);
      }
    }
    if (depth >= maxDepth) continue;
    for await (const page of paginateListOrganizationalUnitsForParent({ client, pageSize }, { ParentId: id })) {
      for (const child of page.OrganizationalUnits ?? []) {
        if (!child.Id || visited.has(child.Id)) continue;
        if (visited.size >= maxOus) throw new Error(`organisational unit ${ou} has more than ${maxOus} OUs below it; not walking further`);
        visited.add(child.Id);
        queue.push({ id: child.Id, depth: depth + 1 });
      }
    }
  }
  return accounts;
}
