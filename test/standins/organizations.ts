/**
 * AWS Organizations stand-in on loopback (JSON 1.1, `X-Amz-Target: AWSOrganizationsV20161128.*`),
 * for the real @aws-sdk/client-organizations: the tree walk org-sync makes.
 *
 * - ListAccountsForParent, ListOrganizationalUnitsForParent: the children of a root or OU, in
 *   pages of at most `pageSize` (default 2, whatever MaxResults asks) behind an opaque NextToken,
 *   so a client that does not follow NextToken misses accounts.
 * - `emptyFirstPage`: the first page of every List call is empty but carries a NextToken, which
 *   Organizations documents it may do ("check NextToken even on an empty result set").
 * - Only the management account (`managementAccount`, by the signing test key `AKIA<account>TEST`)
 *   may call; any other gets AccessDeniedException, as Organizations answers a member account.
 * - An unknown parent id gets ParentNotFoundException.
 * - `createAccount` / `moveAccount` / `removeAccount` change the tree while it runs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, readBody, sendJson } from './loopback-http.ts';
import { scopeOf } from './aws-world.ts';

export interface OrgTree {
  rootId: string;
  /** OU id → parent id (the root or another OU), and its name. */
  ous: Record<string, { parent: string; name: string }>;
  /** Account id → parent id. */
  accounts: Record<string, string>;
}

const JSON11 = { 'content-type': 'application/x-amz-json-1.1' };

export async function startOrganizationsStandIn(tree: OrgTree, options: { managementAccount: string; pageSize?: number; emptyFirstPage?: boolean }) {
  const pageSize = options.pageSize ?? 2;
  const calls: { action: string; account: string; input: Record<string, unknown> }[] = [];
  const isParent = (id: string) => id === tree.rootId || id in tree.ous;
  const page = <T>(items: T[], input: Record<string, unknown>): { items: T[]; next?: string } => {
    if (options.emptyFirstPage && input.NextToken === undefined) return { items: [], next: Buffer.from('offset:0').toString('base64url') };
    const offset = typeof input.NextToken === 'string' ? Number(Buffer.from(input.NextToken, 'base64url').toString('utf8').replace(/^offset:/, '')) : 0;
    const size = Math.min(pageSize, typeof input.MaxResults === 'number' ? input.MaxResults : pageSize);
    const slice = items.slice(offset, offset + size);
    return offset + size < items.length ? { items: slice, next: Buffer.from(`offset:${offset + size}`).toString('base64url') } : { items: slice };
  };

  const server = await listen((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const body = await readBody(req);
      const scope = scopeOf(req);
      if (!scope || scope.service !== 'organizations') return sendJson(res, 403, { __type: 'UnrecognizedClientException', Message: 'unsigned or not organizations' }, JSON11);
      const action = String(req.headers['x-amz-target'] ?? '').replace(/^AWSOrganizationsV20161128\./, '');
      const input = JSON.parse(body || '{}') as Record<string, unknown>;
      calls.push({ action, account: scope.account, input });
      if (scope.account !== options.managementAccount) {
        return sendJson(res, 400, { __type: 'AccessDeniedException', Message: 'You don’t have permissions to access this resource.' }, JSON11);
      }
      const parent = String(input.ParentId ?? '');
      if ((action === 'ListAccountsForParent' || action === 'ListOrganizationalUnitsForParent') && !isParent(parent)) {
        return sendJson(res, 400, { __type: 'ParentNotFoundException', Message: `We can't find a root or OU with the ParentId that you specified: ${parent}` }, JSON11);
      }
      switch (action) {
        case 'ListAccountsForParent': {
          const ids = Object.entries(tree.accounts).filter(([, p]) => p === parent).map(([id]) => id).sort();
          const { items, next } = page(ids, input);
          return sendJson(
            res,
            200,
            { Accounts: items.map((Id) => ({ Id, Arn: `arn:aws:organizations::${options.managementAccount}:account/o-standin/${Id}`, Name: `account-${Id}`, Email: `${Id}@example.com`, Status: 'ACTIVE' })), ...(next ? { NextToken: next } : {}) },
            JSON11,
          );
        }
        case 'ListOrganizationalUnitsForParent': {
          const ids = Object.entries(tree.ous).filter(([, ou]) => ou.parent === parent).map(([id]) => id).sort();
          const { items, next } = page(ids, input);
          return sendJson(res, 200, { OrganizationalUnits: items.map((Id) => ({ Id, Name: tree.ous[Id]!.name, Arn: `arn:aws:organizations::${options.managementAccount}:ou/o-standin/${Id}` })), ...(next ? { NextToken: next } : {}) }, JSON11);
        }
        default:
          return sendJson(res, 400, { __type: 'UnknownOperationException', Message: action }, JSON11);
      }
    })();
  });

  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    calls,
    /** CreateAccount that completed, with the account placed in `parent` (as Control Tower's Account Factory does). */
    createAccount(id: string, parent: string) {
      tree.accounts[id] = parent;
    },
    moveAccount(id: string, parent: string) {
      tree.accounts[id] = parent;
    },
    removeAccount(id: string) {
      delete tree.accounts[id];
    },
    close: server.close,
  };
}
