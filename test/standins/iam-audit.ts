/**
 * The read side of IAM and AWS Organizations the audit uses, over loopback, for the real
 * @aws-sdk/client-iam and @aws-sdk/client-organizations:
 *
 * - IAM (AWS Query, XML): GetAccountAuthorizationDetails in two pages (the second behind a
 *   `Marker`, so the paginator must follow it), GenerateCredentialReport (STARTED, then
 *   COMPLETE), GetCredentialReport, ListAccessKeys — per account, the account being the one
 *   whose test key signed the request (`AKIA<account>TEST`).
 * - Organizations (JSON 1.1): ListPolicies, DescribePolicy, ListTargetsForPolicy, ListParents.
 *
 * The data is the audit's crafted exports, served as the API serves them (policy documents
 * URL-encoded).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, readBody, sendJson } from './loopback-http.ts';
import { scopeOf, xmlEscape } from './aws-world.ts';

export interface IamAccountData {
  /** The `get-account-authorization-details` export (JSON, documents as objects). */
  details: Record<string, unknown[]>;
  /** The credential report CSV. */
  report?: string;
  accessKeys?: Record<string, string[]>;
}

export interface OrgData {
  policies: { PolicyId: string; Name: string; Content: string; Targets: { TargetId: string; Type: string; Name?: string }[] }[];
  /** child id → parent {Id, Type}. */
  parents: Record<string, { Id: string; Type: 'ROOT' | 'ORGANIZATIONAL_UNIT' }>;
}

const DOC_KEYS = new Set(['PolicyDocument', 'AssumeRolePolicyDocument', 'Document']);

/** JSON → IAM's XML: lists become <member> items, policy documents URL-encoded strings. */
function toXml(value: unknown, key?: string): string {
  if (key && DOC_KEYS.has(key) && typeof value === 'object') return encodeURIComponent(JSON.stringify(value));
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' && v !== null ? `<member>${toXml(v)}</member>` : `<member>${xmlEscape(String(v))}</member>`)).join('');
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `<${k}>${toXml(v, k)}</${k}>`)
      .join('');
  }
  return xmlEscape(String(value));
}

export async function startIamAuditStandIn(accounts: Record<string, IamAccountData>, org?: OrgData) {
  const calls: { service: string; action: string; account: string; params: Record<string, string> }[] = [];
  const reportState = new Map<string, number>();
  const server = await listen((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const body = await readBody(req);
      const scope = scopeOf(req);
      if (!scope) return sendJson(res, 403, { __type: 'UnrecognizedClientException' });
      if (scope.service === 'organizations') {
        const action = String(req.headers['x-amz-target'] ?? '').replace(/^AWSOrganizationsV20161128\./, '');
        const input = JSON.parse(body || '{}') as Record<string, string>;
        calls.push({ service: 'organizations', action, account: scope.account, params: input });
        if (!org) return sendJson(res, 400, { __type: 'AWSOrganizationsNotInUseException', Message: 'not in an organisation' }, { 'content-type': 'application/x-amz-json-1.1' });
        const p = org.policies.find((x) => x.PolicyId === input.PolicyId);
        switch (action) {
          case 'ListPolicies':
            return sendJson(res, 200, { Policies: org.policies.map((x) => ({ Id: x.PolicyId, Name: x.Name, Type: 'SERVICE_CONTROL_POLICY' })) });
          case 'DescribePolicy':
            return sendJson(res, 200, { Policy: { PolicySummary: { Id: p!.PolicyId, Name: p!.Name }, Content: p!.Content } });
          case 'ListTargetsForPolicy':
            return sendJson(res, 200, { Targets: p!.Targets });
          case 'ListParents':
            return sendJson(res, 200, { Parents: [org.parents[input.ChildId!] ?? { Id: 'r-abcd', Type: 'ROOT' }] });
          default:
            return sendJson(res, 400, { __type: 'UnknownOperationException', Message: action });
        }
      }
      const params = Object.fromEntries(new URLSearchParams(body));
      const action = params.Action ?? '';
      calls.push({ service: scope.service, action, account: scope.account, params });
      const data = accounts[scope.account];
      const reply = (inner: string) => {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(`<${action}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>standin</RequestId></ResponseMetadata></${action}Response>`);
      };
      if (!data) {
        res.writeHead(403, { 'content-type': 'text/xml' });
        return res.end(`<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no reader role in ${scope.account}</Message></Error><RequestId>standin</RequestId></ErrorResponse>`);
      }
      switch (action) {
        case 'GetAccountAuthorizationDetails': {
          const d = data.details;
          if (params.Marker === undefined) return reply(`${toXml({ UserDetailList: d.UserDetailList ?? [], GroupDetailList: d.GroupDetailList ?? [] })}<IsTruncated>true</IsTruncated><Marker>page-2</Marker>`);
          return reply(`${toXml({ RoleDetailList: d.RoleDetailList ?? [], Policies: d.Policies ?? [] })}<IsTruncated>false</IsTruncated>`);
        }
        case 'GenerateCredentialReport': {
          const n = (reportState.get(scope.account) ?? 0) + 1;
          reportState.set(scope.account, n);
          return reply(`<State>${n === 1 ? 'STARTED' : 'COMPLETE'}</State>`);
        }
        case 'GetCredentialReport':
          return reply(`<Content>${Buffer.from(data.report ?? 'user,arn,access_key_1_active,access_key_1_last_rotated,access_key_2_active\n').toString('base64')}</Content><ReportFormat>text/csv</ReportFormat><GeneratedTime>2026-06-01T00:00:00Z</GeneratedTime>`);
        case 'ListAccessKeys':
          return reply(
            `<AccessKeyMetadata>${(data.accessKeys?.[params.UserName ?? ''] ?? []).map((k) => `<member><UserName>${xmlEscape(params.UserName!)}</UserName><AccessKeyId>${k}</AccessKeyId><Status>Active</Status><CreateDate>2026-05-01T00:00:00Z</CreateDate></member>`).join('')}</AccessKeyMetadata><IsTruncated>false</IsTruncated>`,
          );
        default:
          res.writeHead(400, { 'content-type': 'text/xml' });
          return res.end(`<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>${xmlEscape(action)}</Message></Error><RequestId>standin</RequestId></ErrorResponse>`);
      }
    })().catch((error) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  return { endpoint: `http://127.0.0.1:${server.port}`, calls, close: server.close };
}
