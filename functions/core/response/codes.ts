/**
 * Machine-readable codes on `ResponseAction.code`: why an action was skipped or
 * failed, or that a revocation found the credential already revoked. Pages branch
 * on these; `detail` carries the sentence for humans.
 */
export const ACTION_CODES = {
  /** The principal matches `protectedPrincipals` or is one of Blastwall's own roles. */
  protected: 'protected',
  /** The environment is `page-only`: Blastwall never revokes there. */
  pageOnly: 'page-only',
  /** The environment is `dry-run`: the call was not made. */
  dryRun: 'dry-run',
  /** The finding's severity is below `response.revokeAtSeverity`. */
  belowThreshold: 'below-threshold',
  /** The circuit breaker is open: too many revocations across the organisation in the window. */
  breakerOpen: 'breaker-open',
  /** The credential was already revoked (inactive key, an equal or newer deny policy): success. */
  alreadyRevoked: 'already-revoked',
  /** No API can revoke this credential: a human must act (see `detail`). */
  notRevocable: 'not-revocable',
  /** The finding lacks what the call needs (user name, key id, account). */
  incomplete: 'incomplete',
  /** IAM refused or kept failing after bounded retries. */
  iamError: 'iam-error',
  /** IAM accepted the call, but reading the credential back did not show the change: not proven done. */
  unconfirmed: 'unconfirmed',
  /** The responder role in the target account could not be assumed. */
  assumeRoleFailed: 'assume-role-failed',
  /** Restore: another unrestored finding still holds this revocation. */
  stillHeld: 'still-held',
} as const;

export type ActionCode = (typeof ACTION_CODES)[keyof typeof ACTION_CODES];
