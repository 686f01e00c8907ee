/**
 * Every knob of `npm run bench`, read once from the environment. Defaults are the sizes the
 * benchmark issue asks for; smaller values are for quick runs while debugging.
 */

const int = (name: string, fallback: number): number => {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got '${raw}'`);
  return value;
};

const list = (name: string, fallback: number[]): number[] => {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  return raw.split(',').map((part) => {
    const value = Number(part.trim());
    if (!Number.isInteger(value) || value <= 0)
      throw new Error(`${name}: '${part}' is not a positive number`);
    return value;
  });
};

const ALL_PHASES = ['intake', 'lateness', 'history', 'replay', 'scale', 'oversight', 'import'] as const;
export type PhaseName = (typeof ALL_PHASES)[number];

export interface BenchConfig {
  phases: PhaseName[];
  intake: { casesPerRound: number; rounds: number; concurrency: number };
  lateness: {
    cases: number;
    /** At least how far ahead of a Caseloop run's start its due minute is (its seeding takes 15–20 s here). */
    leadSeconds: number;
    /** The same for a baseline run, which starts its bare workflows in about 5 s. */
    baselineLeadSeconds: number;
    startConcurrency: number;
    /** Baseline/Caseloop run pairs for each worker count. */
    pairs: number;
    /** Worker process counts compared, each against the baseline with as many workers. */
    workers: number[];
  };
  history: { years: number };
  replay: { runs: number };
  scale: {
    levels: number[];
    casesPerCaseManager: number;
    /** The organisation grows by programs of this many cases (rounded up to whole caseloads). */
    casesPerProgram: number;
    startConcurrency: number;
    /** Cases started but not yet settled, at most, while seeding: the dev server's backlog stays bounded. */
    seedWindow: number;
    requests: number;
    concurrency: number;
    /** Timed calls of each team view and report query, in process. */
    viewRuns: number;
    /** Rounds each read's calls are split over, the reads taking turns within a round. */
    rounds: number;
    /** Extra worker processes on the task queue while seeding (stopped before measuring). */
    seedWorkers: number;
    /** Passed to the worker child as WORKER_MAX_CACHED_WORKFLOWS; unset = the SDK's default cache. */
    workerMaxCachedWorkflows?: number;
  };
  oversight: { openCases: number; closedCases: number; casesPerCaseManager: number; runs: number };
  /** A CSV caseload import: rows in the generated file, rows committed at once. */
  import: { rows: number; concurrency: number };
}

export function loadBenchConfig(): BenchConfig {
  const phases = (process.env.BENCH_PHASES?.trim() || ALL_PHASES.join(','))
    .split(',')
    .map((p) => p.trim()) as PhaseName[];
  for (const p of phases) {
    if (!ALL_PHASES.includes(p))
      throw new Error(`BENCH_PHASES: unknown phase '${p}' (${ALL_PHASES.join(', ')})`);
  }
  return {
    phases,
    intake: {
      // Split into rounds that alternate raw, api, raw, api... so drift hits both sides alike.
      casesPerRound: Math.max(
        1,
        Math.floor(int('BENCH_INTAKE_CASES', 2_000) / (2 * Math.max(1, int('BENCH_INTAKE_ROUNDS', 4)))),
      ),
      rounds: Math.max(1, int('BENCH_INTAKE_ROUNDS', 4)),
      concurrency: Math.max(1, int('BENCH_INTAKE_CONCURRENCY', 16)),
    },
    lateness: {
      cases: int('BENCH_LATENESS_CASES', 1_000),
      leadSeconds: Math.max(30, int('BENCH_LATENESS_LEAD_SECONDS', 40)),
      baselineLeadSeconds: Math.max(20, int('BENCH_LATENESS_BASELINE_LEAD_SECONDS', 30)),
      startConcurrency: Math.max(1, int('BENCH_START_CONCURRENCY', 64)),
      pairs: Math.max(1, int('BENCH_LATENESS_PAIRS', 3)),
      workers: list('BENCH_LATENESS_WORKERS', [1, 2]),
    },
    history: { years: Math.max(1, int('BENCH_HISTORY_YEARS', 5)) },
    replay: { runs: Math.max(1, int('BENCH_REPLAY_RUNS', 20)) },
    scale: {
      levels: list('BENCH_SCALES', [1_000, 10_000, 100_000]).sort((a, b) => a - b),
      casesPerCaseManager: Math.max(1, int('BENCH_CASELOAD', 50)),
      casesPerProgram: Math.max(1, int('BENCH_CASES_PER_PROGRAM', 1_000)),
      startConcurrency: Math.max(1, int('BENCH_START_CONCURRENCY', 64)),
      seedWindow: Math.max(1, int('BENCH_SEED_WINDOW', 2_000)),
      requests: Math.max(10, int('BENCH_SCALE_REQUESTS', 400)),
      concurrency: Math.max(1, int('BENCH_SCALE_CONCURRENCY', 4)),
      // 400, as the lists: with 30 calls the p99 is the slowest call and with 100 the 2nd-slowest, and
      // a few-millisecond view's growth ratio was whichever call a neighbour's work slowed.
      viewRuns: Math.max(1, int('BENCH_SCALE_VIEW_RUNS', 400)),
      // Every read's calls in rounds that take turns, so background work lands on all reads alike.
      rounds: Math.max(1, int('BENCH_SCALE_ROUNDS', 4)),
      seedWorkers: int('BENCH_SEED_WORKERS', 1),
      // An explicit cache, smaller than the larger levels, so memory is seen bounded by it; 0 or
      // "sdk" leaves the SDK's heap-sized default.
      ...(process.env.BENCH_WORKER_MAX_CACHED_WORKFLOWS?.trim() === 'sdk'
        ? {}
        : { workerMaxCachedWorkflows: int('BENCH_WORKER_MAX_CACHED_WORKFLOWS', 1000) }),
    },
    oversight: {
      openCases: Math.max(100, int('BENCH_OVERSIGHT_OPEN_CASES', 100_000)),
      closedCases: int('BENCH_OVERSIGHT_CLOSED_CASES', 20_000),
      casesPerCaseManager: Math.max(1, int('BENCH_CASELOAD', 50)),
      runs: Math.max(1, int('BENCH_OVERSIGHT_RUNS', 30)),
    },
    import: {
      rows: Math.max(1, int('BENCH_IMPORT_ROWS', 10_000)),
      concurrency: Math.max(1, int('BENCH_IMPORT_CONCURRENCY', 8)),
    },
  };
}
