/**
 * A loopback HTTP proxy in front of a stand-in, for the faults the stand-ins do not
 * make themselves: a request that never gets an answer (timeout), a connection cut
 * mid-request, and a body that is not what the protocol promises (an HTML error
 * page with 200, truncated JSON). Everything else is forwarded unchanged.
 */
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from '../../standins/loopback-http.ts';

export type ProxyFault =
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'garbage'; status: number; body?: string; contentType?: string }
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string };

export interface FaultProxy {
  url: string;
  /** The next `times` requests (whose path starts with `pathPrefix`, default any) get `fault`. */
  fail(fault: ProxyFault, times?: number, pathPrefix?: string): void;
  /** Drops the faults still queued. */
  clear(): void;
  /** Requests seen, with what was done to them. */
  log: Array<{ method: string; path: string; fault?: ProxyFault['kind'] }>;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const queue: Array<{ fault: ProxyFault; times: number; prefix: string }> = [];
  const log: FaultProxy['log'] = [];
  const hanging = new Set<ServerResponse>();

  const http = await listen((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    const index = queue.findIndex((q) => path.startsWith(q.prefix));
    const entry = index >= 0 ? queue[index] : undefined;
    if (entry && --entry.times <= 0) queue.splice(index, 1);
    const fault = entry?.fault;
    log.push({ method: req.method ?? 'GET', path, ...(fault ? { fault: fault.kind } : {}) });
    // Always drain the request body first, as a real server would.
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (fault?.kind === 'hang') {
        hanging.add(res);
        return;
      }
      if (fault?.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'garbage') {
        res.writeHead(fault.status, { 'content-type': fault.contentType ?? 'text/html' });
        res.end(fault.body ?? '<html><body><h1>502 Bad Gateway</h1><p>upstream sent an invalid response</body></html>');
        return;
      }
      if (fault?.kind === 'status') {
        res.writeHead(fault.status, { 'content-type': 'application/json', ...(fault.headers ?? {}) });
        res.end(fault.body ?? '{}');
        return;
      }
      const forward = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path, headers: { ...req.headers, host: upstream.host } },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      forward.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      forward.end(Buffer.concat(chunks));
    });
  });
  return {
    url: `http://127.0.0.1:${http.port}`,
    log,
    fail: (fault, times = 1, pathPrefix = '') => void queue.push({ fault, times, prefix: pathPrefix }),
    clear: () => void queue.splice(0),
    close: () => {
      for (const res of hanging) res.destroy();
      return http.close();
    },
  };
}
