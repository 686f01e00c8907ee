import { Pool } from 'pg';

export interface PoolOptions {
  /**
   * How long a statement may wait for a row lock before PostgreSQL gives up (lock_timeout, SQLSTATE
   * 55P03). The API sets it, so a request meeting a lock that is not let go (a worker frozen inside
   * a projection's transaction) answers 503 with nothing changed instead of waiting without end.
   */
  lockTimeoutMs?: number;
}

export function createPool(databaseUrl: string, max = 10, opts: PoolOptions = {}): Pool {
  const pool = new Pool({
    connectionString: databaseUrl,
    max,
    connectionTimeoutMillis: 5_000,
    ...(opts.lockTimeoutMs === undefined
      ? {}
      : { options: `-c lock_timeout=${Math.round(opts.lockTimeoutMs)}` }),
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  // Nor a checked-out one whose session is terminated (PostgreSQL restarting): the query in flight
  // rejects and says so; the client's 'error' event, emitted besides, must not be left unheard.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}
