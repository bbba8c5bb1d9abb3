/** Shared by the audit tests: the crafted exports in ./fixtures, parsed, and the evaluator's verdict helper. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { parseConfigText, type BlastwallConfig } from '../../functions/core/config.ts';
import { parseAuditInput, type AuditInput } from '../../functions/core/audit/inputs.ts';

export const FIXTURES = join(import.meta.dirname, 'fixtures');
/** The day the crafted credential report is read on: the legacy key is 400 days old then. */
export const NOW = new Date('2026-06-01T00:00:00Z');
export const DEV = '111111111111';
export const STAGING = '222222222222';
export const PROD = '333333333333';
export const PROD_EU = '444444444444';

export const fixtureConfig = (): BlastwallConfig => parseConfigText(readFileSync(join(FIXTURES, 'blastwall.config.json'), 'utf8'));

export const fixtureFiles = (): string[] =>
  readdirSync(FIXTURES)
    .filter((f) => f !== 'blastwall.config.json')
    .sort()
    .map((f) => join(FIXTURES, f));

export const fixtureInputs = (files = fixtureFiles()): AuditInput[] => files.map((f) => parseAuditInput(readFileSync(f, 'utf8'), f));

export const readFixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

/** One question to the evaluator, outside the auditor: the oracle the audit's answers are checked against. */
export async function evaluatorSays(input: {
  principal: string;
  action: string;
  resource: string;
  account: string;
  policies: unknown[];
  scps?: unknown[];
  resourcePolicy?: unknown;
  context?: Record<string, string>;
}): Promise<string> {
  const result = await runSimulation(
    {
      request: { principal: input.principal, action: input.action, resource: { resource: input.resource, accountId: input.account }, contextVariables: input.context ?? {} },
      identityPolicies: input.policies.map((policy, i) => ({ name: `p${i}`, policy })),
      serviceControlPolicies: (input.scps ?? []).map((policy, i) => ({ orgIdentifier: `level${i}`, policies: [{ name: `scp${i}`, policy }] })),
      resourceControlPolicies: [],
      ...(input.resourcePolicy ? { resourcePolicy: input.resourcePolicy } : {}),
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(result.errors.message);
  return result.overallResult;
}
