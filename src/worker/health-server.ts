import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { State } from '@temporalio/worker';

/**
 * The worker's probes for Kubernetes (opt-in by WORKER_HEALTH_BIND): GET /healthz answers 200 while
 * the process runs; GET /readyz answers 200 only while the Temporal worker is RUNNING (polling its
 * task queue), 503 before (bundling, connecting) and once shutdown has begun. It serves nothing else
 * and reads no data, so it carries no client information.
 */
export interface WorkerHealthServer {
  url: string;
  close(): Promise<void>;
}

/** `state` is undefined until the Temporal worker exists (it is created after the server starts). */
export async function startWorkerHealthServer(
  bind: { host: string; port: number },
  state: () => State | undefined,
): Promise<WorkerHealthServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return answer(res, 405, { status: 'method not allowed' });
    if (path === '/healthz') return answer(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const worker = state() ?? 'STARTING';
      const ready = worker === 'RUNNING';
      return answer(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', worker });
    }
    answer(res, 404, { status: 'not found' });
  });
  // A probe is one short request: idle sockets must not hold shutdown open.
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function answer(res: http.ServerResponse, status: number, body: Record<string, string>): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
