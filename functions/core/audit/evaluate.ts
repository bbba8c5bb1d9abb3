/**
 * The five questions, per credential, answered with a real IAM policy evaluator
 * (`@cloud-copilot/iam-simulate`): identity policies (inline, managed, group),
 * permissions boundaries, SCPs and, for every `sts:AssumeRole` hop, the target
 * role's trust policy. Nothing here reads a policy by eye.
 *
 * 1. worstAction      — the worst catalogue call the credential (or a role it can
 *                       reach) may make, and in which environment;
 * 2. reachesMoreSensitive — `sts:AssumeRole` chains (bounded depth) into an
 *                       environment more sensitive than the credential's own;
 * 3. rotation         — key age and last use (credential report), who uses it (state);
 * 4. reachesBackups   — catalogue calls that destroy backups, where the credential
 *                       can also destroy the data;
 * 5. approvalGate     — true only when an SCP or permissions boundary denies every
 *                       reachable destructive call unless an approval condition holds
 *                       (MFA, or the approval tag).
 *
 * "Can" means: allowed when the caller meets every approval condition (the worst
 * case of what the credential can reach); "ungated" means: also allowed without
 * MFA and without the approval tag.
 *
 * Pure apart from the evaluator's own data files: no AWS SDK, no network.
 */
import { runSimulation, type RunSimulationResults, type Simulation, type SimulationOrgPolicies } from '@cloud-copilot/iam-simulate';
import type { Severity } from '../audit-event.ts';
import { severityRank } from '../audit-event.ts';
import type { BlastwallConfig } from '../config.ts';
import { createEnvironmentResolver, type EnvironmentResolver } from '../environment.ts';
import { backupActions, destructiveActions, type AuditedAction } from './actions.ts';
import type { AccountExport, AuditInput, CredentialReportRow, IamRole, IamUser, NamedPolicy, PolicyDocument, ServiceControlPolicy } from './inputs.ts';

export const RISKS = ['info', 'low', 'medium', 'high', 'critical'] as const satisfies readonly Severity[];
export type Risk = Severity;

export interface CredentialAnswer {
  type: 'credential';
  principal: string;
  account: string;
  environment: string;
  credential: { type: 'access-key' | 'role-session'; accessKeyIds: string[] };
  risk: Risk;
  questions: {
    worstAction: { actions: string[]; environment: string | null };
    reachesMoreSensitive: { answer: boolean; paths: string[][] };
    rotation: { lastRotatedDays: number | null; lastUsedDays: number | null; usedBy: string[] };
    reachesBackups: { answer: boolean; actions: string[] };
    approvalGate: { answer: boolean; why: string };
  };
  why: string[];
}

export interface AuditSummary {
  type: 'summary';
  generatedAt: string;
  accounts: string[];
  credentials: number;
  byRisk: Record<Risk, number>;
  /** What the audit could not see, in plain words (missing SCPs, unknown OUs, policies not in the export …). */
  warnings: string[];
}

export interface AuditResult {
  credentials: CredentialAnswer[];
  summary: AuditSummary;
}

/** Where a credential was seen from (the state table's sightings). */
export interface UsageSighting {
  /** `key:AKIA…` or `role:arn…` (the detector's principal key). */
  principalKey: string;
  sources: { network: string; family: string; lastSeen: number }[];
}

export interface AuditOptions {
  config: BlastwallConfig;
  now: Date;
  /** Extra access key ids per user ARN (ListAccessKeys with `--live`). */
  accessKeys?: Map<string, string[]>;
  usage?: UsageSighting[];
  /** The catalogue's destructive actions (tests may narrow them). */
  actions?: AuditedAction[];
}

interface Actor {
  /** What the evaluator sees as the caller: the user ARN, or an assumed-role session ARN. */
  callerArn: string;
  /** The IAM ARN (user or role). */
  arn: string;
  account: string;
  identityPolicies: { name: string; policy: PolicyDocument }[];
  boundary?: { name: string; policy: PolicyDocument };
  tags: Record<string, string>;
}

interface Decision {
  allowed: boolean;
  /** Explicitly denied by these guardrails while the core policies would allow it. */
  blockedBy: string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Service-linked roles are AWS's own: no team can scope or rotate them. */
const isServiceLinked = (role: IamRole) => role.path.startsWith('/aws-service-role/');

export class Auditor {
  private readonly accounts = new Map<string, AccountExport>();
  private readonly report = new Map<string, CredentialReportRow>();
  private readonly scps: ServiceControlPolicy[] = [];
  private readonly warnings: string[] = [];
  private readonly resolver: EnvironmentResolver;
  private readonly actions: AuditedAction[];
  private readonly cache = new Map<string, Promise<Decision>>();
  private sawScps = false;

  constructor(
    inputs: readonly AuditInput[],
    private readonly options: AuditOptions,
  ) {
    this.resolver = createEnvironmentResolver(options.config);
    this.actions = options.actions ?? destructiveActions();
    for (const input of inputs) {
      if (input.kind === 'authorization-details') {
        if (this.accounts.has(input.account)) throw new Error(`${input.source}: account ${input.account} was already given by ${this.accounts.get(input.account)!.source}`);
        this.accounts.set(input.account, input);
      } else if (input.kind === 'credential-report') {
        for (const row of input.rows) this.report.set(row.arn, row);
      } else {
        this.sawScps = true;
        this.scps.push(...input.policies);
      }
    }
    if (!this.sawScps) this.warnings.push('no SCPs given: answers assume no service control policy restricts any account (pass the organisation\'s SCPs as a file)');
    for (const scp of this.scps) {
      for (const t of scp.targets) {
        if (t.type === 'ORGANIZATIONAL_UNIT' && !t.accounts) {
          this.warnings.push(`SCP ${scp.name} (${scp.id}) is attached to OU ${t.id} whose accounts are unknown: it was not applied (add "Accounts" to that target, or use --live)`);
        }
      }
    }
    for (const account of this.accounts.keys()) {
      if (![...this.report.values()].some((r) => r.account === account) && this.accounts.get(account)!.users.length > 0) {
        this.warnings.push(`no credential report for account ${account}: key age and last use are unknown there`);
      }
    }
  }

  async run(): Promise<AuditResult> {
    const credentials: CredentialAnswer[] = [];
    for (const account of [...this.accounts.keys()].sort()) {
      const exp = this.accounts.get(account)!;
      for (const user of exp.users) credentials.push(await this.answerFor(this.userActor(exp, user), user, undefined));
      for (const role of exp.roles) {
        if (isServiceLinked(role)) continue;
        credentials.push(await this.answerFor(this.roleActor(exp, role), undefined, role));
      }
    }
    credentials.sort((a, b) => severityRank(b.risk) - severityRank(a.risk) || a.principal.localeCompare(b.principal));
    const byRisk = Object.fromEntries(RISKS.map((r) => [r, credentials.filter((c) => c.risk === r).length])) as Record<Risk, number>;
    return {
      credentials,
      summary: {
        type: 'summary',
        generatedAt: this.options.now.toISOString(),
        accounts: [...this.accounts.keys()].sort(),
        credentials: credentials.length,
        byRisk,
        warnings: [...new Set(this.warnings)],
      },
    };
  }

  // ── Principals ───────────────────────────────────────────────────────────────────

  private managed(exp: AccountExport, arns: readonly string[], owner: string): NamedPolicy[] {
    const out: NamedPolicy[] = [];
    for (const arn of arns) {
      const policy = exp.policies.get(arn) ?? this.findPolicy(arn);
      if (policy) out.push({ name: arn, document: policy.document });
      else this.warnings.push(`${owner}: managed policy ${arn} is not in the export; its permissions were not counted`);
    }
    return out;
  }

  /** AWS-managed policies may appear in any account's export. */
  private findPolicy(arn: string): NamedPolicy | undefined {
    for (const exp of this.accounts.values()) {
      const p = exp.policies.get(arn);
      if (p) return p;
    }
    return undefined;
  }

  private boundaryOf(exp: AccountExport, arn: string | undefined, owner: string): Actor['boundary'] {
    if (!arn) return undefined;
    const policy = exp.policies.get(arn) ?? this.findPolicy(arn);
    if (!policy) {
      this.warnings.push(`${owner}: permissions boundary ${arn} is not in the export; it was not applied`);
      return undefined;
    }
    return { name: arn, policy: policy.document };
  }

  private userActor(exp: AccountExport, user: IamUser): Actor {
    const policies: NamedPolicy[] = [...user.inline, ...this.managed(exp, user.managed, user.arn)];
    for (const groupName of user.groups) {
      const group = exp.groups.find((g) => g.name === groupName);
      if (!group) {
        this.warnings.push(`${user.arn}: group ${groupName} is not in the export; its policies were not counted`);
        continue;
      }
      policies.push(...group.inline.map((p) => ({ name: `${group.name}/${p.name}`, document: p.document })), ...this.managed(exp, group.managed, user.arn));
    }
    const boundary = this.boundaryOf(exp, user.boundary, user.arn);
    return {
      callerArn: user.arn,
      arn: user.arn,
      account: exp.account,
      identityPolicies: dedupeNames(policies),
      ...(boundary ? { boundary } : {}),
      tags: user.tags,
    };
  }

  private roleActor(exp: AccountExport, role: IamRole): Actor {
    const boundary = this.boundaryOf(exp, role.boundary, role.arn);
    return {
      callerArn: `arn:aws:sts::${exp.account}:assumed-role/${role.name}/blastwall-audit`,
      arn: role.arn,
      account: exp.account,
      identityPolicies: dedupeNames([...role.inline, ...this.managed(exp, role.managed, role.arn)]),
      ...(boundary ? { boundary } : {}),
      tags: role.tags,
    };
  }

  /** SCP levels for an account: root, then OUs, then the account; a level without policies is left out. */
  private readonly levelsByAccount = new Map<string, SimulationOrgPolicies[]>();

  private scpLevels(account: string): SimulationOrgPolicies[] {
    const known = this.levelsByAccount.get(account);
    if (known) return known;
    const level = (type: ServiceControlPolicy['targets'][number]['type']) =>
      this.scps
        .filter((p) => p.targets.some((t) => t.type === type && (type === 'ROOT' || (type === 'ACCOUNT' ? t.id === account : t.accounts?.includes(account)))))
        .map((p) => ({ name: p.name, policy: p.document }));
    const levels = (
      [
        { orgIdentifier: 'root', policies: level('ROOT') },
        { orgIdentifier: 'ou', policies: level('ORGANIZATIONAL_UNIT') },
        { orgIdentifier: account, policies: level('ACCOUNT') },
      ] satisfies SimulationOrgPolicies[]
    ).filter((l) => l.policies.length > 0);
    for (const l of levels) {
      if (!l.policies.some((p) => JSON.stringify(p.policy).includes('"Allow"'))) {
        this.warnings.push(`account ${account}: the SCPs at level ${l.orgIdentifier === account ? 'account' : l.orgIdentifier} only deny, so they deny everything there (AWS needs an Allow such as FullAWSAccess at every level: is it missing from the SCP file?)`);
      }
    }
    this.levelsByAccount.set(account, levels);
    return levels;
  }

  // ── Evaluation ──────────────────────────────────────────────────────────────────

  private context(actor: Actor, approved: boolean): Record<string, string> {
    const ctx: Record<string, string> = { 'aws:MultiFactorAuthPresent': approved ? 'true' : 'false' };
    for (const [k, v] of Object.entries(actor.tags)) ctx[`aws:PrincipalTag/${k}`] = v;
    // Without approval the principal keeps its own tags: a principal tagged `approved=true`
    // for good is always approved, so a guardrail keyed on that tag gates nothing for it.
    const key = this.options.config.audit.approvalTagKey;
    if (approved) {
      ctx[`aws:PrincipalTag/${key}`] = 'true';
      ctx[`aws:RequestTag/${key}`] = 'true';
    }
    return ctx;
  }

  private decide(actor: Actor, action: string, resource: string, resourceAccount: string, approved: boolean, resourcePolicy?: PolicyDocument): Promise<Decision> {
    const key = `${actor.callerArn}|${action}|${resource}|${approved}`;
    let hit = this.cache.get(key);
    if (!hit) {
      const simulation: Simulation = {
        request: { principal: actor.callerArn, action, resource: { resource, accountId: resourceAccount }, contextVariables: this.context(actor, approved) },
        identityPolicies: actor.identityPolicies,
        serviceControlPolicies: this.scpLevels(actor.account),
        resourceControlPolicies: [],
        ...(resourcePolicy ? { resourcePolicy } : {}),
        ...(actor.boundary ? { permissionBoundaryPolicies: [actor.boundary] } : {}),
      };
      hit = runSimulation(simulation, {}).then((r) => decision(r, `${actor.arn} ${action}`));
      this.cache.set(key, hit);
    }
    return hit;
  }

  /** Roles the actor may assume (trust policy and identity side, evaluated), breadth first, bounded. */
  private async chains(start: Actor): Promise<{ path: string[]; role: IamRole; actor: Actor }[]> {
    const out: { path: string[]; role: IamRole; actor: Actor }[] = [];
    const seen = new Set<string>([start.arn]);
    let frontier: { actor: Actor; path: string[] }[] = [{ actor: start, path: [start.arn] }];
    for (let depth = 0; depth < this.options.config.audit.maxChainDepth && frontier.length > 0; depth++) {
      const next: typeof frontier = [];
      for (const { actor, path } of frontier) {
        for (const exp of this.accounts.values()) {
          for (const role of exp.roles) {
            if (seen.has(role.arn) || isServiceLinked(role) || !trustMayName(role.trust, actor)) continue;
            const d = await this.decide(actor, 'sts:AssumeRole', role.arn, exp.account, true, role.trust);
            if (!d.allowed) continue;
            seen.add(role.arn);
            const roleActor = this.roleActor(exp, role);
            const hop = { path: [...path, role.arn], role, actor: roleActor };
            out.push(hop);
            next.push({ actor: roleActor, path: hop.path });
          }
        }
      }
      frontier = next;
    }
    return out;
  }

  private async answerFor(actor: Actor, user: IamUser | undefined, role: IamRole | undefined): Promise<CredentialAnswer> {
    const environment = this.resolver.forAccount(actor.account);
    const homeRank = this.resolver.sensitivityRank(environment);
    const why: string[] = [];
    const reach = await this.chains(actor);

    // Every place the credential can act: itself, then each role it reaches.
    const places: { actor: Actor; account: string; environment: string; path: string[] }[] = [
      { actor, account: actor.account, environment, path: [actor.arn] },
      ...reach.map((r) => ({ actor: r.actor, account: r.role.account, environment: this.resolver.forAccount(r.role.account), path: r.path })),
    ];

    interface Grant {
      action: AuditedAction;
      environment: string;
      account: string;
      gated: boolean;
      gatedBy: string[];
      via: string[];
    }
    const grants: Grant[] = [];
    for (const place of places) {
      for (const action of this.actions) {
        const withApproval = await this.decide(place.actor, action.action, '*', place.account, true);
        if (!withApproval.allowed) continue;
        const without = await this.decide(place.actor, action.action, '*', place.account, false);
        const guardrails = without.blockedBy.filter((b) => b === 'scp' || b === 'pb');
        grants.push({ action, environment: place.environment, account: place.account, gated: !without.allowed && guardrails.length > 0, gatedBy: guardrails, via: place.path });
      }
    }

    // 1. Worst action: highest catalogue severity, then the most sensitive environment.
    const rankOf = (g: Grant) => severityRank(g.action.severity) * 10 + this.resolver.sensitivityRank(g.environment);
    const top = grants.reduce<Grant | undefined>((w, g) => (!w || rankOf(g) > rankOf(w) ? g : w), undefined);
    const worstActions = top ? [...new Set(grants.filter((g) => rankOf(g) === rankOf(top)).map((g) => g.action.action))].sort() : [];
    // The one named in the sentence is the first of the list (an ungated one when there is one).
    const atTop = grants.filter((g) => top && rankOf(g) === rankOf(top) && g.action.action === worstActions[0]);
    const worst = atTop.find((g) => !g.gated) ?? atTop[0];
    if (worst) {
      why.push(
        `worst action ${worst.action.action} (${worst.action.what}; ${worst.action.severity}) in ${worst.environment}${worst.via.length > 1 ? ` via ${worst.via.slice(1).join(' → ')}` : ''}, ${worst.gated ? 'only with approval' : 'without approval'}`,
      );
    }

    // 2. Reach into more sensitive environments.
    const sensitivePaths = reach.filter((r) => this.resolver.sensitivityRank(this.resolver.forAccount(r.role.account)) > homeRank).map((r) => r.path);
    if (sensitivePaths.length > 0) {
      why.push(`can assume ${sensitivePaths.length === 1 ? 'a role' : `${sensitivePaths.length} roles`} in a more sensitive environment than its own (${environment}): ${sensitivePaths[0]!.join(' → ')}`);
    }

    // 3. Rotation.
    const rotation = this.rotation(actor, user, role);
    if (rotation.lastRotatedDays !== null && rotation.lastRotatedDays > 90) why.push(`access key last rotated ${rotation.lastRotatedDays} days ago (more than 90)`);
    if (user && rotation.lastUsedDays === null && rotation.activeKeys > 0 && this.report.has(user.arn)) why.push('active access key never used: remove it');

    // 4. Backups where it can also destroy the data.
    const dataEnvs = new Set(grants.filter((g) => g.action.category === 'data-destruction').map((g) => g.account));
    const backupGrants = grants.filter((g) => backupActions([g.action]).length > 0);
    const backupReach = backupGrants.filter((g) => dataEnvs.has(g.account));
    const reachesBackups = backupReach.length > 0;
    if (reachesBackups) {
      why.push(`can destroy data and its backups in the same account (${[...new Set(backupReach.map((g) => g.environment))].join(', ')}): ${[...new Set(backupReach.map((g) => g.action.action))].slice(0, 4).join(', ')}`);
    }

    // 5. Approval gate.
    const destructive = grants;
    const ungated = destructive.filter((g) => !g.gated);
    let gate: { answer: boolean; why: string };
    if (destructive.length === 0) gate = { answer: false, why: 'no destructive call is reachable, so there is nothing to gate' };
    else if (ungated.length === 0) {
      const by = [...new Set(destructive.flatMap((g) => g.gatedBy))].map((b) => (b === 'scp' ? 'an SCP' : 'a permissions boundary'));
      gate = { answer: true, why: `${by.join(' and ')} denies every reachable destructive call unless MFA or the "${this.options.config.audit.approvalTagKey}" tag is present` };
    } else {
      const gatedCount = destructive.length - ungated.length;
      gate = {
        answer: false,
        why: `${ungated.length} destructive call${ungated.length === 1 ? '' : 's'} run${ungated.length === 1 ? 's' : ''} without approval (e.g. ${ungated[0]!.action.action} in ${ungated[0]!.environment})${gatedCount ? `; ${gatedCount} need approval` : ''}`,
      };
      why.push(`no approval gate: ${gate.why}`);
    }

    const risk = this.risk({ grants, sensitivePaths: sensitivePaths.length, reachesBackups: backupReach.some((g) => !g.gated), rotation });
    if (why.length === 0) why.push('no destructive call, no reach into a more sensitive environment, key age fine');

    return {
      type: 'credential',
      principal: actor.arn,
      account: actor.account,
      environment,
      credential: { type: user ? 'access-key' : 'role-session', accessKeyIds: user ? (this.options.accessKeys?.get(user.arn) ?? []) : [] },
      risk,
      questions: {
        worstAction: { actions: worstActions, environment: worst?.environment ?? null },
        reachesMoreSensitive: { answer: sensitivePaths.length > 0, paths: sensitivePaths },
        rotation: { lastRotatedDays: rotation.lastRotatedDays, lastUsedDays: rotation.lastUsedDays, usedBy: rotation.usedBy },
        reachesBackups: { answer: reachesBackups, actions: [...new Set(backupReach.map((g) => g.action.action))].sort() },
        approvalGate: gate,
      },
      why,
    };
  }

  private rotation(actor: Actor, user: IamUser | undefined, role: IamRole | undefined) {
    const now = this.options.now.getTime();
    const days = (iso: string | undefined) => (iso ? Math.max(0, Math.floor((now - Date.parse(iso)) / DAY_MS)) : null);
    let lastRotatedDays: number | null = null;
    let lastUsedDays: number | null = null;
    let activeKeys = 0;
    if (user) {
      const row = this.report.get(user.arn);
      const active = (row?.keys ?? []).filter((k) => k.active);
      activeKeys = active.length;
      const rotated = active.map((k) => days(k.lastRotated)).filter((d): d is number => d !== null);
      lastRotatedDays = rotated.length ? Math.max(...rotated) : null;
      const used = (row?.keys ?? []).map((k) => days(k.lastUsed)).filter((d): d is number => d !== null);
      lastUsedDays = used.length ? Math.min(...used) : null;
    } else if (role) {
      lastUsedDays = days(role.lastUsed);
    }
    const keys = new Set<string>(user ? [...(this.options.accessKeys?.get(user.arn) ?? [])].map((k) => `key:${k}`) : [`role:${actor.arn}`]);
    const usedBy = [
      ...new Set(
        (this.options.usage ?? [])
          .filter((u) => keys.has(u.principalKey))
          .flatMap((u) => u.sources)
          .sort((a, b) => b.lastSeen - a.lastSeen)
          .map((s) => `${s.family} from ${s.network}`),
      ),
    ];
    return { lastRotatedDays, lastUsedDays, usedBy, activeKeys };
  }

  /**
   * Risk, as a table (worst wins):
   * - an ungated destructive call: its catalogue severity in a high-sensitivity (or unlisted)
   *   environment, one step lower in a low-sensitivity one;
   * - data and its backups destroyable together without approval: critical;
   * - a path into a more sensitive environment: at least medium;
   * - a gated destructive call: low;
   * - an access key older than 365 days: medium; older than 90: low.
   */
  private risk(input: { grants: { action: AuditedAction; environment: string; gated: boolean }[]; sensitivePaths: number; reachesBackups: boolean; rotation: { lastRotatedDays: number | null } }): Risk {
    let risk: Risk = 'info';
    const raise = (r: Risk) => {
      if (severityRank(r) > severityRank(risk)) risk = r;
    };
    for (const g of input.grants) {
      if (g.gated) {
        raise('low');
        continue;
      }
      const sensitive = this.resolver.sensitivity(g.environment) !== 'low';
      raise(sensitive ? g.action.severity : RISKS[Math.max(1, severityRank(g.action.severity) - 1)]!);
    }
    if (input.reachesBackups) raise('critical');
    if (input.sensitivePaths > 0) raise('medium');
    const age = input.rotation.lastRotatedDays;
    if (age !== null && age > 365) raise('medium');
    else if (age !== null && age > 90) raise('low');
    return risk;
  }
}

/**
 * A cheap superset test before the evaluator runs: a trust policy can only let the actor
 * in if one of its AWS principals is `*` or mentions the actor's account (its root, the
 * bare account id, or an ARN in it). Everything it lets through is then evaluated.
 */
function trustMayName(trust: PolicyDocument, actor: Actor): boolean {
  const statements = Array.isArray(trust.Statement) ? trust.Statement : [trust.Statement];
  return statements.some((s) => {
    const principal = (s as { Principal?: unknown } | undefined)?.Principal;
    if (principal === '*') return true;
    const aws = (principal as { AWS?: unknown } | undefined)?.AWS;
    const values = Array.isArray(aws) ? aws : [aws];
    return values.some((v) => typeof v === 'string' && (v === '*' || v.includes(actor.account)));
  });
}

function dedupeNames<T extends { name: string; document: PolicyDocument }>(policies: T[]): { name: string; policy: PolicyDocument }[] {
  const seen = new Map<string, number>();
  return policies.map((p) => {
    const n = seen.get(p.name) ?? 0;
    seen.set(p.name, n + 1);
    return { name: n === 0 ? p.name : `${p.name}#${n}`, policy: p.document };
  });
}

export class EvaluationError extends Error {
  override name = 'EvaluationError';
}

/** The evaluator's validation errors, by policy: "identity policy docs-writers/docs-site: Statement[0].Effect: …". */
function describeErrors(errors: Extract<RunSimulationResults, { resultType: 'error' }>['errors']): string {
  const out: string[] = [];
  const add = (kind: string, byName: Record<string, { message: string; path: string }[]> | undefined) => {
    for (const [name, list] of Object.entries(byName ?? {})) for (const e of list.slice(0, 3)) out.push(`${kind} ${name}: ${e.path}: ${e.message}`);
  };
  add('identity policy', errors.identityPolicyErrors);
  add('SCP', errors.serviceControlPolicyErrors);
  add('permissions boundary', errors.permissionBoundaryErrors);
  for (const e of (errors.resourcePolicyErrors ?? []).slice(0, 3)) out.push(`trust policy: ${e.path}: ${e.message}`);
  return out.length ? out.slice(0, 5).join('; ') : errors.message;
}

function decision(result: RunSimulationResults, what: string): Decision {
  if (result.resultType === 'error') throw new EvaluationError(`${what}: the policy evaluator refused a policy (${describeErrors(result.errors)}); nothing audited, fix or remove that policy in the export`);
  const analyses = result.resultType === 'single' ? [result.result.analysis] : result.results.map((r) => r.analysis);
  return {
    allowed: result.overallResult === 'Allowed',
    blockedBy: [...new Set(analyses.flatMap((a) => a.blockedBy ?? []))],
  };
}

export async function runAudit(inputs: readonly AuditInput[], options: AuditOptions): Promise<AuditResult> {
  return new Auditor(inputs, options).run();
}
