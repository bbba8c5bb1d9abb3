/**
 * A small IAM + STS stand-in speaking the AWS Query protocol over loopback HTTP, for
 * end-to-end tests with the real @aws-sdk/client-iam and @aws-sdk/client-sts.
 *
 * Models several accounts: AssumeRole into `arn:aws:iam::<account>:role/<name>` (the role
 * must exist there) returns `ASIA…` credentials bound to that account; IAM requests are
 * routed to the account whose credentials signed them (SigV4 `Credential=` of the
 * Authorization header), so a test can prove a call landed in the right account.
 * Faults (throttling, 5xx, AccessDenied …) are queued per action.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';

export interface RecordedRequest {
  /** `iam` or `sts`: the SigV4 service the request was signed for. */
  service: string;
  action: string;
  params: Record<string, string>;
  /** Access key id that signed the request. */
  signedBy: string;
  /** Account the request acted in (the signer's account). */
  account: string | undefined;
  /** HTTP status returned. */
  status: number;
}

export interface Fault {
  status: number;
  code: string;
  message?: string;
  /**
   * Answer with this instead of an XML error (e.g. an HTML 502 from a proxy). With a 2xx
   * status the call is acknowledged but not acted on, as by something in the path that
   * never reached IAM: the read-backs (ListAccessKeys, Get*Policy) still show the old state.
   */
  rawBody?: string;
}

interface Key {
  id: string;
  status: 'Active' | 'Inactive';
}

interface AccountState {
  users: Map<string, { keys: Key[]; policies: Map<string, string> }>;
  roles: Map<string, { policies: Map<string, string> }>;
}

const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/';
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

class StandInError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface IamStsStandIn {
  endpoint: string;
  requests: RecordedRequest[];
  /** Requests for one action, in order. */
  calls(action: string): RecordedRequest[];
  addUser(account: string, userName: string, keys?: { id: string; status?: 'Active' | 'Inactive' }[]): void;
  addRole(account: string, roleName: string): void;
  keyStatus(account: string, userName: string, keyId: string): 'Active' | 'Inactive' | undefined;
  rolePolicy(account: string, roleName: string, policyName: string): string | undefined;
  userPolicy(account: string, userName: string, policyName: string): string | undefined;
  setRolePolicy(account: string, roleName: string, policyName: string, document: string): void;
  /** The next `times` requests for `action` fail with `fault`. */
  fail(action: string, fault: Fault, times?: number): void;
  /** Keys that may call STS (the central respond role's). Empty: any. */
  trustCallers(accessKeyIds: string[]): void;
  /** Every session issued so far is rejected from now on (ExpiredToken), as after "revoke active sessions". */
  expireSessions(): void;
  /** Forgets every account, session, queued fault, recorded request and trust setting. */
  reset(): void;
  close(): Promise<void>;
}

export async function startIamStsStandIn(): Promise<IamStsStandIn> {
  const accounts = new Map<string, AccountState>();
  const sessions = new Map<string, string>(); // ASIA key → account
  const expired = new Set<string>();
  const faults = new Map<string, Fault[]>();
  const requests: RecordedRequest[] = [];
  let trusted: Set<string> | undefined;

  const account = (id: string): AccountState => {
    let a = accounts.get(id);
    if (!a) {
      a = { users: new Map(), roles: new Map() };
      accounts.set(id, a);
    }
    return a;
  };

  const noSuch = (what: string) => new StandInError(404, 'NoSuchEntity', what);

  function user(state: AccountState, name: string | undefined) {
    const u = name ? state.users.get(name) : undefined;
    if (!u) throw noSuch(`The user with name ${name} cannot be found.`);
    return u;
  }
  function role(state: AccountState, name: string | undefined) {
    const r = name ? state.roles.get(name) : undefined;
    if (!r) throw noSuch(`The role with name ${name} cannot be found.`);
    return r;
  }
  function checkDocument(doc: string | undefined): string {
    if (!doc) throw new StandInError(400, 'ValidationError', 'PolicyDocument is required');
    try {
      const parsed = JSON.parse(doc) as { Statement?: unknown };
      if (!parsed.Statement) throw new Error('no Statement');
    } catch (e) {
      throw new StandInError(400, 'MalformedPolicyDocument', `Syntax errors in policy: ${(e as Error).message}`);
    }
    return doc;
  }

  const ok = (action: string, ns: string, result = '') =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${ns}">${result ? `<${action}Result>${result}</${action}Result>` : ''}<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;

  function iam(action: string, p: Record<string, string>, acct: string): string {
    const state = account(acct);
    switch (action) {
      case 'ListAccessKeys': {
        const u = user(state, p.UserName);
        const members = u.keys
          .map((k) => `<member><UserName>${xmlEscape(p.UserName!)}</UserName><AccessKeyId>${k.id}</AccessKeyId><Status>${k.status}</Status><CreateDate>2026-01-01T00:00:00Z</CreateDate></member>`)
          .join('');
        return ok(action, IAM_NS, `<UserName>${xmlEscape(p.UserName!)}</UserName><AccessKeyMetadata>${members}</AccessKeyMetadata><IsTruncated>false</IsTruncated>`);
      }
      case 'UpdateAccessKey': {
        const u = user(state, p.UserName);
        const key = u.keys.find((k) => k.id === p.AccessKeyId);
        if (!key) throw noSuch(`The Access Key with id ${p.AccessKeyId} cannot be found.`);
        if (p.Status !== 'Active' && p.Status !== 'Inactive') throw new StandInError(400, 'ValidationError', `Invalid Status ${p.Status}`);
        key.status = p.Status;
        return ok(action, IAM_NS);
      }
      case 'PutRolePolicy':
        role(state, p.RoleName).policies.set(p.PolicyName!, checkDocument(p.PolicyDocument));
        return ok(action, IAM_NS);
      case 'PutUserPolicy':
        user(state, p.UserName).policies.set(p.PolicyName!, checkDocument(p.PolicyDocument));
        return ok(action, IAM_NS);
      case 'GetRolePolicy':
      case 'GetUserPolicy': {
        const isRole = action === 'GetRolePolicy';
        const owner = isRole ? role(state, p.RoleName) : user(state, p.UserName);
        const doc = owner.policies.get(p.PolicyName!);
        if (doc === undefined) throw noSuch(`The ${isRole ? 'role' : 'user'} policy with name ${p.PolicyName} cannot be found.`);
        const ownerTag = isRole ? `<RoleName>${xmlEscape(p.RoleName!)}</RoleName>` : `<UserName>${xmlEscape(p.UserName!)}</UserName>`;
        // IAM returns policy documents URL-encoded (RFC 3986).
        return ok(action, IAM_NS, `${ownerTag}<PolicyName>${xmlEscape(p.PolicyName!)}</PolicyName><PolicyDocument>${encodeURIComponent(doc)}</PolicyDocument>`);
      }
      case 'DeleteRolePolicy':
      case 'DeleteUserPolicy': {
        const isRole = action === 'DeleteRolePolicy';
        const owner = isRole ? role(state, p.RoleName) : user(state, p.UserName);
        if (!owner.policies.delete(p.PolicyName!)) throw noSuch(`The ${isRole ? 'role' : 'user'} policy with name ${p.PolicyName} cannot be found.`);
        return ok(action, IAM_NS);
      }
      default:
        throw new StandInError(400, 'InvalidAction', `Could not find operation ${action} for version 2010-05-08`);
    }
  }

  function sts(action: string, p: Record<string, string>, signer: string): string {
    if (action !== 'AssumeRole') throw new StandInError(400, 'InvalidAction', `Could not find operation ${action}`);
    if (trusted && !trusted.has(signer)) throw new StandInError(403, 'AccessDenied', `${signer} is not authorized to perform: sts:AssumeRole`);
    const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(p.RoleArn ?? '');
    if (!m || !accounts.get(m[1]!)?.roles.has(m[2]!)) {
      throw new StandInError(403, 'AccessDenied', `User: ${signer} is not authorized to perform: sts:AssumeRole on resource: ${p.RoleArn}`);
    }
    const keyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    sessions.set(keyId, m[1]!);
    const expiration = new Date(Date.now() + Number(p.DurationSeconds ?? 3600) * 1000).toISOString();
    return ok(
      action,
      STS_NS,
      `<AssumedRoleUser><Arn>arn:aws:sts::${m[1]}:assumed-role/${m[2]}/${xmlEscape(p.RoleSessionName ?? '')}</Arn><AssumedRoleId>AROA${randomBytes(8).toString('hex').toUpperCase()}:${xmlEscape(p.RoleSessionName ?? '')}</AssumedRoleId></AssumedRoleUser>` +
        `<Credentials><AccessKeyId>${keyId}</AccessKeyId><SecretAccessKey>${randomBytes(20).toString('hex')}</SecretAccessKey><SessionToken>${randomBytes(32).toString('base64')}</SessionToken><Expiration>${expiration}</Expiration></Credentials>`,
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    const action = params.Action ?? '';
    const auth = String(req.headers.authorization ?? '');
    const cred = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\//.exec(auth);
    const signedBy = cred?.[1] ?? '';
    const service = cred?.[3] ?? '';
    const isSts = service === 'sts';
    const acct = isSts ? undefined : sessions.get(signedBy);
    const record: RecordedRequest = { service, action, params, signedBy, account: acct, status: 200 };
    requests.push(record);
    const ns = isSts ? STS_NS : IAM_NS;
    const send = (status: number, body: string, type = 'text/xml') => {
      record.status = status;
      res.writeHead(status, { 'content-type': type, 'x-amzn-requestid': randomUUID() });
      res.end(body);
    };
    try {
      const queued = faults.get(action);
      const fault = queued?.shift();
      if (fault) {
        if (fault.rawBody !== undefined) return send(fault.status, fault.rawBody, 'text/html');
        throw new StandInError(fault.status, fault.code, fault.message ?? fault.code);
      }
      if (!cred) throw new StandInError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
      if (isSts) return send(200, sts(action, params, signedBy));
      if (service !== 'iam') throw new StandInError(400, 'InvalidAction', `unexpected service ${service}`);
      if (expired.has(signedBy)) throw new StandInError(403, 'ExpiredToken', 'The security token included in the request is expired');
      if (!acct) throw new StandInError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
      return send(200, iam(action, params, acct));
    } catch (error) {
      const e = error instanceof StandInError ? error : new StandInError(500, 'ServiceFailure', String(error));
      const type = e.status >= 500 ? 'Receiver' : 'Sender';
      send(
        e.status,
        `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${ns}"><Error><Type>${type}</Type><Code>${e.code}</Code><Message>${xmlEscape(e.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      );
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    calls: (action) => requests.filter((r) => r.action === action),
    addUser(acct, userName, keys = []) {
      account(acct).users.set(userName, { keys: keys.map((k) => ({ id: k.id, status: k.status ?? 'Active' })), policies: new Map() });
    },
    addRole(acct, roleName) {
      account(acct).roles.set(roleName, { policies: new Map() });
    },
    keyStatus: (acct, userName, keyId) => accounts.get(acct)?.users.get(userName)?.keys.find((k) => k.id === keyId)?.status,
    rolePolicy: (acct, roleName, policyName) => accounts.get(acct)?.roles.get(roleName)?.policies.get(policyName),
    userPolicy: (acct, userName, policyName) => accounts.get(acct)?.users.get(userName)?.policies.get(policyName),
    setRolePolicy(acct, roleName, policyName, document) {
      role(account(acct), roleName).policies.set(policyName, document);
    },
    fail(action, fault, times = 1) {
      const list = faults.get(action) ?? [];
      for (let i = 0; i < times; i++) list.push(fault);
      faults.set(action, list);
    },
    trustCallers(ids) {
      trusted = new Set(ids);
    },
    expireSessions() {
      for (const key of sessions.keys()) expired.add(key);
    },
    reset() {
      expired.clear();
      accounts.clear();
      sessions.clear();
      faults.clear();
      requests.length = 0;
      trusted = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
