/**
 * The catalogue's data shape and the helpers its files share. One file per
 * category holds the entries (as Sigma and Panther lay out their rules), with
 * its test cases beside it (`<category>.cases.ts`). Teams add entries of this
 * very shape in the config (`detection.rules`).
 *
 * Pure module: no I/O.
 */
import type { Severity } from '../../audit-event.ts';
import type { Condition } from '../conditions.ts';

export const CATEGORIES = [
  'data-destruction',
  'backup-destruction',
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
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Categories that destroy data or blind the defenders: they count toward a burst of destruction and are the "destructive" evidence in combinations. */
export const DESTRUCTION_CATEGORIES: ReadonlySet<Category> = new Set<Category>([
  'data-destruction',
  'backup-destruction',
  'logging-tamper',
  'detector-tamper',
  'security-control-tamper',
]);

/** Categories of an attacker at work that destroy nothing by themselves: they never count toward a burst of destruction. */
export const INTENT_CATEGORIES: ReadonlySet<Category> = new Set<Category>(['credential-access', 'persistence', 'privilege-escalation', 'execution', 'lateral-movement']);

export const SOURCE_KINDS = ['aws-docs', 'sigma', 'panther', 'elastic', 'blastwall', 'stratus', 'config'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
export interface SourceRef {
  kind: SourceKind;
  /** API reference page name, rule id, rule file name or rule title. */
  ref: string;
}

export interface Modifier {
  when: Condition;
  /** Replaces the base severity when it matches (the highest matching modifier wins). */
  severity: Severity;
  /** Clause appended to the description, e.g. "without a final snapshot". */
  text: string;
  /** The call also destroys the backups that would restore the data. */
  destroysBackups?: boolean;
  /** Moves the call to another category (e.g. deletion protection off is a security-control change). */
  category?: Category;
}

/** Where the call names the resource it acts on, so "deletes what it created" can be checked. */
export interface TargetSpec {
  /** Resource type, shared with the creation table: `rds:db`, `s3:bucket` … */
  type: string;
  /** Dotted paths into the event (`requestParameters.dBInstanceIdentifier`). */
  paths: readonly string[];
}

/**
 * A call that is only suspicious in numbers (reading secrets, fetching instance
 * passwords): a hit when one principal makes at least `threshold` of them
 * (counting the items at `countPath`, when given) within `windowMinutes`, and
 * the principal does not usually make them (its first such call was not more
 * than a day before the burst). Attempts count, failed or not.
 */
export interface BurstSpec {
  threshold: number;
  windowMinutes: number;
  /** Each call counts as the number of values at this path (`requestParameters.names`), at least 1. */
  countPath?: string;
  /** The noun for the sentence: "secret reads", "password fetches". */
  noun: string;
}

export interface CatalogueEntry {
  /** Stable id, e.g. `rds.delete-db-instance`. */
  id: string;
  eventSource: string;
  /** Event names without Lambda's API-version suffix (`UpdateFunctionCode`, not `UpdateFunctionCode20150331v2`). */
  eventNames: readonly string[];
  category: Category;
  severity: Severity;
  /** What the call does, as a verb phrase: "deletes an RDS database instance". */
  what: string;
  sources: readonly SourceRef[];
  /** Only a catalogue hit when this holds. */
  when?: Condition;
  modifiers?: readonly Modifier[];
  /** The call destroys backups by its nature. */
  destroysBackups?: boolean;
  target?: TargetSpec;
  /**
   * Paths naming the resource, checked against the own-resource prefix.
   * A hit turns the call into `detector-tamper` at `critical`.
   */
  ownResourcePaths?: readonly string[];
  /** Only a hit when it touches Blastwall's own resources (`PutRule`, `UpdateFunctionCode` …). */
  onlyOwnResources?: boolean;
  /** Only a hit in numbers (see {@link BurstSpec}). */
  burst?: BurstSpec;
  /** Only a hit when a human made the call (a person's tool or the console, not an AWS service or a deployment engine). */
  humanOnly?: boolean;
}

export const docs = (ref: string): SourceRef => ({ kind: 'aws-docs', ref });
export const sigma = (ref: string): SourceRef => ({ kind: 'sigma', ref });
export const panther = (ref: string): SourceRef => ({ kind: 'panther', ref });
export const elastic = (ref: string): SourceRef => ({ kind: 'elastic', ref });
export const blastwall = (ref: string): SourceRef => ({ kind: 'blastwall', ref });
export const stratus = (ref: string): SourceRef => ({ kind: 'stratus', ref });

export const rp = (name: string): string => `requestParameters.${name}`;
export const re = (name: string): string => `responseElements.${name}`;
export const isTrue = (param: string): Condition => ({ param: rp(param), equals: true });
export const isFalse = (param: string): Condition => ({ param: rp(param), equals: false });
export const publicGroup = (path: string): Condition => ({ param: rp(path), equals: 'all' });
