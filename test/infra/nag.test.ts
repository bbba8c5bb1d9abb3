import { beforeAll, describe, expect, it } from 'vitest';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { synthesise, type Synthesised } from './support.ts';

let s: Synthesised;

beforeAll(() => {
  s = synthesise();
});

/** Acknowledgements recorded on the construct tree: rule id → reason. */
function acknowledgements(): { id: string; reason: string; path: string }[] {
  const out: { id: string; reason: string; path: string }[] = [];
  for (const node of s.built.app.node.findAll()) {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      // { "Annotation::<rule id>": "<reason>" } or { "<rule id>": "<reason>" }
      const data = entry.data as Record<string, unknown>;
      const list = Object.entries(data).map(([id, reason]) => ({ id, reason: typeof reason === 'string' ? reason : JSON.stringify(reason) }));
      for (const a of list) out.push({ id: a.id, reason: a.reason, path: node.node.path });
    }
  }
  return out;
}

describe('cdk-nag AwsSolutions', () => {
  it('reports zero unsuppressed findings on every stack', () => {
    const report = new AwsSolutionsChecks(s.built.app).validateScope(s.built.app);
    const findings = report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('still catches a violation (the pack is really running)', () => {
    const probe = new AwsSolutionsChecks(s.built.app);
    // The same pack on a stack with a deliberately unencrypted, unsuppressed queue.
    const app = new App();
    new Queue(new Stack(app, 'Probe'), 'Plain');
    const report = probe.validateScope(app);
    expect(report.violations.map((v) => v.ruleName)).toContain('AwsSolutions-SQS4');
  });

  it('every suppression carries a reason of at least one sentence', () => {
    const acks = acknowledgements();
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) {
      expect(a.id, a.path).toMatch(/^(Annotation::)?AwsSolutions-/);
      expect(a.reason.length, `${a.id} at ${a.path}`).toBeGreaterThan(40);
    }
  });
});
