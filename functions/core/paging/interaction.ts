/**
 * Slack interactivity: the `block_actions` payload a button click posts to the
 * Function URL (`application/x-www-form-urlencoded`, field `payload` = JSON), and
 * the approver check. Pure.
 */
import * as z from 'zod';
import { ACTION_IDS } from './slack-message.ts';
import type { SlackUser } from './page-state.ts';

const payloadSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().min(1).max(40), username: z.string().max(200).optional(), name: z.string().max(200).optional() }),
  container: z.object({ channel_id: z.string().max(40).optional(), message_ts: z.string().max(40).optional() }).partial().optional(),
  channel: z.object({ id: z.string().max(40) }).partial().optional(),
  message: z.object({ ts: z.string().max(40) }).partial().optional(),
  trigger_id: z.string().max(200).optional(),
  actions: z
    .array(z.object({ action_id: z.string().max(255), value: z.string().max(2000).optional(), action_ts: z.string().max(40).optional() }))
    .min(1),
});

export type UndoChoice = 'restore' | 'keep';

export interface UndoInteraction {
  choice: UndoChoice;
  findingId: string;
  user: SlackUser;
  channel?: string;
  messageTs?: string;
  /** Slack's ids of this click (replay protection). */
  triggerId?: string;
  actionTs?: string;
}

export type ParseResult = { ok: true; interaction: UndoInteraction } | { ok: false; reason: string };

/** Parse the raw (already signature-verified) body. */
export function parseInteraction(rawBody: string): ParseResult {
  const form = new URLSearchParams(rawBody);
  const payload = form.get('payload');
  if (!payload) return { ok: false, reason: 'no payload field' };
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return { ok: false, reason: 'payload is not JSON' };
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: `not a block_actions payload: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  const p = parsed.data;
  const action = p.actions.find((a) => a.action_id === ACTION_IDS.restore || a.action_id === ACTION_IDS.keep);
  if (!action || !action.value) return { ok: false, reason: 'not a Blastwall button' };
  const channel = p.container?.channel_id ?? p.channel?.id;
  const messageTs = p.container?.message_ts ?? p.message?.ts;
  return {
    ok: true,
    interaction: {
      choice: action.action_id === ACTION_IDS.restore ? 'restore' : 'keep',
      findingId: action.value,
      user: { id: p.user.id, name: p.user.username ?? p.user.name ?? p.user.id },
      ...(channel ? { channel } : {}),
      ...(messageTs ? { messageTs } : {}),
      ...(p.trigger_id ? { triggerId: p.trigger_id } : {}),
      ...(action.action_ts ? { actionTs: action.action_ts } : {}),
    },
  };
}

/** Only the Slack user ids listed in `paging.approvers` may restore or keep. An empty list approves no one. */
export function isApprover(userId: string, approvers: readonly string[]): boolean {
  return approvers.includes(userId);
}
