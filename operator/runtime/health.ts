// Small HTTP endpoints: /healthz, /readyz and /metrics. Port 0 picks a free port.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthChecks {
  /** Live: the process works and its watches are not stuck. */
  healthy(): { ok: boolean; message?: string };
  /** Ready: the first list of every informer is done. */
  ready(): { ok: boolean; message?: string };
}

export interface Endpoint {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Parses ":8080", "127.0.0.1:8080", "8080" or "0"; returns undefined for "" (disabled). */
export function parseAddress(addr: string | undefined): { host?: string; port: number } | undefined {
  if (addr === undefined || addr === '' || addr === 'off') return undefined;
  const m = /^(?:(.*):)?(\d+)$/.exec(addr);
  if (!m) throw new Error(`invalid address "${addr}": use [host]:port, e.g. ":8080" or "127.0.0.1:0"`);
  return { host: m[1] || undefined, port: Number(m[2]) };
}

export async function serve(
  address: { host?: string; port: number },
  routes: { health?: HealthChecks; registry?: Registry },
): Promise<Endpoint> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const check = (r: { ok: boolean; message?: string }) => {
      res.writeHead(r.ok ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(r.ok ? 'ok\n' : `${r.message ?? 'not ok'}\n`);
    };
    if (routes.health && (path === '/healthz' || path === '/livez')) return check(routes.health.healthy());
    if (routes.health && path === '/readyz') return check(routes.health.ready());
    if (routes.registry && path === '/metrics') {
      routes.registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { 'content-type': routes.registry!.contentType });
          res.end(body);
        })
        .catch((err: Error) => {
          res.writeHead(500);
          res.end(String(err.message));
        });
      return;
    }
    res.writeHead(404);
    res.end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = address.host && address.host !== '0.0.0.0' && address.host !== '::' ? address.host : '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
