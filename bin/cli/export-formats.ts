/**
 * `--format asff` and `--format ocsf` for the CLI commands that report findings (replay,
 * and backtest, which can reuse this): one finding in, one exported finding out.
 *
 *   asff: one JSON array of ASFF findings on stdout, usable as is with
 *         `aws securityhub batch-import-findings --findings file://findings.json`
 *         (the API takes at most 100 per call: split larger files, e.g. with jq).
 *   ocsf: JSON lines, one OCSF Detection Finding (class 2004) per line.
 *
 * Stdout carries only the exported findings; the summary goes to stderr.
 */
import type { BlastwallConfig } from '../../functions/core/config.ts';
import type { Finding } from '../../functions/core/finding.ts';
import { toAsff, type AsffTarget } from '../../functions/core/formats/asff.ts';
import { toOcsf } from '../../functions/core/formats/ocsf.ts';

export const EXPORT_FORMATS = ['asff', 'ocsf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function isExportFormat(format: string | undefined): format is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(format ?? '');
}

export interface Exporter {
  /** Text to write before the first finding. */
  start(): string;
  finding(finding: Finding): string;
  end(): string;
}

/**
 * The account and region the ASFF findings are imported into: `deployment.centralAccount`
 * and `deployment.centralRegion` of the config (where the central stack runs), else the
 * finding's own account and region. Security Hub's default product requires the importing
 * account to be the finding's `AwsAccountId`.
 */
export function asffTargetFor(config: BlastwallConfig, finding: Finding): AsffTarget {
  return {
    account: config.deployment.centralAccount ?? finding.account,
    region: config.deployment.centralRegion ?? finding.region,
  };
}

export function createExporter(format: ExportFormat, config: BlastwallConfig): Exporter {
  if (format === 'ocsf') {
    return { start: () => '', finding: (f) => `${JSON.stringify(toOcsf(f))}\n`, end: () => '' };
  }
  let count = 0;
  return {
    start: () => '[',
    finding: (f) => `${count++ === 0 ? '\n' : ',\n'}${JSON.stringify(toAsff(f, asffTargetFor(config, f)))}`,
    end: () => (count === 0 ? ']\n' : '\n]\n'),
  };
}
