import type { Client } from '@temporalio/client';
import { loadBenchConfig, type PhaseName } from './config';
import { cleanupAll, cleanupOnSignals } from './lib/cleanup';
import { machineInfo } from './lib/machine';
import { say } from './lib/progress';
import { runHistory, type HistoryResult } from './phases/history';
import { runImport } from './phases/import';
import { runIntake } from './phases/intake';
import { runLateness } from './phases/lateness';
import { runReplay } from './phases/replay';
import { runOversight } from './phases/oversight';
import { runScale } from './phases/scale';
import { rows, table, writeResults, type BenchResults } from './report';
import { startBenchPostgres } from './stack/postgres';
import { startSmtpSink } from './stack/smtp-sink';
import { installQuietRuntime, startDevServer } from './stack/temporal';

/**
 * `npm run bench`: starts its own stack on loopback (PostgreSQL, Temporal, SMTP, worker and API
 * processes), runs each phase, prints a table on stdout and writes bench/results/<date>.json.
 * A phase that fails is recorded and the others still run; everything is stopped at the end.
 */
async function main(): Promise<number> {
  cleanupOnSignals();
  const config = loadBenchConfig();
  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    machine: machineInfo(),
    config,
    errors: {},
  };
  const wants = (p: PhaseName): boolean => config.phases.includes(p);
  say(`phases: ${config.phases.join(', ')}`);

  installQuietRuntime();
  const pg = await startBenchPostgres();
  const sink = await startSmtpSink();
  let dev: { client: Client; temporalAddress: string } | undefined;
  if (wants('intake') || wants('lateness') || wants('scale') || wants('import')) {
    results.temporalStore = wants('scale') ? 'disk' : 'memory';
    say(`starting Temporal dev server (${results.temporalStore} store)...`);
    const { env, address } = await startDevServer(results.temporalStore);
    dev = { client: env.client, temporalAddress: address };
  }

  const phase = async <T>(name: PhaseName, work: () => Promise<T>): Promise<T | undefined> => {
    const started = Date.now();
    say(`--- ${name} ---`);
    try {
      return await work();
    } catch (err) {
      results.errors[name] = err instanceof Error ? (err.stack ?? err.message) : String(err);
      say(`${name} failed: ${results.errors[name]}`);
      return undefined;
    } finally {
      say(`${name} took ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  };

  if (wants('intake'))
    results.intake = await phase('intake', () =>
      runIntake(config.intake, { pg, ...dev!, smtpUrl: sink.url }),
    );
  if (wants('lateness'))
    results.lateness = await phase('lateness', () => runLateness(config.lateness, { pg, ...dev!, sink }));

  let history: HistoryResult | undefined;
  if (wants('history')) {
    history = await phase('history', () => runHistory(config.history.years, { pg, sink }));
    if (history) {
      const { typicalFirstYear: _kept, ...figures } = history;
      results.history = figures;
    }
  }
  if (wants('replay')) {
    results.replay = await phase('replay', async () => {
      // Without the history phase, simulate just the typical case's first year to have one.
      const source = history ?? (await runHistory(1, { pg, sink, onlyTypical: true }));
      return runReplay(source.typicalFirstYear, config.replay.runs);
    });
  }
  if (wants('scale'))
    results.scale = await phase('scale', () => runScale(config.scale, { pg, ...dev!, smtpUrl: sink.url }));
  if (wants('oversight'))
    results.oversight = await phase('oversight', () => runOversight(config.oversight, { pg }));
  if (wants('import'))
    results.import = await phase('import', () =>
      runImport(config.import, { pg, ...dev!, smtpUrl: sink.url }),
    );

  results.finishedAt = new Date().toISOString();
  results.verdicts = rows(results);
  const file = await writeResults(results);
  process.stdout.write(`\n${table(results, results.verdicts)}\n\nResults: ${file}\n`);
  return Object.keys(results.errors).length ? 1 : 0;
}

void main()
  .catch((err: unknown) => {
    say(`benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 1;
  })
  .then(async (code) => {
    say('stopping everything...');
    await cleanupAll();
    process.exit(code);
  });
