import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { CASE_ROW, STAFF_RECIPIENT } from '../src/activities/notifications';
import { PROJECTION } from '../src/activities/projection';
import { DEFAULT_POLICY } from '../src/core/policy';
import { createPool } from '../src/db/pool';
import type { PreparedStatement } from '../src/db/prepared';
import { TOKEN_HOLDER } from '../src/domain/auth';
import { PROJECTION_SETTLE_MS, RECORDED_SCHEDULE } from '../src/domain/projected-schedule';
import { cleanupAll } from './lib/cleanup';
import { seedCaseRows, seedTeam, tokenFor } from './seed';
import { startBenchPostgres } from './stack/postgres';

/**
 * What PostgreSQL spends on each hot statement, run as one text (parsed and planned every call)
 * and as a prepared statement, on one connection: the server process's CPU time per call (from
 * /proc) and the round trip. Each mode runs twice, alternating, after a warm-up.
 *
 *   npx tsx bench/statement-cost.ts            (STATEMENT_COST_CALLS, default 2000 a series)
 */
async function main(): Promise<void> {
  const calls = Number(process.env.STATEMENT_COST_CALLS ?? 2000);
  const pg = await startBenchPostgres();
  const url = await pg.freshDatabase('statement_cost');
  const pool = createPool(url, 2);
  const team = await seedTeam(pool, { label: 'cost', policy: DEFAULT_POLICY, caseManagers: 16 });
  const cases = await seedCaseRows(pool, team, 200, new Date());
  const token = await tokenFor(pool, team.caseManagers[0]!);
  const caseAt = (i: number): string => cases[i % cases.length]!.id;
  const dueIn = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString();
  const obligations = JSON.stringify([
    {
      id: 'initial-assessment-1',
      kind: 'initial_assessment',
      due_at: dueIn(14),
      running: true,
      escalation_level: 0,
      acknowledged: false,
    },
    {
      id: 'service-plan-2',
      kind: 'service_plan',
      due_at: dueIn(30),
      running: false,
      escalation_level: 0,
      acknowledged: false,
    },
  ]);
  const series: [string, PreparedStatement, (i: number) => unknown[]][] = [
    [
      'projection write (every reminder and change)',
      PROJECTION,
      (i) => [
        caseAt(i),
        'assessment',
        dueIn(14),
        'initial_assessment',
        0,
        0,
        1_000 + i,
        0,
        obligations,
        '[]',
        ['passes_doer', 'not_to_doer'],
      ],
    ],
    ['case detail: recorded schedule', RECORDED_SCHEDULE, (i) => [caseAt(i), PROJECTION_SETTLE_MS]],
    ['reminder: the case it is about', CASE_ROW, (i) => [caseAt(i)]],
    [
      'reminder: its recipient',
      STAFF_RECIPIENT,
      (i) => [team.caseManagers[i % team.caseManagers.length]!.id],
    ],
    ['every API request: the token', TOKEN_HOLDER, () => [createHash('sha256').update(token).digest('hex')]],
  ];

  const client = new Client({ connectionString: url });
  await client.connect();
  // The server is stopped at the end, possibly before this connection notices.
  client.on('error', () => undefined);
  const backend = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const cpuMs = (): number => {
    const fields = fs.readFileSync(`/proc/${backend}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in 10 ms ticks
  };
  console.log(`${'statement'.padEnd(46)} ${'mode'.padEnd(9)} server CPU µs   round trip µs`);
  for (const [label, statement, values] of series) {
    for (const mode of ['text', 'prepared', 'text', 'prepared'] as const) {
      const call = (i: number) =>
        client.query(
          mode === 'prepared' ? statement.with(values(i)) : { text: statement.text, values: values(i) },
        );
      for (let i = 0; i < 50; i++) await call(i);
      const cpuBefore = cpuMs();
      const started = performance.now();
      for (let i = 0; i < calls; i++) await call(i);
      const perCall = (ms: number): string => ((ms * 1000) / calls).toFixed(0).padStart(13);
      console.log(
        `${label.padEnd(46)} ${mode.padEnd(9)} ${perCall(cpuMs() - cpuBefore)}   ${perCall(performance.now() - started)}`,
      );
    }
  }
  await client.end();
  await pool.end();
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => cleanupAll());
