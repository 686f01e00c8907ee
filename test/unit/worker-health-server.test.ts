import type { State } from '@temporalio/worker';
import { startWorkerHealthServer, type WorkerHealthServer } from '../../src/worker/health-server';

/** The worker's probe server on its own: what each Temporal worker state answers. */
describe('worker health server', () => {
  let state: State | undefined;
  let server: WorkerHealthServer;
  beforeAll(async () => {
    server = await startWorkerHealthServer({ host: '127.0.0.1', port: 0 }, () => state);
  });
  afterAll(() => server.close());

  const get = async (path: string, method = 'GET') => {
    const res = await fetch(`${server.url}${path}`, { method });
    return { status: res.status, body: await res.json() };
  };

  it('when the Temporal worker does not exist yet, then it is live but not ready', async () => {
    state = undefined;
    expect(await get('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get('/readyz')).toEqual({ status: 503, body: { status: 'not ready', worker: 'STARTING' } });
  });

  it('when the Temporal worker runs, then it is ready', async () => {
    state = 'RUNNING';
    expect(await get('/readyz')).toEqual({ status: 200, body: { status: 'ready', worker: 'RUNNING' } });
  });

  it.each<State>(['INITIALIZED', 'STOPPING', 'DRAINING', 'DRAINED', 'STOPPED', 'FAILED'])(
    'when the Temporal worker is %s, then it is not ready (and still live while the process runs)',
    async (s) => {
      state = s;
      expect(await get('/readyz')).toEqual({ status: 503, body: { status: 'not ready', worker: s } });
      expect((await get('/healthz')).status).toBe(200);
    },
  );

  it('when anything else is asked, then 404 or 405 and nothing more', async () => {
    expect(await get('/metrics')).toEqual({ status: 404, body: { status: 'not found' } });
    expect((await get('/readyz', 'POST')).status).toBe(405);
  });
});
