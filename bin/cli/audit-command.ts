/**
 * `blastwall audit [--config FILE] [--format text|json|html] [--out FILE] [--state FILE] [--live] FILE...`
 *
 * Contract (other tools depend on it):
 *   --format json: one JSON object per line, a `credential` per credential (worst first),
 *   then a `summary`. Field names are fixed (see functions/core/audit/render.ts).
 *   Exit 0 = audited; 3 = an input was refused (named on stderr with the reason; nothing
 *   audited, because partial input gives wrong answers); 2 = usage error.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runAudit, type AuditResult } from '../../functions/core/audit/evaluate.ts';
import { AuditInputError, parseAuditInput, type AuditInput } from '../../functions/core/audit/inputs.ts';
import { auditHtml, auditJsonLines, auditText } from '../../functions/core/audit/render.ts';
import { parseUsageFile, UsageInputError } from '../../functions/core/audit/usage.ts';
import type { BlastwallConfig } from '../../functions/core/config.ts';
import { loadConfig } from './load-config.ts';
import { checkReadable } from './read-input.ts';
import { UsageError, type Io } from './io.ts';

export const AUDIT_EXIT = { ok: 0, usage: 2, refused: 3 } as const;

export const AUDIT_USAGE = `usage: blastwall audit [--config FILE] [--format text|json|html] [--out FILE] [--state FILE] [--live] FILE...

Answers five questions for every credential (each IAM user's access keys, each role):
  1. the worst single action it can take, and whether anyone approves it first;
  2. whether it can reach a more sensitive environment (sts:AssumeRole chains);
  3. key age and last use, and who uses it (with --state);
  4. whether it can reach the backups of the data it can delete;
  5. whether an SCP or permissions boundary puts an approval gate before destructive calls.

FILE is one of:
  aws iam get-account-authorization-details --output json > ACCOUNT.json   (one per account)
  aws iam get-credential-report (the CSV, decoded; or the command's JSON output)
  the organisation's SCPs: a JSON array of {PolicyId, Targets, Content}
    (aws organizations list-policies --filter SERVICE_CONTROL_POLICY, then per policy
     describe-policy for Content and list-targets-for-policy for Targets)

  --config FILE    blastwall.config.json: environments and their sensitivity
  --format text    a table, worst first, then what to fix first (default)
  --format json    JSON lines: a "credential" object per credential, then a "summary"
  --format html    a self-contained page (no script, no external resource)
  --out FILE       write there instead of stdout
  --state FILE     principal histories (the detector's state) for "used by"
  --live           read the same through the AWS SDK: the read-only role
                   (audit.readerRoleName) in every account of the config, the SCPs
                   through AWS Organizations, "used by" from the deployed table
                   (--table NAME)

Exit status: 0 audited; 3 an input was refused (named with the reason); 2 usage error.`;

export interface LiveAuditSource {
  collect(config: BlastwallConfig, options: { tableName?: string; log: (line: string) => void }): Promise<{
    inputs: AuditInput[];
    accessKeys: Map<string, string[]>;
    usage: import('../../functions/core/audit/evaluate.ts').UsageSighting[];
  }>;
}

/** The live source is loaded only when asked for, so the offline audit needs no AWS SDK. */
async function defaultLiveSource(): Promise<LiveAuditSource> {
  const { sdkLiveAuditSource } = await import('../../functions/adapters/audit-collector.ts');
  return sdkLiveAuditSource();
}

export async function auditCommand(args: string[], io: Io, deps: { live?: () => Promise<LiveAuditSource>; now?: () => Date } = {}): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        format: { type: 'string', default: 'text' },
        out: { type: 'string' },
        state: { type: 'string' },
        table: { type: 'string' },
        live: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${AUDIT_USAGE}`);
  }
  const v = parsed.values;
  if (v.help) {
    io.stdout(`${AUDIT_USAGE}\n`);
    return AUDIT_EXIT.ok;
  }
  const format = v.format;
  if (format !== 'text' && format !== 'json' && format !== 'html') throw new UsageError(`--format must be "text", "json" or "html", not "${format}"`);
  const files = parsed.positionals;
  if (files.length === 0 && !v.live) throw new UsageError(`no input files (or --live)\n\n${AUDIT_USAGE}`);
  if (v.table && !v.live) throw new UsageError('--table needs --live (offline, pass --state FILE)');

  const { config, source } = await loadConfig(v.config, io.cwd);
  io.stderr(`config: ${source}\n`);

  const inputs: AuditInput[] = [];
  let accessKeys = new Map<string, string[]>();
  let usage: import('../../functions/core/audit/evaluate.ts').UsageSighting[] = [];
  try {
    for (const file of files) {
      const path = resolve(io.cwd, file);
      await checkReadable(path);
      inputs.push(parseAuditInput(await readFile(path, 'utf8'), file));
    }
    if (v.state) {
      const path = resolve(io.cwd, v.state);
      await checkReadable(path);
      usage = parseUsageFile(await readFile(path, 'utf8'), v.state);
    }
  } catch (error) {
    if (error instanceof AuditInputError || error instanceof UsageInputError) {
      io.stderr(`blastwall: ${error.message}\n`);
      io.stderr('blastwall: nothing audited: an answer from part of the input would be wrong.\n');
      return AUDIT_EXIT.refused;
    }
    throw error;
  }
  if (v.live) {
    const live = await (deps.live ?? defaultLiveSource)();
    const collected = await live.collect(config, { ...(v.table ? { tableName: v.table } : {}), log: (line) => io.stderr(`${line}\n`) });
    inputs.push(...collected.inputs);
    accessKeys = collected.accessKeys;
    if (collected.usage.length) usage = [...usage, ...collected.usage];
  }
  if (!inputs.some((i) => i.kind === 'authorization-details')) {
    io.stderr('blastwall: no authorization-details export among the inputs: there are no credentials to audit. Export one per account with `aws iam get-account-authorization-details --output json > ACCOUNT.json`.\n');
    return AUDIT_EXIT.refused;
  }

  let result: AuditResult;
  try {
    result = await runAudit(inputs, { config, now: deps.now?.() ?? new Date(), accessKeys, usage });
  } catch (error) {
    // Two exports of one account, or a document the evaluator cannot read: named, not a stack trace.
    io.stderr(`blastwall: ${(error as Error).message}\n`);
    return AUDIT_EXIT.refused;
  }
  const output = format === 'json' ? auditJsonLines(result) : format === 'html' ? auditHtml(result) : auditText(result);
  if (v.out) {
    await writeFile(resolve(io.cwd, v.out), output);
    io.stderr(`wrote ${v.out} (${result.credentials.length} credentials)\n`);
  } else io.stdout(output);
  return AUDIT_EXIT.ok;
}
