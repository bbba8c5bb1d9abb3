/**
 * Names shared by the functions (Powertools Metrics/Logger) and the CDK alarms and
 * dashboard. One place, so an alarm can never watch a metric nobody emits.
 */
export const METRIC_NAMESPACE = 'Blastwall';
export const SERVICE_NAME = 'blastwall';

export const METRICS = {
  /** detect: records that failed validation (hostile or malformed input). */
  eventsRejected: 'EventsRejected',
  /** detect: events a `detection.suppressions` entry silenced (each also logged with its reason). */
  suppressedEvents: 'SuppressedEvents',
  /** detect: duplicate deliveries dropped by the processed-event ledger. */
  duplicateEvents: 'DuplicateEvents',
  /** detect: findings emitted, with a `Severity` dimension. */
  findings: 'Findings',
  /** detect: event time → finding published, milliseconds. */
  processingLatency: 'ProcessingLatency',
  /** Any function: the config read from AppConfig at cold start failed validation (AppConfig rolls the deployment back on it). */
  configRejected: 'ConfigRejected',
  /** respond: revocations done. */
  revocations: 'Revocations',
  /** respond: revocations that failed after retries. */
  revocationFailures: 'RevocationFailures',
  /** respond: a revocation refused because the circuit breaker is open. */
  circuitBreakerOpen: 'CircuitBreakerOpen',
  /** page: deliveries that failed after retries, with a `Channel` dimension. */
  pageFailures: 'PageFailures',
  /** undo: interactions refused (bad signature, stale, not an approver). */
  undoRefused: 'UndoRefused',
  /** reconcile: write events CloudTrail recorded that never reached detect (then detected by the reconciler). */
  missedEvents: 'MissedEvents',
  /** heartbeat-watch (member topology): members whose last heartbeat is older than the silence limit (or never came). */
  memberHeartbeatsSilent: 'MemberHeartbeatsSilent',
  /** heartbeat-watch (member topology): members whose detect runs code other than the central detect's. */
  memberHeartbeatsUnknownCode: 'MemberHeartbeatsUnknownCode',
  /** heartbeat-watch (member topology): events the reporting member detectors judged in their last heartbeat's window (the blind-detector alarm counts them as received). */
  memberEventsJudged: 'MemberEventsJudged',
  /** heartbeat-watch (member topology): heartbeats refused (malformed, or naming another account than their sender). */
  heartbeatsRejected: 'HeartbeatsRejected',
} as const;

/** EventBridge `source` and `detail-type`s that Blastwall itself publishes on the central bus. */
export const BLASTWALL_EVENT_SOURCE = 'blastwall';
export const DETAIL_TYPES = {
  finding: 'Blastwall Finding',
  response: 'Blastwall Response',
  restoreRequested: 'Blastwall Restore Requested',
  /** Scheduled audit and backup watchdog: a Finding for the page function only (respond never takes it). */
  postureFinding: 'Blastwall Posture Finding',
  /** Member topology: every 5 minutes from each member's heartbeat function (functions/heartbeat). */
  heartbeat: 'Blastwall Heartbeat',
} as const;

/** Environment variables the CDK stack sets and the handlers read. */
export const ENV_VARS = {
  tableName: 'TABLE_NAME',
  eventBusName: 'EVENT_BUS_NAME',
  /** The whole validated blastwall.config.json, as JSON: tests and local runs only (the stack uses AppConfig). */
  config: 'BLASTWALL_CONFIG',
  /** Where the functions read the config at cold start: `APPLICATION_ID/ENVIRONMENT_ID/PROFILE_ID` in AWS AppConfig. */
  appConfig: 'BLASTWALL_APPCONFIG',
  slackSecretArn: 'SLACK_SECRET_ARN',
  pagerDutySecretArn: 'PAGERDUTY_SECRET_ARN',
  /** ARNs (globs) of Blastwall's own roles, never revoked. */
  ownRoleArns: 'BLASTWALL_OWN_ROLE_ARNS',
  /** warm-up, reconcile: the read-only history role the member stacks deploy. */
  historyRoleName: 'HISTORY_ROLE_NAME',
  /** warm-up: days of history to load. */
  warmUpDays: 'WARM_UP_DAYS',
  /** Member detect: the central role it assumes to read the config from the central account's AppConfig. */
  appConfigRoleArn: 'BLASTWALL_APPCONFIG_ROLE_ARN',
  /** Member detect: the central region, where that AppConfig lives. */
  appConfigRegion: 'BLASTWALL_APPCONFIG_REGION',
  /** Heartbeat (member) and heartbeat-watch (central): the detect function whose code and invocations they report. */
  detectFunctionName: 'DETECT_FUNCTION_NAME',
  /** Heartbeat-watch: minutes without a heartbeat before a member counts as silent. */
  heartbeatSilenceMinutes: 'HEARTBEAT_SILENCE_MINUTES',
} as const;
