/** The warm-up function as CloudFormation's custom resource provider: it answers CloudFormation first, then works. */
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../functions/warm-up/handler.ts';
import { listen, readBody } from '../standins/loopback-http.ts';

let server: Awaited<ReturnType<typeof listen>>;
const answers: Array<{ method: string; url: string; body: Record<string, unknown> }> = [];
beforeAll(async () => {
  server = await listen(async (req, res) => {
    answers.push({ method: req.method!, url: req.url!, body: JSON.parse(await readBody(req)) });
    res.writeHead(200).end();
  });
});
afterAll(() => server.close());

const context = { getRemainingTimeInMillis: () => 600_000 } as Context;
const event = (RequestType: string) => ({
  RequestType,
  ResponseURL: `http://127.0.0.1:${server.port}/cfn-response?signed=1`,
  StackId: 'arn:aws:cloudformation:eu-west-1:999999999999:stack/Blastwall-Central/x',
  RequestId: `req-${RequestType}`,
  LogicalResourceId: 'HistoryWarmUpOnFirstDeploy',
  ResourceType: 'Custom::BlastwallWarmUp',
});

describe('warm-up as a custom resource', () => {
  it('Update and Delete: answers SUCCESS and does nothing', async () => {
    for (const type of ['Update', 'Delete']) {
      expect(await handler({ ...event(type), PhysicalResourceId: 'blastwall-warm-up' }, context)).toEqual({ status: 'skipped' });
    }
    expect(answers.map((a) => [a.method, a.url, a.body.Status, a.body.RequestId, a.body.PhysicalResourceId])).toEqual([
      ['PUT', '/cfn-response?signed=1', 'SUCCESS', 'req-Update', 'blastwall-warm-up'],
      ['PUT', '/cfn-response?signed=1', 'SUCCESS', 'req-Delete', 'blastwall-warm-up'],
    ]);
  });

  it('Create: CloudFormation is answered before the warm-up starts (the stack never waits for history)', async () => {
    answers.length = 0;
    const saved = process.env.BLASTWALL_CONFIG;
    delete process.env.BLASTWALL_CONFIG;
    // Without its environment the warm-up itself fails at once — after the answer went out.
    await expect(handler(event('Create'), context)).rejects.toThrow(/warm-up: no config/);
    if (saved !== undefined) process.env.BLASTWALL_CONFIG = saved;
    expect(answers).toHaveLength(1);
    expect(answers[0]!.body).toMatchObject({ Status: 'SUCCESS', RequestId: 'req-Create', LogicalResourceId: 'HistoryWarmUpOnFirstDeploy', Reason: 'warm-up started; progress in the function log' });
  });
});
