/**
 * Executes revocations and their undo with the real IAM API, in the target account
 * (through the responder role's credentials), with bounded retry on throttling and 5xx.
 * A revocation is `done` only when it is proven: after IAM accepted the write, the
 * credential is read back (`ListAccessKeys` for a key's Status, `GetRolePolicy` /
 * `GetUserPolicy` for the deny's `aws:TokenIssueTime` cut-off, NoSuchEntity after a
 * restore's delete). The writes return no body the SDK reads, so an HTTP 200 alone — an
 * HTML page from a proxy included — proves nothing. Unproven is `failed` (`unconfirmed`).
 */
import {
  DeleteRolePolicyCommand,
  DeleteUserPolicyCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  ListAccessKeysCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { ResponseAction } from '../core/finding.ts';
import { ACTION_CODES } from '../core/response/codes.ts';
import { cutoffCovers, cutoffOfDocument } from '../core/response/policy-document.ts';
import type { UndoCall } from '../core/response/restore.ts';
import { DEFAULT_RETRY, backoffDelay, describeError, errorName, isRetryable, type RetryPolicy } from '../core/response/retry.ts';

/**
 * Called once the credential's state has been read and before anything is written
 * (respond records its hold and that state there, in one write). An error thrown here
 * stops the revocation and propagates out of `revoke` (nothing was written).
 */
export interface RevokeHooks {
  beforeWrite?(observed: string | undefined): Promise<void>;
}

/** An error from a hook: passed through, never turned into an outcome. */
class HookFailed extends Error {
  constructor(readonly original: unknown) {
    super('hook failed');
  }
}

export interface CallOutcome {
  status: 'done' | 'failed';
  /** `already-revoked`, `iam-error`, `assume-role-failed`. */
  code?: string;
  detail: string;
  attempts: number;
  priorState?: string;
  /** IAM rejected the responder credentials themselves (expired or revoked session). */
  credentialsRejected?: boolean;
}

/** The read before a revocation is optional (it only informs restore): it never eats the revocation's time budget. */
const PRE_READ_ATTEMPTS = 2;

const CREDENTIALS_REJECTED = new Set(['ExpiredToken', 'ExpiredTokenException', 'InvalidClientTokenId', 'RequestExpired']);

const isNoSuchEntity = (name: string) => name === 'NoSuchEntity' || name === 'NoSuchEntityException';

/** What reading a credential back after a write showed: the change, or what was seen instead. */
type Reading = { confirmed: true } | { confirmed: false; saw: string; credentialsRejected?: boolean };

interface KeyList {
  AccessKeyMetadata?: { AccessKeyId?: string; Status?: string }[];
}

export interface IamRevokerOptions {
  /** The IAM client for an account (signing as the responder role there). May throw when the role cannot be assumed. */
  clientFor(account: string): IAMClient | Promise<IAMClient>;
  /**
   * Forget the account's responder credentials (and client). Called once when IAM rejects them
   * (e.g. someone revoked the responder role's sessions); the call is then retried with fresh ones.
   */
  invalidate?(account: string): void;
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

class RetriesExhausted extends Error {
  constructor(
    readonly original: unknown,
    readonly attempts: number,
  ) {
    super(describeError(original));
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type Send = <T>(command: Parameters<IAMClient['send']>[0]) => Promise<T>;

export class IamRevoker {
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: IamRevokerOptions) {
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** Runs one call with bounded retry; counts attempts into `counter`. Optional reads pass a smaller `maxAttempts`. */
  private async call<T>(client: IAMClient, command: unknown, counter: { attempts: number }, maxAttempts = this.retry.maxAttempts): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      counter.attempts++;
      try {
        return (await (client.send as unknown as Send)(command as Parameters<IAMClient['send']>[0])) as T;
      } catch (error) {
        if (!isRetryable(error) || attempt >= maxAttempts) throw new RetriesExhausted(error, attempt);
        await this.sleep(backoffDelay(attempt, this.retry, this.options.random));
      }
    }
  }

  /**
   * Reads back after a write until `judge` sees the change: at most `retry.maxAttempts`
   * reads in all, with backoff between them. A read that fails transiently, or still shows
   * the old state (IAM is eventually consistent), is read again; NoSuchEntity is an answer
   * (`missing`), not an error.
   */
  private async readBack<T>(client: IAMClient, command: () => unknown, counter: { attempts: number }, judge: (read: { out: T } | { missing: true }) => Reading): Promise<Reading> {
    let last: Reading = { confirmed: false, saw: 'no read-back was made' };
    for (let attempt = 1; attempt <= this.retry.maxAttempts; attempt++) {
      if (attempt > 1) await this.sleep(backoffDelay(attempt - 1, this.retry, this.options.random));
      counter.attempts++;
      try {
        last = judge({ out: (await (client.send as unknown as Send)(command() as Parameters<IAMClient['send']>[0])) as T });
      } catch (error) {
        const name = errorName(error);
        if (isNoSuchEntity(name)) {
          last = judge({ missing: true });
        } else {
          last = { confirmed: false, saw: `reading it back failed: ${describeError(error)}`, ...(CREDENTIALS_REJECTED.has(name) ? { credentialsRejected: true } : {}) };
          if (!isRetryable(error)) return last;
        }
      }
      if (last.confirmed) return last;
    }
    return last;
  }

  /** IAM (or something answering for it) accepted the write, but the read-back did not show it. */
  private unconfirmed(reading: Reading, counter: { attempts: number }, what: string): CallOutcome {
    const saw = reading.confirmed ? '' : reading.saw;
    return {
      status: 'failed',
      code: ACTION_CODES.unconfirmed,
      detail: `IAM accepted the call (${what}) but ${saw}: not proven done; verify by hand`,
      attempts: counter.attempts,
      ...(!reading.confirmed && reading.credentialsRejected ? { credentialsRejected: true } : {}),
    };
  }

  /** Reads the key's Status back until it is `wanted`. */
  private readKey(client: IAMClient, UserName: string, AccessKeyId: string, wanted: 'Active' | 'Inactive', counter: { attempts: number }): Promise<Reading> {
    return this.readBack<KeyList>(client, () => new ListAccessKeysCommand({ UserName }), counter, (read) => {
      if ('missing' in read) return { confirmed: false, saw: `user ${UserName} cannot be found` };
      const status = read.out?.AccessKeyMetadata?.find((k) => k.AccessKeyId === AccessKeyId)?.Status;
      if (status === wanted) return { confirmed: true };
      return { confirmed: false, saw: status ? `the key still reads ${status}` : `access key ${AccessKeyId} is not listed for ${UserName}` };
    });
  }

  private async client(account: string): Promise<IAMClient | CallOutcome> {
    try {
      return await this.options.clientFor(account);
    } catch (error) {
      return { status: 'failed', code: ACTION_CODES.assumeRoleFailed, detail: `could not act in ${account}: ${error instanceof Error ? error.message : String(error)}`, attempts: 0 };
    }
  }

  private failed(error: unknown, counter: { attempts: number }, what: string): CallOutcome {
    const cause = error instanceof RetriesExhausted ? error.original : error;
    const name = errorName(cause);
    const hint =
      isNoSuchEntity(name)
        ? ' (IAM does not know this user, role or key in that account: it may have been deleted or renamed; verify by hand)'
        : name === 'AccessDenied' || name === 'AccessDeniedException'
          ? ' (the responder role lacks the permission, an SCP denies it, or the principal is tagged BlastwallProtected=true, which the responder role may never touch)'
          : '';
    return {
      status: 'failed',
      code: ACTION_CODES.iamError,
      detail: `${what} failed after ${counter.attempts} attempt(s): ${describeError(cause)}${hint}`,
      attempts: counter.attempts,
      ...(CREDENTIALS_REJECTED.has(name) ? { credentialsRejected: true } : {}),
    };
  }

  /** Runs `once`; if IAM rejected the responder credentials, drops them and runs it again, once. */
  private async withFreshCredentials(account: string, once: () => Promise<CallOutcome>): Promise<CallOutcome> {
    const first = await once();
    if (!first.credentialsRejected || !this.options.invalidate) return first;
    this.options.invalidate(account);
    const second = await once();
    return { ...second, attempts: first.attempts + second.attempts };
  }

  /** Executes a planned revocation. Never throws: the outcome says what happened. */
  async revoke(action: ResponseAction, hooks: RevokeHooks = {}): Promise<CallOutcome> {
    try {
      return await this.withFreshCredentials(action.account, () => this.revokeOnce(action, hooks));
    } catch (error) {
      throw error instanceof HookFailed ? error.original : error;
    }
  }

  private async beforeWrite(hooks: RevokeHooks, observed: string | undefined): Promise<void> {
    try {
      await hooks.beforeWrite?.(observed);
    } catch (error) {
      throw new HookFailed(error);
    }
  }

  /** Executes an undo call (restore). Deleting a policy that is already gone is a success. */
  async undo(call: UndoCall, account: string): Promise<CallOutcome> {
    return this.withFreshCredentials(account, () => this.undoOnce(call, account));
  }

  private async revokeOnce(action: ResponseAction, hooks: RevokeHooks): Promise<CallOutcome> {
    const call = action.apiCall;
    if (!call) return { status: 'failed', code: ACTION_CODES.incomplete, detail: 'no API call to make', attempts: 0 };
    const client = await this.client(action.account);
    if (!('send' in client)) return client;
    const counter = { attempts: 0 };
    const input = call.input as Record<string, string>;
    try {
      switch (call.operation) {
        case 'UpdateAccessKey':
          return await this.deactivateKey(client, input, counter, hooks);
        case 'PutRolePolicy':
          return await this.putDeny(client, input, counter, 'role', hooks);
        case 'PutUserPolicy':
          return await this.putDeny(client, input, counter, 'user', hooks);
        default:
          return { status: 'failed', code: ACTION_CODES.incomplete, detail: `unsupported operation ${call.operation}`, attempts: 0 };
      }
    } catch (error) {
      if (error instanceof HookFailed) throw error;
      return this.failed(error, counter, `iam:${call.operation}`);
    }
  }

  private async deactivateKey(client: IAMClient, input: Record<string, string>, counter: { attempts: number }, hooks: RevokeHooks): Promise<CallOutcome> {
    const { UserName, AccessKeyId } = input;
    let priorState: string | undefined;
    try {
      // The state before we act (for an honest restore). A stale or failed read never stops the revocation.
      const list = await this.call<{ AccessKeyMetadata?: { AccessKeyId?: string; Status?: string }[] }>(client, new ListAccessKeysCommand({ UserName }), counter, PRE_READ_ATTEMPTS);
      priorState = list.AccessKeyMetadata?.find((k) => k.AccessKeyId === AccessKeyId)?.Status;
    } catch {
      priorState = undefined;
    }
    await this.beforeWrite(hooks, priorState);
    // Always make the call: setting Inactive on an inactive key succeeds, and a stale read must not skip it.
    await this.call(client, new UpdateAccessKeyCommand({ UserName, AccessKeyId, Status: 'Inactive' }), counter);
    // Proof: the key reads Inactive now.
    const reading = await this.readKey(client, UserName!, AccessKeyId!, 'Inactive', counter);
    if (!reading.confirmed) return { ...this.unconfirmed(reading, counter, `iam:UpdateAccessKey Status=Inactive on ${AccessKeyId} of ${UserName}`), ...(priorState ? { priorState } : {}) };
    const already = priorState === 'Inactive';
    return {
      status: 'done',
      ...(already ? { code: ACTION_CODES.alreadyRevoked } : {}),
      detail: already ? `access key ${AccessKeyId} of ${UserName} was already inactive; read back Inactive` : `access key ${AccessKeyId} of ${UserName} is now Inactive (read back)`,
      attempts: counter.attempts,
      ...(priorState ? { priorState } : {}),
    };
  }

  private async putDeny(client: IAMClient, input: Record<string, string>, counter: { attempts: number }, kind: 'role' | 'user', hooks: RevokeHooks): Promise<CallOutcome> {
    const name = kind === 'role' ? input.RoleName : input.UserName;
    const { PolicyName, PolicyDocument } = input;
    const wanted = PolicyDocument ? cutoffOfDocument(PolicyDocument) : undefined;
    if (!name || !PolicyName || !PolicyDocument || !wanted) {
      return { status: 'failed', code: ACTION_CODES.incomplete, detail: 'the planned policy call is incomplete', attempts: 0 };
    }
    let existing: string | undefined;
    let priorState = 'absent';
    try {
      const got = await this.call<{ PolicyDocument?: string }>(
        client,
        kind === 'role' ? new GetRolePolicyCommand({ RoleName: name, PolicyName }) : new GetUserPolicyCommand({ UserName: name, PolicyName }),
        counter,
        PRE_READ_ATTEMPTS,
      );
      existing = got.PolicyDocument ? cutoffOfDocument(got.PolicyDocument) : undefined;
      priorState = existing ?? 'present-unrecognised';
    } catch (error) {
      const cause = error instanceof RetriesExhausted ? error.original : error;
      if (!isNoSuchEntity(errorName(cause))) priorState = 'unknown';
    }
    await this.beforeWrite(hooks, priorState === 'unknown' ? undefined : priorState);
    if (cutoffCovers(existing, wanted)) {
      return {
        status: 'done',
        code: ACTION_CODES.alreadyRevoked,
        detail: `${kind} ${name} already has ${PolicyName} denying sessions issued before ${existing} (covers ${wanted}); left as is`,
        attempts: counter.attempts,
        priorState,
      };
    }
    await this.call(
      client,
      kind === 'role'
        ? new PutRolePolicyCommand({ RoleName: name, PolicyName, PolicyDocument })
        : new PutUserPolicyCommand({ UserName: name, PolicyName, PolicyDocument }),
      counter,
    );
    // Proof: the policy reads back with a cut-off that covers ours.
    const reading = await this.readBack<{ PolicyDocument?: string }>(
      client,
      () => (kind === 'role' ? new GetRolePolicyCommand({ RoleName: name, PolicyName }) : new GetUserPolicyCommand({ UserName: name, PolicyName })),
      counter,
      (read) => {
        if ('missing' in read) return { confirmed: false, saw: `${kind} ${name} has no ${PolicyName}` };
        const cutoff = read.out?.PolicyDocument ? cutoffOfDocument(read.out.PolicyDocument) : undefined;
        if (cutoffCovers(cutoff, wanted)) return { confirmed: true };
        return { confirmed: false, saw: cutoff ? `${PolicyName} on ${kind} ${name} reads the cut-off ${cutoff}, before ${wanted}` : `${PolicyName} on ${kind} ${name} does not read back as a Blastwall deny` };
      },
    );
    if (!reading.confirmed) return { ...this.unconfirmed(reading, counter, `iam:Put${kind === 'role' ? 'Role' : 'User'}Policy ${PolicyName} on ${kind} ${name}`), priorState };
    return {
      status: 'done',
      detail: `${PolicyName} on ${kind} ${name} denies every session issued before ${wanted} (read back)`,
      attempts: counter.attempts,
      priorState,
    };
  }

  private async undoOnce(call: UndoCall, account: string): Promise<CallOutcome> {
    const client = await this.client(account);
    if (!('send' in client)) return client;
    const counter = { attempts: 0 };
    const input = call.input as Record<string, string>;
    try {
      switch (call.operation) {
        case 'UpdateAccessKey':
          await this.call(client, new UpdateAccessKeyCommand({ UserName: input.UserName, AccessKeyId: input.AccessKeyId, Status: 'Active' }), counter);
          {
            const reading = await this.readKey(client, input.UserName!, input.AccessKeyId!, 'Active', counter);
            if (!reading.confirmed) return this.unconfirmed(reading, counter, `iam:UpdateAccessKey Status=Active on ${input.AccessKeyId} of ${input.UserName}`);
          }
          return { status: 'done', detail: `access key ${input.AccessKeyId} of ${input.UserName} is Active again (read back)`, attempts: counter.attempts };
        case 'DeleteRolePolicy':
        case 'DeleteUserPolicy': {
          const role = call.operation === 'DeleteRolePolicy';
          try {
            await this.call(
              client,
              role
                ? new DeleteRolePolicyCommand({ RoleName: input.RoleName, PolicyName: input.PolicyName })
                : new DeleteUserPolicyCommand({ UserName: input.UserName, PolicyName: input.PolicyName }),
              counter,
            );
          } catch (error) {
            const cause = error instanceof RetriesExhausted ? error.original : error;
            if (isNoSuchEntity(errorName(cause))) {
              return { status: 'done', code: ACTION_CODES.alreadyRevoked, detail: `${input.PolicyName} was already gone from ${role ? 'role' : 'user'} ${role ? input.RoleName : input.UserName}`, attempts: counter.attempts };
            }
            throw error;
          }
          const owner = `${role ? 'role' : 'user'} ${role ? input.RoleName : input.UserName}`;
          // Proof: the policy is gone (NoSuchEntity).
          const reading = await this.readBack(
            client,
            () => (role ? new GetRolePolicyCommand({ RoleName: input.RoleName, PolicyName: input.PolicyName }) : new GetUserPolicyCommand({ UserName: input.UserName, PolicyName: input.PolicyName })),
            counter,
            (read) => ('missing' in read ? { confirmed: true } : { confirmed: false, saw: `${input.PolicyName} is still on ${owner}` }),
          );
          if (!reading.confirmed) return this.unconfirmed(reading, counter, `iam:${call.operation} ${input.PolicyName} on ${owner}`);
          return { status: 'done', detail: `${input.PolicyName} removed from ${owner} (read back: gone)`, attempts: counter.attempts };
        }
        default:
          return { status: 'failed', code: ACTION_CODES.incomplete, detail: `unsupported undo ${call.operation}`, attempts: 0 };
      }
    } catch (error) {
      return this.failed(error, counter, `iam:${call.operation}`);
    }
  }
}
