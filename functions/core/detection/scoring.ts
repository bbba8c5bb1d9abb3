/**
 * Scoring: signals combine into a severity by a table, in code as data, so the
 * README and docs/detection.md can print exactly what the detector does.
 *
 *   1. Start from the highest severity among the aggravating signals.
 *   2. Apply the combinations, in order (a destructive call from a hopping actor is critical …).
 *      Only signals at `low` or above count as evidence; `info` signals are context.
 *   3. Apply the mitigations (deleting what you created yourself lowers by two steps …),
 *      unless a blocking signal is present (tamper, a hop, root, a new source …).
 *   4. A finding is emitted at `low` and above; `info` only updates state.
 */
import type { Severity } from '../audit-event.ts';
import { SEVERITIES, severityRank } from '../audit-event.ts';

export const SIGNAL_IDS = [
  'destructive-call',
  'logging-tamper',
  'detector-tamper',
  'security-control-tamper',
  'identity-change',
  'exposure',
  'credential-access',
  'persistence',
  'privilege-escalation',
  'execution',
  'lateral-movement',
  'denied-burst',
  'stolen-session',
  'backups-in-blast-radius',
  'burst',
  'credential-hop',
  'cross-environment',
  'session-lineage',
  'first-use-in-environment',
  'new-source',
  'root-use',
  'console-login-without-mfa',
  'deletes-own-recent-creation',
  'routine-in-low-environment',
] as const;
export type SignalId = (typeof SIGNAL_IDS)[number];

export interface Signal {
  id: SignalId;
  severity: Severity;
  /** One or two plain sentences an on-call engineer understands. */
  text: string;
  mitigating?: boolean;
}

/** What each signal means and which severities it produces — the first half of the table. */
export const SIGNAL_TABLE: Record<SignalId, { meaning: string; severity: string }> = {
  'destructive-call': {
    meaning: 'The call is in the destructive-call catalogue (data or backup destruction).',
    severity: 'The catalogue severity after parameter predicates; one step lower in a low-sensitivity environment; two steps lower (at least low) when the call failed.',
  },
  'logging-tamper': { meaning: 'The call stops or weakens audit logging (CloudTrail, Config, flow logs, DNS logs …).', severity: 'Catalogue severity (StopLogging, DeleteTrail: critical); never lowered by environment.' },
  'detector-tamper': { meaning: "The call changes one of Blastwall's own resources (name starts with the own-resource prefix).", severity: 'critical (medium when made by CloudFormation, i.e. a deployment).' },
  'security-control-tamper': { meaning: 'The call weakens a security control (GuardDuty, Security Hub, deletion protection, MFA, organisation guard-rails …).', severity: 'Catalogue severity; never lowered by environment.' },
  'identity-change': { meaning: 'The call creates or changes credentials or permissions.', severity: 'Catalogue severity (low; high for administrator access or a trust policy open to anyone).' },
  exposure: { meaning: 'The call makes data reachable from outside (public snapshot, bucket policy for "*" …).', severity: 'Catalogue severity.' },
  'credential-access': {
    meaning: 'The call reads secrets, passwords or instance user data in numbers (a burst by a principal that does not usually make such calls).',
    severity: 'Catalogue severity; one step lower in a low-sensitivity environment; one step lower when refused.',
  },
  persistence: { meaning: 'The call leaves a way back in: keys or passwords for another user, a backdoored function, a trust anchor, a federation token.', severity: 'Catalogue severity; one step lower in a low-sensitivity environment; one step lower when refused.' },
  'privilege-escalation': { meaning: "The call takes over another identity's access (another user's console password …).", severity: 'Catalogue severity; one step lower in a low-sensitivity environment; one step lower when refused.' },
  execution: { meaning: "The call runs code on instances, changes their start-up script, or launches capacity for someone else's workload (GPU instances, model access).", severity: 'Catalogue severity; one step lower in a low-sensitivity environment; one step lower when refused.' },
  'lateral-movement': { meaning: 'The call moves from the AWS API onto instances (SSH keys pushed, serial console).', severity: 'Catalogue severity; one step lower in a low-sensitivity environment; one step lower when refused.' },
  'denied-burst': {
    meaning: 'The principal was refused (AccessDenied, UnauthorizedOperation …) many times within minutes, and is not usually refused: someone is probing what the credential may do.',
    severity: 'medium in a high-sensitivity environment, low elsewhere.',
  },
  'stolen-session': {
    meaning: 'One role session (the same ASIA key) used from a second network and tool family during its lifetime: a session lives on one machine, so a second one is theft. AWS services acting for the session are not a second source.',
    severity: 'high in a high-sensitivity environment, medium elsewhere; critical when the session was minted for an AWS service (EC2, Lambda, ECS, CodeBuild …) and is now used from outside AWS with a human tool.',
  },
  'backups-in-blast-radius': { meaning: 'The call also destroys the backups that would restore the data.', severity: 'high; medium in a low-sensitivity environment.' },
  burst: { meaning: 'The same principal made several destructive calls within the burst window (deletions of its own recent creations do not count).', severity: 'high in a high-sensitivity environment, medium elsewhere.' },
  'credential-hop': {
    meaning: 'The same actor (source IP + user-agent family) used a credential in a less sensitive environment, and within the hop window started using a different credential, which it had never used, in a more sensitive one. Every call in the window after the hop carries it. Sessions minted by the first credential (lineage) are not hops.',
    severity: 'high when the new credential has an established history (baselineDays); medium while Blastwall is still learning it.',
  },
  'cross-environment': { meaning: "The principal's home environment differs from the environment that received the call.", severity: 'medium the first time into a more sensitive environment; info when routine; low into a less sensitive one the first time.' },
  'session-lineage': { meaning: 'The session was minted (AssumeRole, GetSessionToken …) by another credential; the chain is listed on the finding.', severity: 'medium when a link of the chain lives in a less sensitive environment; info otherwise.' },
  'first-use-in-environment': { meaning: 'First time this principal is seen in this environment.', severity: 'low in a high-sensitivity environment; info elsewhere.' },
  'new-source': {
    meaning: 'A principal with an established history (baselineDays) is used from a network and a tool (user-agent family) it was never used from.',
    severity: 'medium in a high-sensitivity environment, low elsewhere; info when only one of network or tool is new (CI runners move, tools upgrade).',
  },
  'root-use': { meaning: 'The account root user made the call. Root cannot be revoked by policy.', severity: 'high.' },
  'console-login-without-mfa': { meaning: 'A console sign-in succeeded without MFA.', severity: 'high for root; medium for an IAM user in a high-sensitivity environment, low elsewhere.' },
  'deletes-own-recent-creation': {
    meaning:
      'Mitigating: every resource deleted was created by the same principal (an IAM user with its keys, session tokens and console session; a role with all its sessions) within recentCreationHours, whatever form each call names it by (name, id, ARN, Secrets Manager suffix).',
    severity: 'lowers three steps (high becomes info, critical becomes low); for logging tamper (a trail, log group or flow log of its own) only down to medium.',
  },
  'routine-in-low-environment': { meaning: 'Mitigating: in a low-sensitivity environment, this principal has made this destructive call at least 3 times over more than a day.', severity: 'lowers one step.' },
};

/** Catalogue signals of an attacker at work that destroy nothing by themselves. */
export const ATTACK_SIGNALS: readonly SignalId[] = ['credential-access', 'persistence', 'privilege-escalation', 'execution', 'lateral-movement'];

/** Signals that count as "destructive" in combinations. */
export const DESTRUCTIVE_SIGNALS: readonly SignalId[] = ['destructive-call', 'logging-tamper', 'detector-tamper', 'security-control-tamper', 'backups-in-blast-radius', 'exposure'];

export interface Combination {
  /** Every group must have at least one signal present at `low` or above. */
  all: readonly (readonly SignalId[])[];
  /** Raise by this many steps (applied first). */
  raiseBy?: number;
  /** Then raise to at least this severity. */
  atLeast?: Severity;
  why: string;
}

export const COMBINATIONS: readonly Combination[] = [
  { all: [['credential-hop'], DESTRUCTIVE_SIGNALS], atLeast: 'critical', why: 'a destructive call by an actor that just hopped to this credential' },
  { all: [['root-use'], DESTRUCTIVE_SIGNALS], atLeast: 'critical', why: 'a destructive call by the root user' },
  { all: [['backups-in-blast-radius'], ['burst', 'credential-hop', 'new-source', 'session-lineage', 'cross-environment']], atLeast: 'critical', why: 'backups destroyed in an anomalous sequence of calls' },
  { all: [['session-lineage', 'cross-environment'], DESTRUCTIVE_SIGNALS], raiseBy: 1, atLeast: 'high', why: 'a destructive call by a credential that came from a less sensitive environment' },
  { all: [['new-source'], DESTRUCTIVE_SIGNALS], raiseBy: 1, atLeast: 'medium', why: 'a destructive call by an established credential from a machine it never used' },
  { all: [['credential-hop'], ['new-source']], atLeast: 'high', why: 'an established credential picked up by a machine that just used another environment' },
  { all: [['stolen-session'], [...DESTRUCTIVE_SIGNALS, ...ATTACK_SIGNALS]], atLeast: 'critical', why: 'a destructive or attacking call with a stolen session' },
  { all: [['credential-hop'], ATTACK_SIGNALS], atLeast: 'high', why: 'an attacking call by an actor that just hopped to this credential' },
  { all: [['console-login-without-mfa'], ['new-source', 'first-use-in-environment']], raiseBy: 1, why: 'a sign-in without MFA from a new place' },
];

export interface Mitigation {
  signal: SignalId;
  lowerBy: number;
  /** Not applied when any of these is present at `low` or above. */
  blockedBy: readonly SignalId[];
  /** Instead of lowering, cap at this severity when one of `capWhen` is present (and no blocker). */
  cap?: { when: readonly SignalId[]; atMost: Severity };
}

const BLOCKERS: readonly SignalId[] = [
  'credential-hop',
  'stolen-session',
  'logging-tamper',
  'detector-tamper',
  'security-control-tamper',
  'root-use',
  'new-source',
  'session-lineage',
  'cross-environment',
];

export const MITIGATIONS: readonly Mitigation[] = [
  // Deleting a trail, log group or flow log it created minutes earlier is a teardown too, but it blinds: say so at medium, never revoke for it alone.
  { signal: 'deletes-own-recent-creation', lowerBy: 3, blockedBy: BLOCKERS.filter((id) => id !== 'logging-tamper'), cap: { when: ['logging-tamper'], atMost: 'medium' } },
  { signal: 'routine-in-low-environment', lowerBy: 1, blockedBy: BLOCKERS },
];

/** Lowest severity that becomes a finding. */
export const FINDING_THRESHOLD: Severity = 'low';

/** How a destructive call's catalogue severity moves with the environment's sensitivity (tamper categories are never lowered). */
export const ENVIRONMENT_ADJUSTMENT: Record<'low' | 'high' | 'unknown', number> = { low: -1, unknown: 0, high: 0 };

/**
 * How a failed call (AccessDenied …) is weighed: steps down, never below `low`.
 * A refused deletion changed nothing (two steps); a refused attempt to read
 * secrets, run code or persist shows intent as much as a success would (one step).
 */
export const FAILED_ATTEMPT_ADJUSTMENT = -2;
export const FAILED_ATTEMPT_ADJUSTMENT_FOR_INTENT = -1;

export function shift(severity: Severity, steps: number, floor: Severity = 'info'): Severity {
  const rank = Math.min(SEVERITIES.length - 1, Math.max(severityRank(floor), severityRank(severity) + steps));
  return SEVERITIES[rank]!;
}

export interface Score {
  severity: Severity;
  /** Sentences explaining combinations and mitigations that moved the severity. */
  adjustments: string[];
}

export function score(signals: readonly Signal[]): Score {
  const evidence = new Set(signals.filter((s) => !s.mitigating && severityRank(s.severity) >= severityRank('low')).map((s) => s.id));
  let severity: Severity = 'info';
  for (const s of signals) if (!s.mitigating && severityRank(s.severity) > severityRank(severity)) severity = s.severity;
  const adjustments: string[] = [];
  for (const combo of COMBINATIONS) {
    if (!combo.all.every((group) => group.some((id) => evidence.has(id)))) continue;
    const before = severity;
    if (combo.raiseBy) severity = shift(severity, combo.raiseBy);
    if (combo.atLeast && severityRank(combo.atLeast) > severityRank(severity)) severity = combo.atLeast;
    if (severity !== before) adjustments.push(`Raised from ${before} to ${severity}: ${combo.why}.`);
  }
  for (const mitigation of MITIGATIONS) {
    if (!signals.some((s) => s.mitigating && s.id === mitigation.signal)) continue;
    const blocker = mitigation.blockedBy.find((id) => evidence.has(id));
    if (blocker) {
      adjustments.push(`Not lowered for "${mitigation.signal}" because of "${blocker}".`);
      continue;
    }
    const before = severity;
    const capping = mitigation.cap?.when.find((id) => evidence.has(id));
    if (mitigation.cap && capping) {
      if (severityRank(severity) > severityRank(mitigation.cap.atMost)) severity = mitigation.cap.atMost;
      if (severity !== before) adjustments.push(`Lowered from ${before} to ${severity} (not further, because of "${capping}"): ${mitigation.signal.replace(/-/g, ' ')}.`);
      continue;
    }
    severity = shift(severity, -mitigation.lowerBy);
    if (severity !== before) adjustments.push(`Lowered from ${before} to ${severity}: ${mitigation.signal.replace(/-/g, ' ')}.`);
  }
  return { severity, adjustments };
}
