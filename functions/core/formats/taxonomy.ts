/**
 * Where each Blastwall signal and catalogue category sits in the ASFF finding-type
 * taxonomy (`namespace/category/classifier`). Data, not code: one row per signal.
 *
 * Source: the ASFF "Types taxonomy" in the Security Hub user guide: namespaces
 * `TTPs` (categories are the MITRE ATT&CK tactics), `Effects` and `Unusual Behaviors`.
 * A signal not listed (a new one added to the detector later) falls back to
 * `Unusual Behaviors/User`, so the export never fails on it.
 */
export const ASFF_TYPE_OF_SIGNAL: Readonly<Record<string, string>> = {
  // Catalogue hits (destructive, tamper, exposure): what the call does.
  'destructive-call': 'Effects/Data Destruction',
  'backups-in-blast-radius': 'Effects/Data Destruction',
  'logging-tamper': 'TTPs/Defense Evasion',
  'detector-tamper': 'TTPs/Defense Evasion',
  'security-control-tamper': 'TTPs/Defense Evasion',
  'self-protection': 'TTPs/Defense Evasion',
  'identity-change': 'TTPs/Persistence',
  exposure: 'Effects/Data Exposure',
  // Who and where: how the credential behaves.
  'credential-hop': 'TTPs/Lateral Movement',
  'cross-environment': 'TTPs/Lateral Movement',
  'session-lineage': 'TTPs/Lateral Movement',
  'first-use-in-environment': 'Unusual Behaviors/User',
  burst: 'Unusual Behaviors/User',
  'new-source': 'Unusual Behaviors/IP address',
  'root-use': 'TTPs/Privilege Escalation',
  'console-login-without-mfa': 'TTPs/Initial Access',
};

/** Catalogue categories (Finding.categories) → ASFF type, for findings whose signals say less. */
export const ASFF_TYPE_OF_CATEGORY: Readonly<Record<string, string>> = {
  'data-destruction': 'Effects/Data Destruction',
  'backup-destruction': 'Effects/Data Destruction',
  'logging-tamper': 'TTPs/Defense Evasion',
  'detector-tamper': 'TTPs/Defense Evasion',
  'security-control-tamper': 'TTPs/Defense Evasion',
  'identity-change': 'TTPs/Persistence',
  exposure: 'Effects/Data Exposure',
};

export const FALLBACK_ASFF_TYPE = 'Unusual Behaviors/User';

/** The namespaces and categories ASFF documents for the three namespaces Blastwall uses. */
export const ASFF_TAXONOMY: Readonly<Record<string, readonly string[]>> = {
  TTPs: [
    'Initial Access',
    'Execution',
    'Persistence',
    'Privilege Escalation',
    'Defense Evasion',
    'Credential Access',
    'Discovery',
    'Lateral Movement',
    'Collection',
    'Command and Control',
  ],
  Effects: ['Data Exposure', 'Data Exfiltration', 'Data Destruction', 'Denial of Service', 'Resource Consumption'],
  'Unusual Behaviors': ['Application', 'Network Flow', 'IP address', 'User', 'VM', 'Container', 'Serverless', 'Process', 'Database', 'Data'],
};
