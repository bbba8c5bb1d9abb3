/**
 * Synthesises the app once per test file, in-process, from the example config.
 * Bundling is skipped here (`aws:cdk:bundling-stacks: []`): these tests assert the
 * templates' properties; `synth.test.ts` runs the real `cdk synth` with esbuild.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, type BlastwallApp, type BuildAppOptions } from '../../lib/app.ts';
import type { FunctionName } from '../../lib/central-stack.ts';
import { EXAMPLE_CONFIG_FILE, loadConfigText, REPO_ROOT, type LoadedConfig } from '../../lib/config.ts';

/** The context `cdk synth` reads from cdk.json: the feature flags. */
export const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;

export const FUNCTION_NAMES: FunctionName[] = ['detect', 'respond', 'page', 'undo'];

export function exampleConfig(patch: (raw: any) => void = () => {}): LoadedConfig {
  const raw = JSON.parse(readFileSync(join(REPO_ROOT, EXAMPLE_CONFIG_FILE), 'utf8'));
  patch(raw);
  return loadConfigText(JSON.stringify(raw), 'test config', false);
}

export interface Synthesised {
  built: BlastwallApp;
  central: Template;
  member: Template;
  memberTemplate: Template;
  /** Every stack's template by stack name. */
  templates: Record<string, Template>;
}

/** The StackSet targets every default synthesis includes, so that stack is checked too (nag, least privilege). */
export const TEST_STACKSET: NonNullable<BuildAppOptions['stackSet']> = { targets: ['r-ab12'], callAs: 'SELF' };

export function synthesise(loaded: LoadedConfig = exampleConfig(), options: Pick<BuildAppOptions, 'stackSet'> & { context?: Record<string, string> } = { stackSet: TEST_STACKSET }): Synthesised {
  // cdk.json's context (the feature flags) too, so these templates are the ones `cdk synth` deploys.
  const { context, ...buildOptions } = options;
  const built = buildApp(loaded, { ...buildOptions, nag: false, appProps: { context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } } });
  const assembly = built.app.synth();
  const templates = Object.fromEntries(assembly.stacks.map((s) => [s.stackName, Template.fromJSON(s.template)]));
  const get = (name: string): Template => {
    const t = templates[name];
    if (!t) throw new Error(`stack ${name} not synthesised (have ${Object.keys(templates).join(', ')})`);
    return t;
  };
  return {
    built,
    central: get(built.central.stackName),
    member: get(built.members['us-east-1']!.stackName),
    memberTemplate: get(built.memberTemplate.stackName),
    templates,
  };
}

export type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource?: unknown; Condition?: Record<string, Record<string, unknown>> };

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** All statements of the policies attached to (or inline in) the role with this logical id. */
export function roleStatements(template: Template, roleLogicalId: string): Statement[] {
  const json = template.toJSON() as { Resources: Record<string, { Type: string; Properties: any }> };
  const out: Statement[] = [];
  const role = json.Resources[roleLogicalId];
  if (!role || role.Type !== 'AWS::IAM::Role') throw new Error(`${roleLogicalId} is not a role`);
  for (const p of role.Properties.Policies ?? []) out.push(...p.PolicyDocument.Statement);
  for (const r of Object.values(json.Resources)) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    if ((r.Properties.Roles ?? []).some((ref: any) => ref?.Ref === roleLogicalId)) out.push(...r.Properties.PolicyDocument.Statement);
  }
  return out;
}

/** Logical id of the only resource of this type whose logical id starts with the prefix. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0]!;
}

/** Serialised form of a CloudFormation value (Fn::Join flattened), for substring checks. */
export function flat(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(flat).join('');
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(flat).join(sep);
    }
    if ('Ref' in o) return `\${${String(o.Ref)}}`;
    if ('Fn::GetAtt' in o) return `\${${(o['Fn::GetAtt'] as string[]).join('.')}}`;
    return JSON.stringify(o);
  }
  return String(value);
}

/**
 * A synthesised policy with its CloudFormation references replaced by concrete ARNs, for a
 * real IAM policy evaluator: pseudo parameters become `account`/`region`, and `${Id}` /
 * `${Id.Arn}` of a resource become what `byType` says for its type (undefined: left as is).
 */
export function templateResolver(template: Template, account: string, region: string, byType: (type: string, logicalId: string) => string | undefined): (value: unknown) => unknown {
  const resources = (template.toJSON() as { Resources: Record<string, { Type: string }> }).Resources;
  const text = (v: unknown) =>
    flat(v)
      .replaceAll('${AWS::Partition}', 'aws')
      .replaceAll('${AWS::AccountId}', account)
      .replaceAll('${AWS::Region}', region)
      .replace(/\$\{([A-Za-z0-9]+)(?:\.Arn)?\}/g, (m, id: string) => (resources[id] ? byType(resources[id].Type, id) : undefined) ?? m);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return text(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ('Fn::Join' in o || 'Ref' in o || 'Fn::GetAtt' in o) return text(o);
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk;
}

/**
 * Bundles a Lambda handler with the settings CDK bundles with (lib/constructs/blastwall-function.ts
 * BUNDLING), imports the bundle and returns its exports: a bundle that cannot load fails here,
 * not at its first cold start.
 */
export async function importAsBundled(entry: string): Promise<Record<string, unknown>> {
  const { build } = await import('esbuild');
  const { BUNDLING } = await import('../../lib/constructs/blastwall-function.ts');
  const dir = mkdtempSync(join(tmpdir(), 'blastwall-bundle-'));
  try {
    const out = join(dir, 'index.mjs');
    await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: BUNDLING.target, mainFields: BUNDLING.mainFields, outfile: out, external: BUNDLING.externalModules, logLevel: 'silent', banner: { js: BUNDLING.banner! } });
    return (await import(pathToFileURL(out).href)) as Record<string, unknown>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
