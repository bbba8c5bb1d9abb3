/**
 * Signals: small pure functions `(event, history) → signal | undefined`, each
 * with a sentence saying why. The sentences of the signals that fire on benign
 * events too (info-level context) are getters, built only when a finding reads
 * them: most events never pay for the text. `history` is what the state store knew before this
 * event; every comparison uses event time, never arrival time, so re-processing
 * the same event against the same state gives the same answer.
 */
import type { AuditEvent, Severity } from '../audit-event.ts';
import { severityRank } from '../audit-event.ts';
import type { BlastwallConfig } from '../config.ts';
import type { EnvironmentResolver } from '../environment.ts';
import { type CatalogueMatch, type Category, DESTRUCTION_CATEGORIES } from './catalogue.ts';
import { describeCredential, isServiceCall, networkOf } from './keys.ts';
import { ENVIRONMENT_ADJUSTMENT, FAILED_ATTEMPT_ADJUSTMENT, FAILED_ATTEMPT_ADJUSTMENT_FOR_INTENT, type Signal, type SignalId, shift } from './scoring.ts';
import type { ActorState, ActorUse, CreatedResource, PrincipalState, SessionLineage } from './state-store.ts';
import { type BurstStatus, type DeniedStatus, type SessionTheft } from './history-signals.ts';
import { selfProtection } from './self-protection.ts';

export type DetectionSettings = BlastwallConfig['detection'];

export interface History {
  settings: DetectionSettings;
  resolver: EnvironmentResolver;
  principalKey: string;
  credentialKey: string;
  actorKey?: string;
  /** The catalogue hit for this call, if any (computed once). */
  match?: CatalogueMatch;
  principal?: PrincipalState;
  actor?: ActorState;
  lineage?: SessionLineage;
  created: CreatedResource[];
  /** For a catalogue entry that is a hit only in numbers: the burst it is part of. */
  burst?: BurstStatus;
  /** Refusals of this principal within the denied-burst window, when they make a burst. */
  denied?: DeniedStatus;
  /** A second machine using this session, if any. */
  theft?: SessionTheft;
}

export type SignalFunction = (event: AuditEvent, history: History) => Signal | undefined;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function duration(ms: number): string {
  const abs = Math.abs(ms);
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (abs < MINUTE) return plural(Math.max(1, Math.round(abs / 1000)), 'second');
  if (abs < HOUR) return plural(Math.round(abs / MINUTE), 'minute');
  if (abs < 2 * DAY) return plural(Math.round(abs / HOUR), 'hour');
  return plural(Math.round(abs / DAY), 'day');
}

function envLabel(environment: string): string {
  return environment === 'unknown' ? 'an account not in the configuration' : environment;
}

function sensitivity(history: History, environment: string): 'low' | 'high' | 'unknown' {
  return history.resolver.sensitivity(environment);
}

/**
 * Strictly before the event in event-time order (time, then event id — the order
 * `orderByEventTime` gives): what an event is judged against, whatever the
 * arrival order. CloudTrail times have one-second granularity, so ties are common.
 */
export function isBefore(time: number, eventId: string, event: AuditEvent): boolean {
  return time < event.timeMs || (time === event.timeMs && eventId < event.id);
}

export function failed(event: AuditEvent): boolean {
  return event.action.errorCode !== undefined;
}

const CATEGORY_SIGNAL: Record<Category, SignalId> = {
  'data-destruction': 'destructive-call',
  'backup-destruction': 'destructive-call',
  'logging-tamper': 'logging-tamper',
  'detector-tamper': 'detector-tamper',
  'security-control-tamper': 'security-control-tamper',
  'identity-change': 'identity-change',
  exposure: 'exposure',
  'credential-access': 'credential-access',
  persistence: 'persistence',
  'privilege-escalation': 'privilege-escalation',
  execution: 'execution',
  'lateral-movement': 'lateral-movement',
};

const NEVER_LOWERED: readonly Category[] = ['logging-tamper', 'detector-tamper', 'security-control-tamper'];

/** A catalogued destructive, tamper, identity or exposure call. */
export const catalogueCall: SignalFunction = (event, history) => {
  const match = history.match;
  if (!match) return undefined;
  let severity: Severity = match.severity;
  const notes: string[] = [];
  const env = event.environment;
  const level = sensitivity(history, env);
  if (!NEVER_LOWERED.includes(match.category) && ENVIRONMENT_ADJUSTMENT[level] !== 0) {
    const adjusted = shift(severity, ENVIRONMENT_ADJUSTMENT[level], 'low');
    if (adjusted !== severity) notes.push(`${envLabel(env)} is a ${level}-sensitivity environment, so this weighs one step less`);
    severity = adjusted;
  }
  if (match.category === 'detector-tamper' && (event.credential.invokedBy === 'cloudformation.amazonaws.com' || event.actor.userAgentFamily === 'cloudformation')) {
    severity = 'medium';
    notes.push('it was made through CloudFormation, which is how Blastwall itself is deployed');
  }
  let text = `${capitalise(describeCredential(event.credential))} ${failed(event) ? 'tried to call' : 'called'} ${match.entry.eventSource.split('.')[0]}:${event.action.name}, which ${match.description}${
    match.targets.length ? ` (${match.targets.map((t) => t.name).slice(0, 3).join(', ')})` : ''
  }, in ${envLabel(env)}.`;
  if (history.burst) {
    text += ` It is ${history.burst.count} ${match.entry.burst!.noun} by this principal within ${match.entry.burst!.windowMinutes} minutes (${history.burst.calls} calls), and it does not usually make them.`;
  }
  if (failed(event)) {
    severity = shift(severity, isDestruction(match.category) ? FAILED_ATTEMPT_ADJUSTMENT : FAILED_ATTEMPT_ADJUSTMENT_FOR_INTENT, 'low');
    text += isDestruction(match.category)
      ? ` AWS refused it (${event.action.errorCode}), so nothing changed, but someone is trying.`
      : ` AWS refused it (${event.action.errorCode}); the attempt shows intent all the same.`;
  }
  if (notes.length) text += ` Weighed accordingly: ${notes.join('; ')}.`;
  if (match.entry.sources.some((s) => s.kind === 'config')) {
    text += ` (Your own rule ${match.entry.id}, from detection.rules; sources: ${match.entry.sources.map((s) => `${s.kind}: ${s.ref}`).join('; ')}.)`;
  }
  return { id: CATEGORY_SIGNAL[match.category], severity, text };
};

/** The call also destroys the backups that would restore the data. */
export const backupsInBlastRadius: SignalFunction = (event, history) => {
  const match = history.match;
  if (!match || !match.destroysBackups || failed(event)) return undefined;
  return {
    id: 'backups-in-blast-radius',
    severity: sensitivity(history, event.environment) === 'low' ? 'medium' : 'high',
    text: `This call destroys backups too: if the data is lost, the way to restore it goes with it.`,
  };
};

/** Several destructive calls by one principal within the burst window. */
export const burst: SignalFunction = (event, history) => {
  if (!history.match || failed(event) || !isDestruction(history.match.category)) return undefined;
  // A burst of deletions of its own recent creations is a teardown, not a burst.
  if (ownRecentCreations(event, history)) return undefined;
  const windowMs = history.settings.burstWindowMinutes * MINUTE;
  const call = event.sharedEventId ?? event.id;
  const earlier = (history.principal?.destructive ?? []).filter((d) => d.eventId !== call && isBefore(d.time, d.eventId, event) && d.time > event.timeMs - windowMs);
  const count = earlier.length + 1;
  if (count < history.settings.burstThreshold) return undefined;
  return {
    id: 'burst',
    severity: sensitivity(history, event.environment) === 'high' ? 'high' : 'medium',
    text: `This is destructive call number ${count} by ${describeCredential(event.credential)} within ${history.settings.burstWindowMinutes} minutes.`,
  };
};

function isDestruction(category: Category): boolean {
  return DESTRUCTION_CATEGORIES.has(category);
}

/** Principal's home environment differs from the environment that received the call. */
export const crossEnvironment: SignalFunction = (event, history) => {
  if (isServiceCall(event)) return undefined;
  const home = event.credential.homeEnvironment;
  const env = event.environment;
  if (home === env || home === 'unknown' || env === 'unknown') return undefined;
  const routine = history.principal?.environments.some((e) => e.environment === env && e.firstSeen < event.timeMs) ?? false;
  const towardMoreSensitive = history.resolver.sensitivityRank(env) > history.resolver.sensitivityRank(home);
  let severity: Severity;
  if (towardMoreSensitive) severity = routine ? 'info' : 'medium';
  else if (!routine) severity = 'low';
  else return undefined;
  return {
    id: 'cross-environment',
    severity,
    get text() {
      return `${capitalise(describeCredential(event.credential))} belongs to ${home} but acted in ${env}${
        routine ? ', as it has before' : ', for the first time'
      }${towardMoreSensitive ? ` — ${env} is more sensitive than ${home}` : ''}.`;
    },
  };
};

/** The session descends from other credentials; matters when a link lives in a less sensitive environment. */
export const sessionLineage: SignalFunction = (event, history) => {
  const chain = history.lineage?.chain ?? [];
  if (chain.length === 0) return undefined;
  const rank = history.resolver.sensitivityRank(event.environment);
  const lower = chain.find((link) => link.environment !== 'unknown' && history.resolver.sensitivityRank(link.environment) < rank);
  return {
    id: 'session-lineage',
    severity: lower ? 'medium' : 'info',
    get text() {
      const story = chain
        .map((link) => `${describeCredential(link.credential)} (${envLabel(link.environment)}, ${link.via} at ${link.mintedAt})`)
        .join(', minted by ');
      return lower
        ? `This session was minted by ${story}: the call in ${event.environment} originates in ${lower.environment}, a less sensitive environment.`
        : `This session was minted by ${story}.`;
    },
  };
};

/** The most recently used hop source: another principal of this actor in a less sensitive environment, recent enough (the first such use on ties). */
function hopSource(event: AuditEvent, history: History, hopStart: number): ActorUse | undefined {
  const actor = history.actor;
  if (!actor) return undefined;
  const rank = history.resolver.sensitivityRank(event.environment);
  const windowMs = history.settings.hopWindowMinutes * MINUTE;
  // lastSeen is refreshed at most every refresh interval, so allow that much slack.
  const slack = actorRefreshMs(history.settings);
  const chain = history.lineage?.chain;
  let best: ActorUse | undefined;
  for (const use of actor.uses) {
    if (
      use.principalKey !== history.principalKey &&
      use.environment !== 'unknown' &&
      use.firstSeen <= hopStart &&
      use.lastSeen >= hopStart - windowMs - slack &&
      (best === undefined || use.lastSeen > best.lastSeen) &&
      history.resolver.sensitivityRank(use.environment) < rank &&
      !(use.accessKeyId && chain?.some((l) => l.credential.accessKeyId === use.accessKeyId))
    ) {
      best = use;
    }
  }
  return best;
}

/** How often an actor's "last used" time is refreshed in the store (coalescing). */
export function actorRefreshMs(settings: DetectionSettings): number {
  return Math.max(MINUTE, Math.floor((settings.hopWindowMinutes * MINUTE) / 2));
}

export function isEstablished(principal: PrincipalState | undefined, event: AuditEvent, settings: DetectionSettings): boolean {
  return principal !== undefined && principal.firstSeen <= event.timeMs - settings.baselineDays * DAY;
}

/**
 * Same actor, another credential, a more sensitive environment, within minutes.
 * The hop starts when the actor first uses the new credential; every call it makes
 * with it within the hop window after that carries the signal.
 */
export const credentialHop: SignalFunction = (event, history) => {
  if (!history.actorKey || isServiceCall(event)) return undefined;
  const windowMs = history.settings.hopWindowMinutes * MINUTE;
  const own = history.actor?.uses.find((u) => u.principalKey === history.principalKey && u.environment === event.environment && u.firstSeen < event.timeMs);
  if (own && own.firstSeen < event.timeMs - windowMs) return undefined;
  const hopStart = own?.firstSeen ?? event.timeMs;
  const from = hopSource(event, history, hopStart);
  if (!from) return undefined;
  const established = isEstablished(history.principal, event, history.settings);
  const gap = Math.max(0, hopStart - Math.min(from.lastSeen, hopStart));
  return {
    id: 'credential-hop',
    severity: established ? 'high' : 'medium',
    get text() {
      return `The same machine (${event.actor.sourceIp}, ${event.actor.userAgentFamily}) was using ${from.description} in ${from.environment}` +
      (gap > 0 ? ` ${duration(gap)} before` : ' right before') +
      ` it started using ${describeCredential(event.credential)} in ${event.environment}, a credential it had never used: one actor hopping from ${from.environment} to ${event.environment}.` +
      (established ? '' : ' (Blastwall has less than the baseline period of history for this credential, so this weighs less.)');
    },
  };
};

/** First time this principal is seen in this environment. */
export const firstUseInEnvironment: SignalFunction = (event, history) => {
  if (event.credential.type === 'aws-service' || event.credential.type === 'anonymous') return undefined;
  const sightings = history.principal?.environments ?? [];
  if (sightings.some((e) => e.environment === event.environment && e.firstSeen < event.timeMs)) return undefined;
  const level = sensitivity(history, event.environment);
  return {
    id: 'first-use-in-environment',
    severity: level === 'high' ? 'low' : 'info',
    get text() {
      const elsewhere = sightings.filter((e) => e.firstSeen < event.timeMs).map((e) => e.environment);
      return `This is the first time Blastwall sees ${describeCredential(event.credential)} used in ${envLabel(event.environment)}${
        elsewhere.length ? `; until now it was used only in ${elsewhere.join(', ')}` : ''
      }.`;
    },
  };
};

/** An established principal used from a network or tool it never used. */
export const newSource: SignalFunction = (event, history) => {
  if (isServiceCall(event) || !isEstablished(history.principal, event, history.settings)) return undefined;
  const principal = history.principal!;
  const known = principal.sources.filter((s) => s.firstSeen < event.timeMs);
  if (known.length === 0) return undefined;
  const network = networkOf(event.actor.sourceIp);
  const family = event.actor.userAgentFamily;
  const newNetwork = !known.some((s) => s.network === network);
  const newFamily = !known.some((s) => s.family === family);
  if (!newNetwork && !newFamily) return undefined;
  const level = sensitivity(history, event.environment);
  const both = newNetwork && newFamily;
  // Only one of the two changing (CI runners move networks, people upgrade tools) is context, not evidence.
  const severity: Severity = !both ? 'info' : level === 'high' ? 'medium' : 'low';
  return {
    id: 'new-source',
    severity,
    get text() {
      const usual = [...new Set(known.map((s) => `${s.network} (${s.family})`))].slice(0, 3).join(', ');
      const what = both ? `a network (${event.actor.sourceIp}) and a tool (${family})` : newNetwork ? `a network (${event.actor.sourceIp})` : `a tool (${family})`;
      return `${capitalise(describeCredential(event.credential))} has been in use for ${duration(event.timeMs - principal.firstSeen)}, always from ${usual}; now it is used from ${what} it was never used from.`;
    },
  };
};

/** The root user. */
export const rootUse: SignalFunction = (event) => {
  if (event.credential.type !== 'root') return undefined;
  return {
    id: 'root-use',
    severity: 'high',
    text:
      `The root user of account ${event.credential.accountId ?? event.account} made this call. ` +
      'Root is for break-glass only, and no IAM policy can revoke it: a human must sign in as root, change its password, and delete its access keys.',
  };
};

/** A successful console sign-in without MFA. */
export const consoleLoginWithoutMfa: SignalFunction = (event, history) => {
  if (event.action.name !== 'ConsoleLogin' || event.action.eventSource !== 'signin.amazonaws.com') return undefined;
  const result = event.responseElements?.['ConsoleLogin'];
  const mfa = event.additionalEventData?.['MFAUsed'];
  if (result !== 'Success' || mfa !== 'No') return undefined;
  const root = event.credential.type === 'root';
  return {
    id: 'console-login-without-mfa',
    severity: root ? 'high' : sensitivity(history, event.environment) === 'high' ? 'medium' : 'low',
    text: `${capitalise(describeCredential(event.credential))} signed in to the console from ${event.actor.sourceIp} without MFA.`,
  };
};

/**
 * The creations (by this principal, in this account, within recentCreationHours)
 * of every resource this call acts on — matched on the canonical keys of both
 * calls, so a name, an id and an ARN of the same resource meet — or undefined
 * when any target was not its own recent creation.
 */
export function ownRecentCreations(event: AuditEvent, history: History): CreatedResource[] | undefined {
  const match = history.match;
  if (!match || match.targets.length === 0 || !isDestruction(match.category)) return undefined;
  const since = event.timeMs - history.settings.recentCreationHours * HOUR;
  const mine: CreatedResource[] = [];
  for (const t of match.targets) {
    const found = history.created.find(
      (c) =>
        c.type === t.type && t.keys.includes(c.name) && c.account === event.account && c.creatorPrincipal === history.principalKey && c.createdAt <= event.timeMs && c.createdAt >= since,
    );
    if (!found) return undefined;
    mine.push(found);
  }
  return mine;
}

/** Mitigating: everything deleted was created by the same principal recently. */
export const deletesOwnRecentCreation: SignalFunction = (event, history) => {
  const mine = ownRecentCreations(event, history);
  if (!mine) return undefined;
  const oldest = Math.min(...mine.map((m) => m.createdAt));
  const what = history.match!.targets.map((t) => t.name).slice(0, 3).join(', ');
  const blinding = history.match!.category === 'logging-tamper';
  return {
    id: 'deletes-own-recent-creation',
    severity: 'info',
    mitigating: true,
    text: `It ${/^(Delete|Terminate|Remove|Schedule|Disassociate)/.test(event.action.name) ? 'deletes' : 'acts on'} ${what}, which the same principal created ${duration(event.timeMs - oldest)} earlier: cleaning up its own work${
      blinding ? ' — but it is a log it created, and logs going away is how attackers hide, so it stays a finding' : ''
    }.`,
  };
};

/** Refused many times within minutes, by a principal that is not usually refused. */
export const deniedBurst: SignalFunction = (event, history) => {
  const denied = history.denied;
  if (!denied) return undefined;
  return {
    id: 'denied-burst',
    severity: sensitivity(history, event.environment) === 'high' ? 'medium' : 'low',
    text: `${capitalise(describeCredential(event.credential))} was refused ${denied.count} times within ${denied.windowMinutes} minutes (${denied.calls.slice(0, 3).join(', ')}${
      denied.calls.length > 3 ? ' …' : ''
    }), and it is not usually refused: someone is probing what this credential may do.`,
  };
};

/** One role session used from a second machine. */
export const stolenSession: SignalFunction = (event, history) => {
  const theft = history.theft;
  if (!theft) return undefined;
  const high = sensitivity(history, event.environment) === 'high';
  let severity: Severity = high ? 'high' : 'medium';
  if (theft.serviceSessionFromOutside) severity = shift(severity, 1);
  return {
    id: 'stolen-session',
    severity,
    text:
      `Session ${event.credential.accessKeyId} of role ${event.credential.principalName ?? 'unknown'} was used from ${theft.first.network} (${theft.first.family}) since ${new Date(theft.first.firstSeen).toISOString()}; ` +
      `now the same session is used from ${event.actor.sourceIp} (${event.actor.userAgentFamily}), another network and another tool. A session lives on one machine: this looks like a stolen session.` +
      (theft.serviceSessionFromOutside ? ` It was minted for ${theft.mintedFor}, and it is now used by a person's tool (${event.actor.userAgentFamily}) from outside AWS.` : ''),
  };
};

const ROUTINE_MIN_COUNT = 3;
/** How many of the earliest calls a routine keeps (a bounded set; see RoutineAction). */
export const ROUTINE_KEPT = 6;
/** Mitigating: an established destructive routine of this principal in a low-sensitivity environment. */
export const routineInLowEnvironment: SignalFunction = (event, history) => {
  if (!history.match || sensitivity(history, event.environment) !== 'low' || !isDestruction(history.match.category)) return undefined;
  const sighting = history.principal?.environments.find((e) => e.environment === event.environment);
  const earlier = (sighting?.routine[event.action.name]?.events ?? []).filter((e) => isBefore(e.time, e.id, event));
  if (earlier.length < ROUTINE_MIN_COUNT) return undefined;
  const since = Math.min(...earlier.map((e) => e.time));
  if (since > event.timeMs - DAY) return undefined;
  const times = earlier.length >= ROUTINE_KEPT ? `at least ${earlier.length} times` : `${earlier.length} times`;
  return {
    id: 'routine-in-low-environment',
    severity: 'info',
    mitigating: true,
    text: `In ${event.environment} (low sensitivity) this principal has called ${event.action.name} ${times} since ${new Date(since).toISOString().slice(0, 10)}: routine.`,
  };
};

/** Every signal, in the order reasons are listed. */
export const SIGNALS: readonly SignalFunction[] = [
  catalogueCall,
  backupsInBlastRadius,
  burst,
  credentialHop,
  sessionLineage,
  crossEnvironment,
  newSource,
  firstUseInEnvironment,
  rootUse,
  consoleLoginWithoutMfa,
  deniedBurst,
  stolenSession,
  deletesOwnRecentCreation,
  routineInLowEnvironment,
  selfProtection,
];

export function evaluateSignals(event: AuditEvent, history: History): Signal[] {
  const out: Signal[] = [];
  for (const fn of SIGNALS) {
    const signal = fn(event, history);
    if (signal) out.push(signal);
  }
  // Strongest first within the listing, mitigating last.
  return out.sort((a, b) => Number(a.mitigating ?? false) - Number(b.mitigating ?? false) || severityRank(b.severity) - severityRank(a.severity));
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
