/**
 * The state of one page: the finding as last known (merged from `Blastwall Finding`
 * and `Blastwall Response` events, which arrive at least once and in any order),
 * the restore, and the on-call's decision. Pure: the ledger stores it, the
 * renderers draw it, `diffSnapshots` says what changed between two renders.
 */
import type { Finding, ResponseAction } from '../finding.ts';
import { pageSeverity } from './routing.ts';

export interface SlackUser {
  id: string;
  name: string;
}

/** The on-call's answer to "Restore credential" / "Keep revoked". */
export interface PageDecision {
  kind: 'restore-requested' | 'kept';
  by: SlackUser;
  at: string;
}

/** What respond reports after a restore (`restored` of a `Blastwall Response`); loosely typed on purpose. */
export interface RestoredInfo {
  /** respond's outcome: `done`, `partial`, `failed`, `nothing`. Only `done` (or absent) counts as restored. */
  status?: string;
  detail?: string;
  at?: string;
  by?: string;
  approver?: { id?: string; name?: string };
  reason?: string;
  [key: string]: unknown;
}

export interface PageView {
  finding: Finding;
  restored?: RestoredInfo;
  decision?: PageDecision;
  /** The last restore attempt that did not complete (refused, failed, partial), in words. */
  restoreProblem?: string;
}

export function actionKey(action: ResponseAction): string {
  return `${action.action}|${action.account}|${action.target}`;
}

const STATUS_RANK: Record<ResponseAction['status'], number> = { planned: 0, skipped: 2, failed: 2, done: 2 };

/** respond sets `restored` on an action once an approved restore undid it. */
export interface ActionRestore {
  approver?: { id?: string; name?: string };
  reason?: string;
  at?: string;
  status?: 'done' | 'failed' | 'skipped';
  detail?: string;
}

export function restoreOf(action: ResponseAction): ActionRestore | undefined {
  const r = (action as ResponseAction & { restored?: unknown }).restored;
  return r && typeof r === 'object' ? (r as ActionRestore) : undefined;
}

function rank(a: ResponseAction): number {
  return STATUS_RANK[a.status] + (restoreOf(a) ? 1 : 0);
}

/** The newer of two reports about the same action: a result beats `planned`, a restore beats the result; otherwise the later `at`. */
function newerAction(a: ResponseAction, b: ResponseAction): ResponseAction {
  if (rank(a) !== rank(b)) return rank(a) > rank(b) ? a : b;
  return (b.at ?? '') >= (a.at ?? '') ? b : a;
}

/** A restore as the page shows it, from the `restored` of a Response event or of its actions. */
export function restoredFrom(detailRestored: RestoredInfo | undefined, actions: readonly ResponseAction[]): RestoredInfo | undefined {
  if (detailRestored) return detailRestored.status === undefined || detailRestored.status === 'done' ? detailRestored : undefined;
  const revocations = actions.filter((a) => a.status === 'done' && a.action !== 'manual' && a.mode === 'enforce');
  if (revocations.length === 0 || !revocations.every((a) => restoreOf(a)?.status === 'done')) return undefined;
  const done = restoreOf(revocations[0]!)!;
  return {
    ...(done.at ? { at: done.at } : {}),
    ...(done.approver ? { approver: done.approver } : {}),
    ...(done.reason ? { reason: done.reason } : {}),
  };
}

/** Merge action reports: keeps the order of first sight, the newest report per action. */
export function mergeActions(current: readonly ResponseAction[], incoming: readonly ResponseAction[]): ResponseAction[] {
  const out = new Map<string, ResponseAction>();
  for (const a of [...current, ...incoming]) {
    const key = actionKey(a);
    const prev = out.get(key);
    out.set(key, prev ? newerAction(prev, a) : a);
  }
  return [...out.values()];
}

/** Merge a (possibly re-delivered, possibly older) finding into the known one. */
export function mergeFinding(known: Finding | undefined, incoming: Finding): Finding {
  if (!known) return incoming;
  return { ...incoming, response: mergeActions(known.response, incoming.response) };
}

/** What a render showed, to tell the thread what changed. */
export interface PageSnapshot {
  severity: string;
  actions: Record<string, ResponseAction['status']>;
  restored: boolean;
  decision?: PageDecision['kind'];
  restoreProblem?: string;
}

/** Why a restore did not complete, from a Response's `restored`/`restoreRefused`; undefined when it did. */
export function restoreProblemOf(detailRestored: RestoredInfo | undefined, refused: string | undefined): string | undefined {
  if (refused) return refused;
  if (!detailRestored || detailRestored.status === undefined || detailRestored.status === 'done') return undefined;
  const what = detailRestored.status === 'partial' ? 'Restore only partly done' : detailRestored.status === 'nothing' ? 'Nothing was restored' : 'Restore FAILED';
  return `${what}${detailRestored.detail ? `: ${detailRestored.detail}` : ''}`;
}

export function snapshotOf(view: PageView): PageSnapshot {
  const actions: Record<string, ResponseAction['status']> = {};
  for (const a of view.finding.response) actions[actionKey(a)] = a.status;
  for (const a of view.finding.response) {
    const r = restoreOf(a);
    if (r?.status) actions[`${actionKey(a)}|restore`] = r.status as ResponseAction['status'];
  }
  return {
    severity: pageSeverity(view.finding),
    actions,
    restored: view.restored !== undefined,
    ...(view.decision ? { decision: view.decision.kind } : {}),
    ...(view.restoreProblem ? { restoreProblem: view.restoreProblem } : {}),
  };
}

export function sameSnapshot(a: PageSnapshot | undefined, b: PageSnapshot): boolean {
  return a !== undefined && JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(s: PageSnapshot): unknown {
  return { ...s, actions: Object.fromEntries(Object.entries(s.actions).sort(([x], [y]) => x.localeCompare(y))) };
}

/** One line per change between two renders, in plain words, for the thread reply. */
export function diffSnapshots(before: PageSnapshot | undefined, view: PageView): string[] {
  const after = snapshotOf(view);
  const lines: string[] = [];
  if (!before) return lines;
  if (before.severity !== after.severity) lines.push(`Severity ${before.severity} → ${after.severity}.`);
  for (const action of view.finding.response) {
    const key = actionKey(action);
    const restore = restoreOf(action);
    if (restore?.status && before.actions[`${key}|restore`] !== restore.status) {
      const detail = restore.detail ? ` — ${restore.detail}` : '';
      if (restore.status === 'done') lines.push(`Undone: ${action.action} on ${action.target}.`);
      else if (restore.status === 'failed') lines.push(`Restore FAILED: ${action.action} on ${action.target}${detail}.`);
      else lines.push(`Restore skipped: ${action.action} on ${action.target}${detail}.`);
    }
    const was = before.actions[key];
    if (was === action.status) continue;
    const what = `${action.action} on ${action.target}`;
    const detail = action.detail ? ` — ${action.detail}` : '';
    switch (action.status) {
      case 'done':
        lines.push(`${action.mode === 'enforce' ? 'Done' : 'Recorded'}: ${what}.${action.undo ? ` Undo: ${action.undo}` : ''}`);
        break;
      case 'failed':
        lines.push(`FAILED: ${what}${detail}. The credential may still work — act now.`);
        break;
      case 'skipped':
        lines.push(`Skipped: ${what}${detail}.`);
        break;
      case 'planned':
        lines.push(`Planned: ${what}.`);
        break;
    }
  }
  if (!before.restored && after.restored) {
    const r = view.restored ?? {};
    const who = r.approver?.name ?? r.by ?? 'an approver';
    lines.push(`Credential restored${who ? ` (approved by ${who})` : ''}${r.reason ? `: ${r.reason}` : ''}.`);
  }
  if (after.restoreProblem && before.restoreProblem !== after.restoreProblem && !after.restored) {
    lines.push(`${after.restoreProblem}. The credential stays revoked; an approver can try again.`);
  }
  if (before.decision !== after.decision && view.decision) {
    lines.push(
      view.decision.kind === 'kept'
        ? `${view.decision.by.name} chose to keep the credential revoked.`
        : `${view.decision.by.name} requested a restore of the credential; waiting for Blastwall to restore it.`,
    );
  }
  return lines;
}
