/**
 * A small AWS Security Hub stand-in speaking the REST-JSON protocol over loopback HTTP, for
 * end-to-end tests with the real @aws-sdk/client-securityhub.
 *
 * BatchImportFindings (`POST /findings/import`) creates a finding, or updates it when the
 * import's `UpdatedAt` is newer than the stored one (an import that is not newer is
 * ignored, as Security Hub does); it refuses findings missing a required attribute or over
 * a documented length, and findings whose `AwsAccountId` is not the signer's account on the
 * default product. BatchUpdateFindings (`PATCH /findings/batchupdate`) sets Workflow and Note
 * on existing findings. Faults (throttling, 5xx) are queued per operation.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, readBody, sendJson } from './loopback-http.ts';

export interface StoredFinding {
  finding: Record<string, any>;
  workflowStatus: 'NEW' | 'NOTIFIED' | 'RESOLVED' | 'SUPPRESSED';
  note?: { Text: string; UpdatedBy: string };
  /** Imports that changed it (created or updated). */
  versions: number;
}

export interface SecurityHubRequest {
  operation: 'BatchImportFindings' | 'BatchUpdateFindings' | 'Unknown';
  /** SigV4 region and service the request was signed for. */
  region?: string;
  service?: string;
  status: number;
  body: any;
}

export interface SecurityHubStandIn {
  endpoint: string;
  requests: SecurityHubRequest[];
  findings: Map<string, StoredFinding>;
  get(id: string): StoredFinding | undefined;
  /** The next `times` requests for `operation` fail with this HTTP status and error code. */
  fail(operation: SecurityHubRequest['operation'], fault: { status: number; code: string }, times?: number): void;
  /** Every request waits this long before answering (for the "never blocks paging" test). */
  delay(ms: number): void;
  /** Forget findings, requests and queued faults. */
  reset(): void;
  close(): Promise<void>;
}

const REQUIRED = ['SchemaVersion', 'Id', 'ProductArn', 'GeneratorId', 'AwsAccountId', 'Types', 'CreatedAt', 'UpdatedAt', 'Severity', 'Title', 'Description', 'Resources'];
const MAX: Record<string, number> = { Id: 512, GeneratorId: 512, Title: 256, Description: 1024 };

function validate(f: Record<string, any>, signerAccount: string | undefined): string | undefined {
  for (const key of REQUIRED) if (f[key] === undefined || f[key] === '') return `${key} is required`;
  for (const [key, max] of Object.entries(MAX)) if (typeof f[key] !== 'string' || f[key].length > max) return `${key} must be a string of at most ${max} characters`;
  if (!/^\d{12}$/.test(f.AwsAccountId)) return 'AwsAccountId must be 12 digits';
  if (!Array.isArray(f.Resources) || f.Resources.length < 1 || f.Resources.length > 32) return 'Resources must have 1 to 32 entries';
  if (!Array.isArray(f.Types) || f.Types.length < 1 || f.Types.length > 50) return 'Types must have 1 to 50 entries';
  if (!['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'].includes(f.Severity?.Label)) return 'Severity.Label is invalid';
  if (!Number.isFinite(Date.parse(f.CreatedAt)) || !Number.isFinite(Date.parse(f.UpdatedAt))) return 'CreatedAt and UpdatedAt must be timestamps';
  const m = /:securityhub:[^:]+:(\d{12}):product\/(\d{12})\/default$/.exec(f.ProductArn);
  if (m && (m[1] !== f.AwsAccountId || (signerAccount && signerAccount !== f.AwsAccountId))) return 'the default product imports findings of the calling account only';
  return undefined;
}

/** The stand-in maps access key ids to accounts: `AKIA` + the account id's digits, as the tests sign. */
function signer(req: IncomingMessage): { region?: string; service?: string; account?: string } {
  const m = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\//.exec(String(req.headers.authorization ?? ''));
  if (!m) return {};
  const account = /(\d{12})/.exec(m[1]!)?.[1];
  return { region: m[2], service: m[3], ...(account ? { account } : {}) };
}

export async function startSecurityHubStandIn(): Promise<SecurityHubStandIn> {
  const requests: SecurityHubRequest[] = [];
  const findings = new Map<string, StoredFinding>();
  const faults = new Map<string, Array<{ status: number; code: string }>>();
  let delayMs = 0;

  const reply = (res: ServerResponse, record: SecurityHubRequest, status: number, body: unknown, headers: Record<string, string> = {}) => {
    record.status = status;
    requests.push(record);
    sendJson(res, status, body, headers);
  };

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    const body = raw ? JSON.parse(raw) : {};
    const who = signer(req);
    const operation: SecurityHubRequest['operation'] =
      req.method === 'POST' && req.url?.startsWith('/findings/import') ? 'BatchImportFindings' : req.method === 'PATCH' && req.url?.startsWith('/findings/batchupdate') ? 'BatchUpdateFindings' : 'Unknown';
    const record: SecurityHubRequest = { operation, ...(who.region ? { region: who.region } : {}), ...(who.service ? { service: who.service } : {}), status: 0, body };
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    const fault = faults.get(operation)?.shift();
    if (fault) return reply(res, record, fault.status, { Code: fault.code, Message: `stand-in fault ${fault.code}` }, { 'x-amzn-errortype': fault.code });
    if (operation === 'BatchImportFindings') {
      const failed: Array<{ Id: string; ErrorCode: string; ErrorMessage: string }> = [];
      for (const f of body.Findings ?? []) {
        const problem = validate(f, who.account);
        if (problem) {
          failed.push({ Id: String(f.Id ?? ''), ErrorCode: 'InvalidInput', ErrorMessage: problem });
          continue;
        }
        const key = `${f.ProductArn}|${f.Id}`;
        const existing = findings.get(key);
        if (!existing) findings.set(key, { finding: f, workflowStatus: 'NEW', versions: 1 });
        else if (Date.parse(f.UpdatedAt) > Date.parse(existing.finding.UpdatedAt)) {
          existing.finding = f;
          existing.versions += 1;
        }
      }
      return reply(res, record, 200, { FailedCount: failed.length, SuccessCount: (body.Findings?.length ?? 0) - failed.length, FailedFindings: failed });
    }
    if (operation === 'BatchUpdateFindings') {
      const processed: unknown[] = [];
      const unprocessed: unknown[] = [];
      for (const ident of body.FindingIdentifiers ?? []) {
        const stored = findings.get(`${ident.ProductArn}|${ident.Id}`);
        if (!stored) {
          unprocessed.push({ FindingIdentifier: ident, ErrorCode: 'FindingNotFound', ErrorMessage: 'no such finding' });
          continue;
        }
        if (body.Workflow?.Status) stored.workflowStatus = body.Workflow.Status;
        if (body.Note) stored.note = body.Note;
        processed.push(ident);
      }
      return reply(res, record, 200, { ProcessedFindings: processed, UnprocessedFindings: unprocessed });
    }
    return reply(res, record, 404, { Code: 'UnknownOperation', Message: `${req.method} ${req.url}` }, { 'x-amzn-errortype': 'UnknownOperationException' });
  };

  const server = await listen((req, res) => {
    handler(req, res).catch((error) => sendJson(res, 500, { Code: 'InternalException', Message: String(error) }, { 'x-amzn-errortype': 'InternalException' }));
  });
  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    requests,
    findings,
    get: (id) => [...findings.values()].find((s) => s.finding.Id === id),
    fail(operation, fault, times = 1) {
      const queue = faults.get(operation) ?? [];
      for (let i = 0; i < times; i++) queue.push(fault);
      faults.set(operation, queue);
    },
    delay(ms) {
      delayMs = ms;
    },
    reset() {
      findings.clear();
      requests.length = 0;
      faults.clear();
      delayMs = 0;
    },
    close: () => server.close(),
  };
}
