/**
 * A small AWS AppConfig Data stand-in (REST-JSON over loopback HTTP) for the real
 * @aws-sdk/client-appconfigdata as Powertools Parameters drives it:
 * StartConfigurationSession (`POST /configurationsessions`) and GetLatestConfiguration
 * (`GET /configuration?configuration_token=…`). Serves one hosted configuration per
 * application/environment/profile; a test can replace it (a new deployment).
 */
import { randomUUID } from 'node:crypto';
import { listen, readBody, sendJson } from './loopback-http.ts';

export interface AppConfigStandIn {
  endpoint: string;
  /** Requests by operation, in order. */
  calls: Array<{ operation: 'StartConfigurationSession' | 'GetLatestConfiguration'; status: number; signedBy?: string; signedForRegion?: string }>;
  deploy(application: string, environment: string, profile: string, content: string): void;
  close(): Promise<void>;
}

export async function startAppConfigStandIn(): Promise<AppConfigStandIn> {
  const hosted = new Map<string, string>();
  const sessions = new Map<string, string>();
  const calls: AppConfigStandIn['calls'] = [];
  const server = await listen(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const body = await readBody(req);
    // The SigV4 scope of the request: which credentials signed it, for which region.
    const scope = /Credential=([^/]+)\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization ?? ''));
    const signer = scope ? { signedBy: scope[1]!, signedForRegion: scope[2]! } : {};
    if (req.method === 'POST' && url.pathname === '/configurationsessions') {
      const input = JSON.parse(body) as { ApplicationIdentifier: string; EnvironmentIdentifier: string; ConfigurationProfileIdentifier: string };
      const key = `${input.ApplicationIdentifier}/${input.EnvironmentIdentifier}/${input.ConfigurationProfileIdentifier}`;
      if (!hosted.has(key)) {
        calls.push({ operation: 'StartConfigurationSession', status: 404, ...signer });
        return sendJson(res, 404, { Message: `no configuration ${key}` }, { 'x-amzn-errortype': 'ResourceNotFoundException' });
      }
      const token = randomUUID();
      sessions.set(token, key);
      calls.push({ operation: 'StartConfigurationSession', status: 201, ...signer });
      return sendJson(res, 201, { InitialConfigurationToken: token });
    }
    if (req.method === 'GET' && url.pathname === '/configuration') {
      const key = sessions.get(url.searchParams.get('configuration_token') ?? '');
      if (!key) {
        calls.push({ operation: 'GetLatestConfiguration', status: 400, ...signer });
        return sendJson(res, 400, { Message: 'bad token' }, { 'x-amzn-errortype': 'BadRequestException' });
      }
      const next = randomUUID();
      sessions.set(next, key);
      calls.push({ operation: 'GetLatestConfiguration', status: 200, ...signer });
      res.writeHead(200, { 'content-type': 'application/json', 'next-poll-configuration-token': next, 'next-poll-interval-in-seconds': '60', 'version-label': 'v1' });
      return res.end(hosted.get(key));
    }
    sendJson(res, 404, { Message: `${req.method} ${url.pathname}` });
  });
  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    calls,
    deploy: (a, e, p, content) => void hosted.set(`${a}/${e}/${p}`, content),
    close: () => server.close(),
  };
}
