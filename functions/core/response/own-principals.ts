/**
 * Blastwall's own principals, by exact name, computed from the config by this one module
 * for every door: the CDK stacks name their roles with it (and the member responder's
 * deny lists exactly these ARNs), respond and `blastwall replay` protect exactly these
 * ARNs, and the self-protection signal knows which names inside Blastwall's name space
 * are Blastwall's own.
 *
 * No glob on the name: protecting `Blastwall*` would make any role an attacker names
 * `Blastwall-anything` immune to revocation, whatever it deletes. Only the account is a
 * wildcard where the organisation's accounts are not known in advance (a member's
 * forwarder and responder roles exist in every member account).
 *
 * Pure: no AWS SDK.
 */
import type { BlastwallConfig } from '../config.ts';

/** IAM and other global-service events are delivered in us-east-1 only: members always forward from there. */
export const GLOBAL_EVENTS_REGION = 'us-east-1';

export const CENTRAL_FUNCTIONS = ['detect', 'respond', 'page', 'undo'] as const;
export type CentralFunction = (typeof CENTRAL_FUNCTIONS)[number];
/** The prevention functions (daily audit, hourly backup watchdog): central roles with fixed names too (member reader roles trust them). */
export const PREVENTION_FUNCTIONS = ['audit', 'backup-watchdog'] as const;
export type PreventionFunction = (typeof PREVENTION_FUNCTIONS)[number];
/** The history functions (one-off warm-up, 15-minute reconcile): central roles with fixed names too (the member history role trusts them). */
export const HISTORY_FUNCTIONS = ['warm-up', 'reconcile'] as const;
export type HistoryFunction = (typeof HISTORY_FUNCTIONS)[number];

/** Role name of the read-only history role (CloudTrail LookupEvents) in every member account. */
export function historyReaderRoleName(prefix: string): string {
  return `${prefix}-history-reader`;
}

/** The own-resource prefix every Blastwall name starts with. */
export function ownPrefix(config: BlastwallConfig): string {
  return config.detection.ownResourcePrefix;
}

/** Role name of a central function (`Blastwall-detect-function` …). */
export function functionRoleName(prefix: string, fn: CentralFunction | PreventionFunction | HistoryFunction): string {
  return `${prefix}-${fn}-function`;
}

/** Role name of a member's forwarder in a region (IAM is global: one per region). */
export function forwarderRoleName(prefix: string, region: string): string {
  return `${prefix}-forwarder-${region}`;
}

/**
 * `deployment.topology: "member"` (docs/deploy.md, "Topology"): every member account runs
 * `detect` next to its own default bus, and a heartbeat function beside it. Their roles,
 * functions and rule have fixed names (IAM is global: the role names carry the region; a
 * function or rule name is per region already), so they are protected by exact ARN.
 */
export const MEMBER_FUNCTIONS = ['member-detect', 'member-heartbeat'] as const;
export type MemberFunction = (typeof MEMBER_FUNCTIONS)[number];

/** Role name of a member-topology function in a region (`Blastwall-member-detect-eu-west-1`). */
export function memberFunctionRoleName(prefix: string, fn: MemberFunction, region: string): string {
  return `${prefix}-${fn}-${region}`;
}

/** Function name of a member-topology function (`Blastwall-member-detect`), the same in every region. */
export function memberFunctionName(prefix: string, fn: MemberFunction): string {
  return `${prefix}-${fn}`;
}

/** The member detector's rule on the default bus (`Blastwall-member-detect`). */
export function memberDetectRuleName(prefix: string): string {
  return `${prefix}-member-detect`;
}

/** The central role member detect assumes to read the config from AppConfig (AppConfig has no resource policies). */
export function memberConfigReaderRoleName(prefix: string): string {
  return `${prefix}-member-config-reader`;
}

/** Regions the member stacks forward from: us-east-1 always, then `deployment.regions`, no duplicates, sorted. */
export function memberRegions(config: BlastwallConfig): string[] {
  return [...new Set([GLOBAL_EVENTS_REGION, ...config.deployment.regions])].sort();
}

export interface OwnRole {
  /** `central-function`, `forwarder` or `responder`. */
  kind: 'central-function' | 'forwarder' | 'responder' | 'reader' | 'member-function' | 'config-reader';
  name: string;
  /** A 12-digit account, or `*` (any account of the organisation). */
  account: string;
}

/** Every role Blastwall's stacks create, by exact name. */
export function ownRoles(config: BlastwallConfig, options: { memberAccount?: string } = {}): OwnRole[] {
  const prefix = ownPrefix(config);
  const central = config.deployment.centralAccount ?? '*';
  const member = options.memberAccount ?? '*';
  return [
    ...[...CENTRAL_FUNCTIONS, ...PREVENTION_FUNCTIONS, ...HISTORY_FUNCTIONS].map((fn): OwnRole => ({ kind: 'central-function', name: functionRoleName(prefix, fn), account: central })),
    // A forwarder per region (the central topology; in the member topology, members still deployed to forward, e.g. by the StackSet).
    ...memberRegions(config).map((region): OwnRole => ({ kind: 'forwarder', name: forwarderRoleName(prefix, region), account: member })),
    // Member topology: detect and its heartbeat per region, and the central config reader.
    ...(config.deployment.topology === 'member'
      ? [
          ...memberRegions(config).flatMap((region) => MEMBER_FUNCTIONS.map((fn): OwnRole => ({ kind: 'member-function', name: memberFunctionRoleName(prefix, fn, region), account: member }))),
          { kind: 'config-reader', name: memberConfigReaderRoleName(prefix), account: central } satisfies OwnRole,
        ]
      : []),
    { kind: 'responder', name: config.response.responderRoleName, account: member },
    { kind: 'reader', name: config.audit.readerRoleName, account: member },
    { kind: 'reader', name: historyReaderRoleName(prefix), account: member },
  ];
}

/**
 * The exact ARNs of Blastwall's own roles: what respond, detect and `blastwall replay`
 * never revoke, and what the member responder's own deny protects. `partition` and
 * `memberAccount` may be CloudFormation tokens (the member stack passes its own).
 */
export function ownRoleArns(config: BlastwallConfig, partition = 'aws', options: { memberAccount?: string } = {}): string[] {
  return ownRoles(config, options).map((r) => `arn:${partition}:iam::${r.account}:role/${r.name}`);
}

/**
 * The exact ARNs of the member topology's functions and rule in every member account and
 * region (`*` for the account): Blastwall's own, like its roles (docs/deploy.md, "Topology").
 * Empty in the central topology.
 */
export function ownMemberResourceArns(config: BlastwallConfig, partition = 'aws'): string[] {
  if (config.deployment.topology !== 'member') return [];
  const prefix = ownPrefix(config);
  return memberRegions(config).flatMap((region) => [
    ...MEMBER_FUNCTIONS.map((fn) => `arn:${partition}:lambda:${region}:*:function:${memberFunctionName(prefix, fn)}`),
    `arn:${partition}:events:${region}:*:rule/${memberDetectRuleName(prefix)}`,
  ]);
}

/**
 * Names CloudFormation generates for the roles of Blastwall's own stacks (`Blastwall-Central-…`,
 * `Blastwall-Member-us-east-1-…`: stack name, logical id, random suffix) — CDK's helper roles
 * (log retention, custom resources, schedules) have no fixed name. Only meaningful together
 * with "made through CloudFormation"; such roles are not protected (not in {@link ownRoleArns}).
 */
export function ownStackRoleNamePattern(prefix: string): RegExp {
  const p = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${p}-(Central|MemberTemplate|MemberStackSet|Member-[a-z]{2}(-[a-z]+)+-\\d)-`, 'i');
}

/** Names Blastwall's own deployment creates inside its name space (case-insensitive comparison). */
export function ownNamesFromPrefix(prefix: string): { exact: Set<string>; forwarder: RegExp; memberFunction: RegExp } {
  const p = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    exact: new Set(
      [
        ...[...CENTRAL_FUNCTIONS, ...PREVENTION_FUNCTIONS, ...HISTORY_FUNCTIONS].map((fn) => functionRoleName(prefix, fn)),
        `${prefix}Responder`,
        `${prefix}AuditReader`,
        historyReaderRoleName(prefix),
        memberConfigReaderRoleName(prefix),
      ].map((n) => n.toLowerCase()),
    ),
    forwarder: new RegExp(`^${p}-forwarder-[a-z]{2}(-[a-z]+)+-\\d$`, 'i'),
    /** The member topology's detect and heartbeat roles, one per region. */
    memberFunction: new RegExp(`^${p}-(${MEMBER_FUNCTIONS.join('|')})-[a-z]{2}(-[a-z]+)+-\\d$`, 'i'),
  };
}

/**
 * Is `arn` (a role ARN, or an assumed-role session ARN) one of `roles`? Exact name
 * (IAM role names are unique regardless of case), no path, the account equal or `*`.
 */
export function matchOwnRole(roles: readonly OwnRole[], arn: string | undefined): OwnRole | undefined {
  if (!arn) return undefined;
  const m = /^arn:[\w-]+:(?:iam::(\d{12}):role\/([^/]+)|sts::(\d{12}):assumed-role\/([^/]+)\/[^/]*)$/.exec(arn);
  if (!m) return undefined;
  const account = m[1] ?? m[3];
  const name = (m[2] ?? m[4] ?? '').toLowerCase();
  return roles.find((r) => r.name.toLowerCase() === name && (r.account === '*' || r.account === account));
}
