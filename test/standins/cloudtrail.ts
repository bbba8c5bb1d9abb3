/**
 * A CloudTrail stand-in on loopback HTTP for end-to-end tests with the real
 * @aws-sdk/client-cloudtrail (AWS JSON 1.1: `X-Amz-Target: CloudTrail_20131101.<Op>`),
 * plus the two STS calls a history reader makes (`GetCallerIdentity`, `AssumeRole`,
 * AWS Query protocol) so that requests are routed to accounts by the key that signed them.
 *
 * - `LookupEvents`: the records of the signer's account in the region of the request's
 *   SigV4 scope, between StartTime and EndTime (both inclusive, epoch seconds), newest
 *   first, at most MaxResults (≤ 50) a page, `NextToken` opaque; `Events[].CloudTrailEvent`
 *   is the record as a string and `EventTime` epoch seconds. LookupAttributes: AccessKeyId,
 *   EventName, EventSource, EventId, ReadOnly, Username.
 * - Faults: `throttle(n)` answers the next n LookupEvents with `ThrottlingException` (HTTP 400);
 *   `breakAfter(n)` lets n more succeed, then answers every one with `AccessDeniedException`,
 *   as a run killed mid-way would stop.
 * - CloudTrail Lake: `StartQuery` (the window is read from the `eventTime >= '…' AND
 *   eventTime <= '…'` of the statement) and `GetQueryResults` (RUNNING once, then the
 *   organisation's records oldest first as `[{eventJson}]` rows, 1000 a page).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { listen, readBody, sendJson } from './loopback-http.ts';

export type StoredRecord = Record<string, unknown> & { eventID: string; eventTime: string; recipientAccountId: string; awsRegion: string };

export interface LookupRequest {
  account: string | undefined;
  region: string;
  body: Record<string, unknown>;
  status: number;
  returned: number;
}

export interface CloudTrailStandIn {
  endpoint: string;
  /** Records CloudTrail holds (routed by recipientAccountId and awsRegion). */
  add(records: readonly StoredRecord[]): void;
  /** Forget every record. */
  clear(): void;
  /** A static access key of `account` (the ambient credentials). */
  addKey(accessKeyId: string, account: string): void;
  /** A role that AssumeRole may enter. */
  addRole(account: string, roleName: string): void;
  throttle(times: number): void;
  breakAfter(successes: number): void;
  /** Heals `breakAfter`. */
  heal(): void;
  lookups: LookupRequest[];
  assumedRoles: string[];
  /** Lake queries started (statements). */
  lakeQueries: string[];
  close(): Promise<void>;
}

const TARGET = 'CloudTrail_20131101.';
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

class Fault extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startCloudTrailStandIn(): Promise<CloudTrailStandIn> {
  const byUnit = new Map<string, StoredRecord[]>();
  const all: StoredRecord[] = [];
  const keys = new Map<string, string>();
  const roles = new Set<string>();
  const lookups: LookupRequest[] = [];
  const assumedRoles: string[] = [];
  const lakeQueries: string[] = [];
  const queries = new Map<string, { start: number; end: number; polled: number }>();
  let throttles = 0;
  let remaining = Infinity;

  const time = (r: StoredRecord) => Date.parse(r.eventTime);
  const sortNewestFirst = (rs: StoredRecord[]) => rs.sort((a, b) => time(b) - time(a) || (a.eventID < b.eventID ? 1 : -1));

  function lookup(body: Record<string, unknown>, account: string, region: string): { Events: unknown[]; NextToken?: string } {
    const start = typeof body.StartTime === 'number' ? body.StartTime * 1000 : -Infinity;
    const end = typeof body.EndTime === 'number' ? body.EndTime * 1000 : Infinity;
    const max = Math.min(50, Math.max(1, Number(body.MaxResults ?? 50)));
    const attrs = (body.LookupAttributes as Array<{ AttributeKey: string; AttributeValue: string }> | undefined) ?? [];
    if (attrs.length > 1) throw new Fault(400, 'InvalidLookupAttributesException', 'You cannot specify more than one lookup attribute.');
    const attr = attrs[0];
    const matches = (r: StoredRecord) => {
      if (!attr) return true;
      const identity = (r.userIdentity ?? {}) as Record<string, unknown>;
      const v = attr.AttributeValue;
      switch (attr.AttributeKey) {
        case 'AccessKeyId':
          return identity.accessKeyId === v;
        case 'EventName':
          return r.eventName === v;
        case 'EventSource':
          return r.eventSource === v;
        case 'EventId':
          return r.eventID === v;
        case 'ReadOnly':
          return String(r.readOnly) === v;
        case 'Username':
          return identity.userName === v;
        default:
          throw new Fault(400, 'InvalidLookupAttributesException', `unsupported attribute ${attr.AttributeKey}`);
      }
    };
    const hits = (byUnit.get(`${account}/${region}`) ?? []).filter((r) => time(r) >= start && time(r) <= end && matches(r));
    const query = JSON.stringify([start, end, attr ?? null]);
    let offset = 0;
    if (body.NextToken !== undefined) {
      let parsed: { o?: unknown; q?: unknown } = {};
      try {
        parsed = JSON.parse(Buffer.from(String(body.NextToken), 'base64url').toString('utf8'));
      } catch {
        // fall through: invalid
      }
      if (typeof parsed.o !== 'number' || parsed.q !== query) throw new Fault(400, 'InvalidNextTokenException', 'Invalid NextToken');
      offset = parsed.o;
    }
    const page = hits.slice(offset, offset + max);
    const next = offset + max < hits.length ? Buffer.from(JSON.stringify({ o: offset + max, q: query })).toString('base64url') : undefined;
    return {
      Events: page.map((r) => {
        const identity = (r.userIdentity ?? {}) as Record<string, unknown>;
        return {
          EventId: r.eventID,
          EventName: r.eventName,
          ReadOnly: String(r.readOnly ?? 'false'),
          AccessKeyId: identity.accessKeyId,
          EventTime: time(r) / 1000,
          EventSource: r.eventSource,
          Username: identity.userName,
          Resources: [],
          CloudTrailEvent: JSON.stringify(r),
        };
      }),
      ...(next ? { NextToken: next } : {}),
    };
  }

  function cloudTrail(op: string, body: Record<string, unknown>, account: string | undefined, region: string): unknown {
    if (!account) throw new Fault(400, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    switch (op) {
      case 'LookupEvents': {
        const record: LookupRequest = { account, region, body, status: 200, returned: 0 };
        lookups.push(record);
        try {
          if (throttles > 0) {
            throttles--;
            throw new Fault(400, 'ThrottlingException', 'Rate exceeded');
          }
          if (remaining <= 0) throw new Fault(400, 'AccessDeniedException', 'stand-in: broken on purpose (a run killed mid-way)');
          remaining--;
          const out = lookup(body, account, region);
          record.returned = out.Events.length;
          return out;
        } catch (error) {
          record.status = error instanceof Fault ? error.status : 500;
          throw error;
        }
      }
      case 'StartQuery': {
        const statement = String(body.QueryStatement ?? '');
        lakeQueries.push(statement);
        const m = /eventTime >= '([^']+)' AND eventTime <= '([^']+)'/.exec(statement);
        if (!m) throw new Fault(400, 'InvalidQueryStatementException', 'stand-in understands only an eventTime window');
        const id = randomUUID();
        queries.set(id, { start: Date.parse(`${m[1]!.replace(' ', 'T')}Z`), end: Date.parse(`${m[2]!.replace(' ', 'T')}Z`), polled: 0 });
        return { QueryId: id };
      }
      case 'GetQueryResults': {
        const q = queries.get(String(body.QueryId));
        if (!q) throw new Fault(400, 'QueryIdNotFoundException', 'no such query');
        if (q.polled++ === 0) return { QueryStatus: 'RUNNING', QueryResultRows: [] };
        const hits = all.filter((r) => time(r) >= q.start && time(r) <= q.end).sort((a, b) => time(a) - time(b));
        const offset = body.NextToken ? Number(Buffer.from(String(body.NextToken), 'base64url').toString()) : 0;
        const page = hits.slice(offset, offset + 1000);
        const next = offset + 1000 < hits.length ? Buffer.from(String(offset + 1000)).toString('base64url') : undefined;
        return { QueryStatus: 'FINISHED', QueryResultRows: page.map((r) => [{ eventJson: JSON.stringify(r) }]), ...(next ? { NextToken: next } : {}) };
      }
      default:
        throw new Fault(400, 'UnknownOperationException', `stand-in does not implement ${op}`);
    }
  }

  const ok = (action: string, result: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${STS_NS}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;

  function sts(params: Record<string, string>, signer: string): string {
    const account = keys.get(signer);
    if (!account) throw new Fault(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    if (params.Action === 'GetCallerIdentity') {
      return ok('GetCallerIdentity', `<Arn>arn:aws:iam::${account}:user/backtester</Arn><UserId>AIDA${signer.slice(4)}</UserId><Account>${account}</Account>`);
    }
    if (params.Action === 'AssumeRole') {
      const m = /^arn:aws:iam::(\d{12}):role\/([^/]+)$/.exec(params.RoleArn ?? '');
      if (!m || !roles.has(`${m[1]}/${m[2]}`)) throw new Fault(403, 'AccessDenied', `not authorized to perform: sts:AssumeRole on resource: ${params.RoleArn}`);
      assumedRoles.push(params.RoleArn!);
      const keyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
      keys.set(keyId, m[1]!);
      const expiration = new Date(Date.now() + 3600_000).toISOString();
      return ok(
        'AssumeRole',
        `<AssumedRoleUser><Arn>arn:aws:sts::${m[1]}:assumed-role/${m[2]}/${params.RoleSessionName ?? ''}</Arn><AssumedRoleId>AROAX:${params.RoleSessionName ?? ''}</AssumedRoleId></AssumedRoleUser>` +
          `<Credentials><AccessKeyId>${keyId}</AccessKeyId><SecretAccessKey>${randomBytes(20).toString('hex')}</SecretAccessKey><SessionToken>${randomBytes(24).toString('base64')}</SessionToken><Expiration>${expiration}</Expiration></Credentials>`,
      );
    }
    throw new Fault(400, 'InvalidAction', `Could not find operation ${params.Action}`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    const auth = String(req.headers.authorization ?? '');
    const scope = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\//.exec(auth);
    const signer = scope?.[1] ?? '';
    const region = scope?.[2] ?? '';
    const service = scope?.[3] ?? '';
    const target = String(req.headers['x-amz-target'] ?? '');
    try {
      if (service === 'sts') {
        const body = sts(Object.fromEntries(new URLSearchParams(text)), signer);
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(body);
        return;
      }
      if (!target.startsWith(TARGET)) throw new Fault(400, 'UnknownOperationException', `bad X-Amz-Target ${target}`);
      if (!String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.1')) throw new Fault(400, 'SerializationException', 'expected application/x-amz-json-1.1');
      const out = cloudTrail(target.slice(TARGET.length), text ? (JSON.parse(text) as Record<string, unknown>) : {}, keys.get(signer), region);
      sendJson(res, 200, out, { 'content-type': 'application/x-amz-json-1.1' });
    } catch (error) {
      const fault = error instanceof Fault ? error : new Fault(500, 'InternalFailure', String(error));
      if (service === 'sts') {
        res.writeHead(fault.status, { 'content-type': 'text/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${STS_NS}"><Error><Type>Sender</Type><Code>${fault.type}</Code><Message>${fault.message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`);
        return;
      }
      sendJson(res, fault.status, { __type: fault.type, message: fault.message }, { 'content-type': 'application/x-amz-json-1.1' });
    }
  }

  const http = await listen((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  return {
    endpoint: `http://127.0.0.1:${http.port}`,
    add(records) {
      for (const r of records) {
        const key = `${r.recipientAccountId}/${r.awsRegion}`;
        const list = byUnit.get(key) ?? [];
        list.push(r);
        byUnit.set(key, list);
        all.push(r);
      }
      for (const list of byUnit.values()) sortNewestFirst(list);
    },
    clear() {
      byUnit.clear();
      all.length = 0;
    },
    addKey: (id, account) => void keys.set(id, account),
    addRole: (account, roleName) => void roles.add(`${account}/${roleName}`),
    throttle(times) {
      throttles += times;
    },
    breakAfter(successes) {
      remaining = successes;
    },
    heal() {
      remaining = Infinity;
    },
    lookups,
    assumedRoles,
    lakeQueries,
    close: () => http.close(),
  };
}
