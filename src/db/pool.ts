import { Pool } from 'pg';

export function createPool(databaseUrl: string, max = 10): Pool {
  const pool = new Pool({ connectionString: databaseUrl, max, connectionTimeoutMillis: 5_000 });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  // Nor a checked-out one whose session is terminated (PostgreSQL restarting): the query in flight
  // rejects and says so; the client's 'error' event, emitted besides, must not be left unheard.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}
