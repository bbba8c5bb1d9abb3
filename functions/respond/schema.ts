/**
 * Validation of what arrives on the bus before any of it reaches an IAM call.
 * The bus carries Blastwall's own events, but a finding names users, roles and keys
 * that become API parameters: check their shape, never trust it.
 */
import * as z from 'zod';
import { CREDENTIAL_TYPES, SEVERITIES } from '../core/audit-event.ts';
import { RESPONSE_MODES } from '../core/config-schema.ts';
import type { Finding } from '../core/finding.ts';

const str = (max: number) => z.string().max(max);

const credentialSchema = z.looseObject({
  type: z.enum(CREDENTIAL_TYPES),
  accessKeyId: str(128).optional(),
  arn: str(2048).optional(),
  issuerArn: str(2048).optional(),
  issuerType: str(64).optional(),
  accountId: str(64).optional(),
  principalName: str(256).optional(),
  sessionName: str(256).optional(),
  invokedBy: str(256).optional(),
  homeEnvironment: str(128),
});

export const findingSchema = z.looseObject({
  id: z.string().min(1).max(256),
  eventId: str(256),
  time: str(64),
  eventName: str(256),
  eventSource: str(256),
  account: z.string().regex(/^\d{12}$/),
  region: str(64),
  environment: str(128),
  severity: z.enum(SEVERITIES),
  summary: str(4096),
  credential: credentialSchema,
  lineage: z.array(credentialSchema).max(20).default([]),
  mode: z.enum(RESPONSE_MODES),
  response: z.array(z.unknown()).default([]),
});

/** The finding, or the first problem with it. */
export function parseFinding(detail: unknown): { finding: Finding } | { problem: string } {
  const result = findingSchema.safeParse(detail);
  if (!result.success) {
    const issue = result.error.issues[0];
    return { problem: `malformed finding: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}` };
  }
  return { finding: result.data as unknown as Finding };
}
