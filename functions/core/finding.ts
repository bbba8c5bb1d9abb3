/**
 * The finding and the response: the contract between detect, respond, page and
 * the CLI. Travels on the bus as the `detail` of `Blastwall Finding` and
 * `Blastwall Response` events, so it is plain JSON (no Dates, no Maps).
 */
import type { Actor, Credential, Severity } from './audit-event.ts';
import type { ResponseMode } from './config.ts';

/** One reason behind a finding, in plain words. */
export interface Reason {
  /** Signal id, e.g. `destructive-call`, `credential-hop`, `first-use-in-environment`. */
  signal: string;
  /** A sentence an on-call engineer understands at 2 a.m. */
  text: string;
  /** What the signal contributed, for the severity table. */
  severity: Severity;
  /** Mitigating signals lower the severity instead of raising it. */
  mitigating?: boolean;
}

/** A short line about an event, for "the events that led there". */
export interface EventSummary {
  eventId: string;
  time: string;
  eventName: string;
  eventSource: string;
  account: string;
  environment: string;
  sourceIp: string;
  userAgentFamily: string;
  accessKeyId?: string;
  errorCode?: string;
  /** Joins the two copies of a cross-account call (they are listed once). */
  sharedEventId?: string;
}

export type ActionStatus = 'planned' | 'done' | 'skipped' | 'failed';

/** One response step: an exact API call, or a manual step when no API can revoke. */
export interface ResponseAction {
  /** `iam:UpdateAccessKey`, `iam:PutRolePolicy`, `iam:PutUserPolicy`, or `manual` when a human must act. */
  action: string;
  /** What it acts on: an access key id, a role or user ARN. */
  target: string;
  /** Account the call is made in (through the responder role there). */
  account: string;
  mode: ResponseMode;
  status: ActionStatus;
  /** The exact API call: operation and input, as the SDK would send them. Absent for `manual`. */
  apiCall?: { service: 'iam'; operation: string; input: Record<string, unknown> };
  /** Why it was skipped, what a human must do, or the error it failed with. */
  detail?: string;
  /** How to undo it (command or console path). */
  undo?: string;
  /** When it was attempted (ISO). */
  at?: string;
  /**
   * Machine-readable reason for `skipped`/`failed` (or `already-revoked` on `done`), so a page can
   * branch on it: see `ACTION_CODES` in functions/core/response/codes.ts.
   */
  code?: string;
  /** The page must go to the top severity: a human has to act (manual step, failure, breaker open). */
  escalate?: boolean;
  /**
   * The target's state before Blastwall acted, read just before the call: `Active`/`Inactive` for a
   * key, the cut-off of an existing Blastwall deny (or `absent`) for a policy, or `blastwall:<finding ids>`
   * when it was already revoked by Blastwall for other findings. Restore reads it, so it never
   * re-enables a key that was inactive before Blastwall touched it.
   */
  priorState?: string;
  /** IAM attempts made (retries included). */
  attempts?: number;
  /** Set once the action was undone by an approved restore. */
  restored?: RestoreRecord;
}

/** Who undid an action, when and why, and whether the undo succeeded. */
export interface RestoreRecord {
  approver: { id: string; name: string };
  reason: string;
  /** ISO time of the restore. */
  at: string;
  status: 'done' | 'failed' | 'skipped';
  /** The undo call, as made. */
  apiCall?: { service: 'iam'; operation: string; input: Record<string, unknown> };
  detail?: string;
}

export interface Finding {
  /** Deterministic: the same event always yields the same id (dedup key for pages). */
  id: string;
  /** CloudTrail eventID of the triggering event. */
  eventId: string;
  time: string;
  eventName: string;
  eventSource: string;
  account: string;
  region: string;
  /** Environment of the account that received the call. */
  environment: string;
  severity: Severity;
  /** What happened, in one sentence. */
  summary: string;
  credential: Credential;
  actor: Actor;
  reasons: Reason[];
  /** Catalogue categories hit, e.g. `backup-destruction`. */
  categories: string[];
  /** Environments this credential (or its lineage) touched, in order of first sight. */
  environmentsCrossed: string[];
  /**
   * Credentials the session descends from, nearest first: a role session minted
   * by an `AKIA…` key of a staging user lists that key. Revoking "both ends" reads this.
   */
  lineage: Credential[];
  /** The last few events of this credential and actor that led here, oldest first. */
  recentEvents: EventSummary[];
  /** The environment's response mode at detection time. */
  mode: ResponseMode;
  /** Response actions; `planned` until `respond` acts. */
  response: ResponseAction[];
}
