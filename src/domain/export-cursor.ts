import type { Pool, QueryResultRow } from 'pg';

/** Rows fetched per round trip of an export: enough to be quick, few enough to stay small in memory. */
export const EXPORT_BATCH = 1000;

/**
 * Streams a query's rows a batch at a time through a server-side cursor, inside one read-only
 * REPEATABLE READ transaction: a 100,000-row export never sits in memory, and every row comes from
 * the same snapshot, so the count taken first (`before`, told the exact number of rows) is the
 * number of rows that follow, and a case changing mid-export cannot appear twice or not at all.
 * `before` runs before the first row goes out (the export's audit entry); `write` gets each batch
 * and may wait (a slow client) or throw (the client left), which ends the transaction.
 */
export async function streamQuery<Row extends QueryResultRow>(
  pool: Pool,
  query: { text: string; params: unknown[] },
  before: (rows: number) => Promise<void>,
  write: (batch: Row[]) => Promise<void>,
  batchSize = EXPORT_BATCH,
): Promise<{ rows: number }> {
  const client = await pool.connect();
  let broken = false;
  let total = 0;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // A reader that stops reading must not hold a snapshot (and its connection) for ever.
    await client.query(`SET LOCAL idle_in_transaction_session_timeout = '5min'`);
    const count = Number(
      (
        await client.query<{ n: string }>(
          `SELECT count(*) AS n FROM (${query.text}) AS export_rows`,
          query.params,
        )
      ).rows[0]!.n,
    );
    await before(count);
    await client.query(`DECLARE export_rows NO SCROLL CURSOR FOR ${query.text}`, query.params);
    for (;;) {
      const batch = (await client.query<Row>(`FETCH FORWARD ${Math.trunc(batchSize)} FROM export_rows`)).rows;
      if (batch.length === 0) break;
      total += batch.length;
      await write(batch);
      if (batch.length < batchSize) break;
    }
    await client.query('COMMIT');
    return { rows: total };
  } catch (err) {
    // A connection that cannot even roll back is not given back to the pool.
    await client.query('ROLLBACK').catch(() => (broken = true));
    throw err;
  } finally {
    client.release(broken);
  }
}
