/**
 * Restore planning: the undo call for each revocation Blastwall made. Pure.
 */
import type { ResponseAction } from '../finding.ts';

export interface Approver {
  id: string;
  name: string;
}

export interface RestoreRequest {
  findingId: string;
  approver: Approver;
  reason: string;
}

export type UndoCall = NonNullable<ResponseAction['apiCall']>;

/** Refuses a restore request without a usable approver identity or finding id; returns the problem or undefined. */
export function restoreRequestProblem(request: unknown): string | undefined {
  const r = (request ?? {}) as Partial<RestoreRequest>;
  if (typeof r.findingId !== 'string' || !r.findingId.trim() || r.findingId.length > 256) return 'restore refused: no finding id';
  const a = r.approver as Partial<Approver> | undefined;
  if (!a || typeof a !== 'object') return 'restore refused: no approver identity';
  if (typeof a.id !== 'string' || !a.id.trim() || a.id.length > 128) return 'restore refused: the approver has no id';
  if (typeof a.name !== 'string' || !a.name.trim() || a.name.length > 256) return 'restore refused: the approver has no name';
  if (r.reason !== undefined && (typeof r.reason !== 'string' || r.reason.length > 2000)) return 'restore refused: the reason must be a string of at most 2000 characters';
  return undefined;
}

/** The IAM call that undoes a revocation, or undefined when the action is not one Blastwall can undo. */
export function undoCall(action: ResponseAction): UndoCall | undefined {
  const input = action.apiCall?.input;
  if (!input) return undefined;
  switch (action.apiCall?.operation) {
    case 'UpdateAccessKey':
      return { service: 'iam', operation: 'UpdateAccessKey', input: { UserName: input.UserName, AccessKeyId: input.AccessKeyId, Status: 'Active' } };
    case 'PutRolePolicy':
      return { service: 'iam', operation: 'DeleteRolePolicy', input: { RoleName: input.RoleName, PolicyName: input.PolicyName } };
    case 'PutUserPolicy':
      return { service: 'iam', operation: 'DeleteUserPolicy', input: { UserName: input.UserName, PolicyName: input.PolicyName } };
    default:
      return undefined;
  }
}

export type RestoreDecision = { restore: true; call: UndoCall } | { restore: false; why: string };

/** Whether a recorded action should be undone by a restore, and how. */
export function restoreDecision(action: ResponseAction): RestoreDecision {
  if (action.restored?.status === 'done') return { restore: false, why: `already restored by ${action.restored.approver.name} at ${action.restored.at}` };
  if (action.status !== 'done') return { restore: false, why: `nothing to undo: the action was ${action.status}` };
  const call = undoCall(action);
  if (!call) return { restore: false, why: 'nothing Blastwall can undo (manual step)' };
  // `Inactive` was read from IAM before Blastwall acted; `blastwall:…` means Blastwall itself had revoked it.
  if (action.apiCall?.operation === 'UpdateAccessKey' && action.priorState === 'Inactive') {
    return { restore: false, why: 'the key was already inactive before Blastwall acted; it is left inactive' };
  }
  return { restore: true, call };
}

/** Identity of what an action holds (a key, a role's deny, a user's deny), shared by findings revoking the same thing. */
export function holdKey(action: ResponseAction): string | undefined {
  const input = action.apiCall?.input;
  if (!input) return undefined;
  switch (action.apiCall?.operation) {
    case 'UpdateAccessKey':
      return `${action.account}#key#${String(input.AccessKeyId)}`;
    case 'PutRolePolicy':
      return `${action.account}#role#${String(input.RoleName)}#${String(input.PolicyName)}`;
    case 'PutUserPolicy':
      return `${action.account}#user#${String(input.UserName)}#${String(input.PolicyName)}`;
    default:
      return undefined;
  }
}
