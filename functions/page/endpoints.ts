/** Test-only endpoint overrides (the loopback stand-ins of test/paging/handlers.test.ts); the stack never sets them. */
export const ENDPOINT_OVERRIDES = { slack: 'BLASTWALL_SLACK_API_URL', pagerDuty: 'BLASTWALL_PAGERDUTY_URL' } as const;
