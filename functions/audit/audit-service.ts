/**
 * The scheduled audit (daily): collect every account's IAM through the read-only role,
 * answer the five questions, store the result, and page every credential whose risk
 * rose to high or above since the last run — a staging credential that gains a path to
 * production deletes is a page before anyone uses it.
 */
import type { EventPublisher } from '../adapters/event-publisher.ts';
import type { Collected } from '../adapters/audit-collector.ts';
import type { AuditStore } from '../adapters/audit-store-dynamo.ts';
import { runAudit, type AuditResult } from '../core/audit/evaluate.ts';
import { credentialFinding, riskRose } from '../core/audit/posture.ts';
import type { BlastwallConfig } from '../core/config.ts';
import { DETAIL_TYPES } from '../core/telemetry-names.ts';
import { UnreadableAccountsError } from '../backup-watchdog/watchdog.ts';

export interface AuditServiceDeps {
  config: BlastwallConfig;
  collect: () => Promise<Collected>;
  store: AuditStore;
  publisher: EventPublisher;
  now?: () => Date;
  log?: { info(m: string, d?: unknown): void; warn(m: string, d?: unknown): void };
}

export interface AuditRunOutcome {
  credentials: number;
  paged: { principal: string; risk: string; previous: string | null; findingId: string }[];
  failures: Collected['failures'];
  warnings: string[];
}

export async function runScheduledAudit(deps: AuditServiceDeps): Promise<AuditRunOutcome> {
  const now = deps.now?.() ?? new Date();
  const collected = await deps.collect();
  for (const f of collected.failures) deps.log?.warn('account not audited', f);
  let result: AuditResult;
  if (collected.inputs.some((i) => i.kind === 'authorization-details')) {
    result = await runAudit(collected.inputs, { config: deps.config, now, accessKeys: collected.accessKeys, usage: collected.usage });
  } else {
    throw new Error(`no account could be audited: ${collected.failures.map((f) => `${f.account}: ${f.reason}`).join('; ') || 'no accounts in the config'}`);
  }
  const previous = await deps.store.previousRisks(result.credentials.map((c) => c.principal));
  const paged: AuditRunOutcome['paged'] = [];
  // Page before storing: a failed publish leaves the old risk stored, so the retry pages again.
  for (const answer of result.credentials) {
    const before = previous.get(answer.principal);
    if (!riskRose(before, answer.risk)) continue;
    const finding = credentialFinding(answer, before, now);
    await deps.publisher.publish(DETAIL_TYPES.postureFinding, finding, { resources: [answer.principal], time: now });
    paged.push({ principal: answer.principal, risk: answer.risk, previous: before ?? null, findingId: finding.id });
  }
  await deps.store.save(result.credentials, result.summary);
  deps.log?.info('audit stored', { credentials: result.credentials.length, paged: paged.length, byRisk: result.summary.byRisk });
  // Accounts that could not be read are blind spots: fail the invocation (the error alarm fires) after the rest was paged and stored.
  if (collected.failures.length > 0) throw new UnreadableAccountsError('IAM', collected.failures);
  return { credentials: result.credentials.length, paged, failures: collected.failures, warnings: result.summary.warnings };
}
