import type { Client } from '@temporalio/client';
import { DEFAULT_POLICY } from '../../src/core/policy';
import { createPool } from '../../src/db/pool';
import { onCleanup } from '../lib/cleanup';
import { addCpu, cpuSince, NO_CPU, perRole, readCpu, stackCpuSources, type CpuReading } from '../lib/cpu';
import { forEachLimited, timed } from '../lib/concurrency';
import { expectApi } from '../lib/http';
import { progress, say } from '../lib/progress';
import { round } from '../lib/stats';
import type { BenchConfig } from '../config';
import {
  seedCaseRows,
  seedTeam,
  startWorkflows,
  tokenFor,
  waitForProjections,
  workflowInput,
  type BenchTeam,
} from '../seed';
import type { BenchPostgres } from '../stack/postgres';
import { startDeployment } from '../stack/services';

export interface IntakeResult {
  casesPerRound: number;
  rounds: number;
  concurrency: number;
  rawPerSecond: number;
  apiPerSecond: number;
  ratio: number;
  /**
   * CPU ms per case opened, by process, inside the timed rounds of each side: what each case costs
   * the machine while the other processes compete for the same cores.
   */
  cpuMsPerCase: { raw: CpuReading; api: CpuReading };
  perRound: { mode: 'raw' | 'api'; cases: number; seconds: number; perSecond: number }[];
}

/**
 * Intake throughput: cases opened per second through the API (validation, PostgreSQL, workflow
 * start) against bare workflow starts on the same server, same worker, same concurrency. Rounds
 * alternate raw, api, raw, api... and each waits for the worker to drain the previous round, so
 * drift and backlog weigh on both sides alike.
 */
export async function runIntake(
  cfg: BenchConfig['intake'],
  ctx: { pg: BenchPostgres; client: Client; temporalAddress: string; smtpUrl: string },
): Promise<IntakeResult> {
  const databaseUrl = await ctx.pg.freshDatabase('bench_intake');
  const pool = createPool(databaseUrl, 20);
  onCleanup('intake pool', () => pool.end());
  // A day-scale policy: nothing falls due while the benchmark runs, so no mail disturbs later phases.
  const team = await seedTeam(pool, { label: 'intake', policy: DEFAULT_POLICY, caseManagers: 16 });
  const tokens = await Promise.all(team.caseManagers.map((cm) => tokenFor(pool, cm)));
  const deployment = await startDeployment({
    name: 'intake',
    databaseUrl,
    temporalAddress: ctx.temporalAddress,
    smtpUrl: ctx.smtpUrl,
    client: ctx.client,
    withApi: true,
  });
  const apiUrl = deployment.api!.url;
  let opened = 0;
  const cpuSources = stackCpuSources({
    temporalAddress: ctx.temporalAddress,
    postmaster: ctx.pg.postmasterPid(),
    workers: deployment.workers,
    api: deployment.api!,
  });
  const cpu = { raw: NO_CPU, api: NO_CPU };

  // The clock and the CPU meters cover the same span: the starts or requests, nothing before.
  const measured = async (work: () => Promise<unknown>): Promise<{ ms: number; used: CpuReading }> => {
    const before = readCpu(cpuSources);
    const { ms } = await timed(work);
    return { ms, used: cpuSince(before, readCpu(cpuSources)) };
  };
  const rawRound = async (n: number): Promise<{ ms: number; used: CpuReading }> => {
    // Rows first, outside the clock: the workflow looks its row up and would otherwise wait minutes.
    const openedAt = new Date();
    const rows = await seedCaseRows(pool, team, n, openedAt);
    const inputs = rows.map((r) => workflowInput(team, r, openedAt));
    return measured(() => startWorkflows(ctx.client, deployment.taskQueue, inputs, cfg.concurrency));
  };
  const apiRound = (n: number): Promise<{ ms: number; used: CpuReading }> =>
    measured(() =>
      forEachLimited(
        Array.from({ length: n }, (_, i) => i),
        cfg.concurrency,
        async (i) => {
          const k = i % team.caseManagers.length;
          await expectApi(201, apiUrl, 'POST', '/api/v1/cases', tokens[k]!, intakeBody(team, k, i));
        },
      ),
    );
  const drain = async (label: string): Promise<void> => {
    const bar = progress(`  ${label}: worker catching up`, opened);
    await waitForProjections(pool, [team.programId], opened, bar, 300_000);
    bar.done();
  };

  // Warm-up: JIT, connection pools, the worker's first workflow tasks; not counted.
  const warm = Math.min(50, cfg.casesPerRound);
  await rawRound(warm);
  await apiRound(warm);
  opened += 2 * warm;
  await drain('warm-up');

  const perRound: IntakeResult['perRound'] = [];
  for (let r = 0; r < cfg.rounds; r++) {
    for (const mode of ['raw', 'api'] as const) {
      const { ms, used } = await (mode === 'raw' ? rawRound : apiRound)(cfg.casesPerRound);
      cpu[mode] = addCpu(cpu[mode], used);
      opened += cfg.casesPerRound;
      const perSecond = cfg.casesPerRound / (ms / 1000);
      perRound.push({
        mode,
        cases: cfg.casesPerRound,
        seconds: round(ms / 1000, 3),
        perSecond: round(perSecond),
      });
      say(`intake round ${r + 1}/${cfg.rounds} ${mode}: ${perSecond.toFixed(1)} cases/s`);
      await drain(`round ${r + 1} ${mode}`);
    }
  }
  // Total cases over total time per side, so every case weighs the same.
  const rate = (mode: 'raw' | 'api'): number => {
    const rounds = perRound.filter((p) => p.mode === mode);
    return rounds.reduce((a, p) => a + p.cases, 0) / rounds.reduce((a, p) => a + p.seconds, 0);
  };
  const perCase = (r: CpuReading): CpuReading =>
    perRole((role) => round(r[role] / (cfg.rounds * cfg.casesPerRound), 2));
  const rawPerSecond = rate('raw');
  const apiPerSecond = rate('api');
  return {
    casesPerRound: cfg.casesPerRound,
    rounds: cfg.rounds,
    concurrency: cfg.concurrency,
    rawPerSecond: round(rawPerSecond),
    apiPerSecond: round(apiPerSecond),
    ratio: round(apiPerSecond / rawPerSecond, 3),
    cpuMsPerCase: { raw: perCase(cpu.raw), api: perCase(cpu.api) },
    perRound,
  };
}

/** What a case manager sends at intake: a new client and their own caseload. */
function intakeBody(team: BenchTeam, k: number, i: number) {
  return {
    programId: team.programId,
    caseManagerId: team.caseManagers[k]!.id,
    riskLevel: 'medium',
    client: { givenName: 'Bench', familyName: `Client ${i}`, birthDate: '1990-04-02', consentToShare: true },
  };
}
