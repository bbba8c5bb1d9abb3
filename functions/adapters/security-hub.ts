/**
 * AWS Security Hub through the real `@aws-sdk/client-securityhub`: import (create or update)
 * a finding with `BatchImportFindings`, and set its workflow status to `RESOLVED` with
 * `BatchUpdateFindings` once the credential was restored.
 *
 * Retries are the SDK's own standard retry strategy (throttling, 5xx, timeouts: 3 attempts
 * with jittered backoff), not a hand-written loop. A finding Security Hub refuses
 * (`FailedFindings`: a validation error) is not retried: the same input fails the same way.
 */
import { BatchImportFindingsCommand, BatchUpdateFindingsCommand, SecurityHubClient, type SecurityHubClientConfig } from '@aws-sdk/client-securityhub';
import type { AsffFinding } from '../core/formats/asff.ts';

/** Security Hub refused the finding itself (as opposed to being unreachable). */
export class SecurityHubRejectedError extends Error {
  constructor(
    readonly findingId: string,
    readonly errorCode: string,
    message: string,
  ) {
    super(`Security Hub rejected finding ${findingId}: ${errorCode}: ${message}`);
    this.name = 'SecurityHubRejectedError';
  }
}

/** Client settings for the Lambda: bounded in attempts and in time (the function has 30 s). */
export const SECURITY_HUB_CLIENT_CONFIG: SecurityHubClientConfig = {
  maxAttempts: 3,
  retryMode: 'standard',
  requestHandler: { requestTimeout: 5_000, connectionTimeout: 2_000, throwOnRequestTimeout: true },
};

export class SecurityHubFindings {
  constructor(private readonly client: SecurityHubClient) {}

  /** Creates the finding, or updates it when Security Hub holds an older `UpdatedAt` for the same Id. */
  async import(finding: AsffFinding): Promise<void> {
    const out = await this.client.send(new BatchImportFindingsCommand({ Findings: [finding] }));
    const failed = out.FailedFindings?.[0];
    if ((out.FailedCount ?? 0) > 0 || failed) {
      throw new SecurityHubRejectedError(finding.Id, failed?.ErrorCode ?? 'Unknown', failed?.ErrorMessage ?? 'import failed');
    }
  }

  /** Workflow status RESOLVED, with a note saying who restored and why. */
  async resolve(id: { Id: string; ProductArn: string }, note: { text: string; by: string }): Promise<void> {
    const out = await this.client.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [id],
        Workflow: { Status: 'RESOLVED' },
        Note: { Text: note.text.slice(0, 512), UpdatedBy: note.by.slice(0, 512) },
      }),
    );
    const failed = out.UnprocessedFindings?.[0];
    if (failed) throw new SecurityHubRejectedError(id.Id, failed.ErrorCode ?? 'Unknown', failed.ErrorMessage ?? 'update failed');
  }
}
