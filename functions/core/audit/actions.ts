/**
 * What the audit asks the policy evaluator about: the IAM actions behind the
 * detection catalogue's destructive calls.
 *
 * One source of truth: the catalogue (functions/core/detection/catalogue.ts) says
 * which CloudTrail calls destroy data or backups; this module only translates
 * `eventSource` + `eventName` into the IAM action that authorises the call
 * (service prefix from the event source, action = the event name without Lambda's
 * API-version suffix). Where AWS authorises a call under another action name, the
 * table below says so, with the reason.
 *
 * Pure module: no I/O.
 */
import type { Severity } from '../audit-event.ts';
import { severityRank } from '../audit-event.ts';
import { CATALOGUE, type Category } from '../detection/catalogue.ts';

/** Event sources whose IAM service prefix is not the host name's first label. */
const PREFIX_EXCEPTIONS: Readonly<Record<string, string>> = {
  // CloudWatch's API host is monitoring.amazonaws.com; its IAM prefix is cloudwatch.
  'monitoring.amazonaws.com': 'cloudwatch',
};

/**
 * Calls authorised by an IAM action of another name (Service Authorization Reference,
 * "Actions defined by Amazon S3": the bucket-configuration deletes are authorised by
 * the matching Put action, and the multi-object delete by s3:DeleteObject per key).
 */
const ACTION_EXCEPTIONS: Readonly<Record<string, string>> = {
  's3:DeleteObjects': 's3:DeleteObject',
  's3:PutBucketLifecycle': 's3:PutLifecycleConfiguration',
  's3:PutBucketLifecycleConfiguration': 's3:PutLifecycleConfiguration',
  's3:DeleteBucketReplication': 's3:PutReplicationConfiguration',
  's3:DeleteBucketEncryption': 's3:PutEncryptionConfiguration',
  's3:DeleteBucketPublicAccessBlock': 's3:PutBucketPublicAccessBlock',
  's3:DeleteAccountPublicAccessBlock': 's3:PutAccountPublicAccessBlock',
};

/** Lambda records `UpdateFunctionCode20150331v2`: the IAM action has no API-version suffix. */
function withoutVersionSuffix(eventName: string): string {
  return eventName.replace(/\d{8}(v\d+)?$/, '');
}

export function servicePrefix(eventSource: string): string {
  return PREFIX_EXCEPTIONS[eventSource] ?? eventSource.split('.')[0]!.toLowerCase();
}

/** `rds.amazonaws.com` + `DeleteDBInstance` → `rds:DeleteDBInstance`; Lambda's `…20150331v2` suffix is dropped. */
export function iamActionFor(eventSource: string, eventName: string): string {
  const action = `${servicePrefix(eventSource)}:${withoutVersionSuffix(eventName)}`;
  return ACTION_EXCEPTIONS[action] ?? action;
}

export interface AuditedAction {
  /** `rds:DeleteDBInstance`. */
  action: string;
  category: Category;
  /** The catalogue's worst severity for the call (a modifier such as "without a final snapshot" counts). */
  severity: Severity;
  /** The call destroys backups (by its nature, or with a parameter the caller chooses). */
  destroysBackups: boolean;
  /** Catalogue entry ids behind it. */
  entries: string[];
  /** "deletes an RDS database instance". */
  what: string;
}

/** Categories whose calls are "destructive" for the worst-action and approval-gate questions. */
export const DESTRUCTIVE_CATEGORIES: readonly Category[] = ['data-destruction', 'backup-destruction'];

/**
 * The IAM actions behind the catalogue's data- and backup-destruction entries, worst
 * first. Entries that only count for Blastwall's own resources are left out (they are
 * detector tamper, not data loss). An action that several entries share keeps the
 * worst severity and is a backup action if any entry destroys backups.
 */
export function destructiveActions(catalogue = CATALOGUE): AuditedAction[] {
  const byAction = new Map<string, AuditedAction>();
  for (const entry of catalogue) {
    if (entry.onlyOwnResources || !DESTRUCTIVE_CATEGORIES.includes(entry.category)) continue;
    const modifierSeverity = (entry.modifiers ?? []).reduce<Severity>((worst, m) => (severityRank(m.severity) > severityRank(worst) ? m.severity : worst), entry.severity);
    const destroysBackups = entry.category === 'backup-destruction' || entry.destroysBackups === true || (entry.modifiers ?? []).some((m) => m.destroysBackups);
    for (const name of entry.eventNames) {
      const action = iamActionFor(entry.eventSource, name);
      const previous = byAction.get(action);
      if (previous) {
        if (severityRank(modifierSeverity) > severityRank(previous.severity)) previous.severity = modifierSeverity;
        previous.destroysBackups ||= destroysBackups;
        if (entry.category === 'backup-destruction') previous.category = 'backup-destruction';
        previous.entries.push(entry.id);
      } else {
        byAction.set(action, { action, category: entry.category, severity: modifierSeverity, destroysBackups, entries: [entry.id], what: entry.what });
      }
    }
  }
  return [...byAction.values()].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.action.localeCompare(b.action));
}

/** The actions that reach backups: the backup-destruction category and calls that can delete backups with the data. */
export function backupActions(actions: readonly AuditedAction[]): AuditedAction[] {
  return actions.filter((a) => a.destroysBackups);
}
