import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Pool } from 'pg';
import { demoToken, launchDevStack } from '../devstack/launch';
import { projectRoot } from '../shared/paths';
import { defaultToolsDir, ensurePipInstalled, type PinnedPackage } from '../shared/pip-install';

/**
 * `npm run test:contract`: starts the dev stack (`npm run dev`'s launcher) on free ports with its
 * demo data, then runs Schemathesis with every check against /openapi.json, once as the demo admin
 * and once as a demo case manager. Exits non-zero if either run finds anything.
 *
 * `--install-only` just installs the pinned Schemathesis into .tools/ (CI does that up front).
 * CONTRACT_EXAMPLES (default 12) bounds the test cases per operation and phase, so a run takes a
 * few minutes on two cores.
 */
const SCHEMATHESIS: PinnedPackage = { name: 'schemathesis', version: '4.32.5', withDependencies: true };
const ROOT = projectRoot();
const REPORTS = path.join(ROOT, 'test-artifacts', 'schemathesis');
const EXAMPLES = process.env.CONTRACT_EXAMPLES ?? '12';
const ROLES = [
  { role: 'admin', name: 'Avery Admin' },
  { role: 'case_manager', name: 'Casey Manager' },
];

const say = (m: string): void => void process.stdout.write(`[contract] ${m}\n`);

/** The pinned Schemathesis, installed into .tools/ by pip on first use (like the Temporal binaries). */
export function ensureSchemathesis(): string {
  return ensurePipInstalled(SCHEMATHESIS, defaultToolsDir(), say, (dir) =>
    fs.existsSync(path.join(dir, 'schemathesis', '__init__.py')),
  );
}

/**
 * Real ids from the demo data, offered to Schemathesis half the time for each id parameter so its
 * requests reach the records' rules instead of stopping at 404 (the other half stays generated).
 */
const ID_SOURCES: Record<string, { sql: string; bind: string[] }> = {
  cases: { sql: 'SELECT id FROM cases', bind: ['path.caseId'] },
  staff: {
    sql: 'SELECT id FROM staff',
    bind: ['path.staffId', 'body.caseManagerId', 'body.supervisorId', 'body.programManagerId'],
  },
  programs: { sql: 'SELECT id FROM programs', bind: ['path.programId', 'body.programId'] },
  providers: { sql: 'SELECT id FROM providers', bind: ['path.providerId', 'body.providerId'] },
  clients: { sql: 'SELECT id FROM clients', bind: ['path.clientId', 'body.clientId'] },
  plans: { sql: 'SELECT id FROM service_plans', bind: ['path.planId'] },
  goals: { sql: 'SELECT id FROM goals', bind: ['path.goalId'] },
  referrals: { sql: 'SELECT id FROM referrals', bind: ['path.referralId'] },
  escalations: { sql: 'SELECT id FROM escalations', bind: ['path.escalationId'] },
};

/** The checked-in settings plus dictionaries of the stack's real ids, as one config file. */
async function writeConfig(databaseUrl: string, file: string): Promise<void> {
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  const dictionaries: string[] = [];
  const parameters: string[] = [];
  try {
    for (const [name, source] of Object.entries(ID_SOURCES)) {
      const ids = (await pool.query<{ id: string }>(source.sql)).rows.map((r) => r.id);
      if (!ids.length) continue;
      dictionaries.push(`[dictionaries.${name}]`, `values = ${JSON.stringify(ids)}`, '');
      for (const key of source.bind)
        parameters.push(`"${key}" = { dictionary = "${name}", probability = 0.5 }`);
    }
  } finally {
    await pool.end();
  }
  const base = fs.readFileSync(path.join(ROOT, 'test', 'contract', 'schemathesis.toml'), 'utf8');
  fs.writeFileSync(file, [base, ...dictionaries, '[parameters]', ...parameters, ''].join('\n'));
}

interface RunFigures {
  role: string;
  exitCode: number;
  seconds: number;
}

/**
 * Schemathesis closes with pytest's banner ("==== 2 warnings in 75.40s ===="), which a reader of
 * CI logs takes for pytest reporting that no test ran. Its banners are relayed without the rules,
 * so the run's own closing line (src/cli/ci-summary.ts) is the only one of that kind.
 */
export function withoutBanner(line: string): string {
  const banner = /^=+ (.+?) =+$/.exec(line.trimEnd());
  return banner ? `[schemathesis] ${banner[1]}` : line;
}

async function runSchemathesis(
  tools: string,
  api: string,
  role: string,
  token: string,
  config: string,
): Promise<RunFigures> {
  const started = Date.now();
  const child = spawn(
    'python3',
    [
      '-m',
      'schemathesis.cli',
      '--config-file',
      config,
      '--no-color',
      'run',
      `${api}/openapi.json`,
      '--checks',
      'all',
      '--header',
      `Authorization: Bearer ${token}`,
      '--max-examples',
      EXAMPLES,
      '--seed',
      process.env.CONTRACT_SEED ?? '1',
      // One worker: with two threads, Hypothesis's ast.parse hits CPython 3.11.7's thread-unsafe AST
      // recursion counter ("SystemError: AST constructor recursion depth mismatch", fixed in 3.11.8).
      '--workers',
      '1',
      '--report',
      'junit',
      '--report-junit-path',
      path.join(REPORTS, `${role}.xml`),
      '--output-sanitize',
      'true',
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, PYTHONPATH: tools, NO_COLOR: '1', SCHEMATHESIS_TELEMETRY: 'false' },
    },
  );
  const lines = readline.createInterface({ input: child.stdout });
  lines.on('line', (line) => void process.stdout.write(`${withoutBanner(line)}\n`));
  const exitCode = await new Promise<number>((resolve) => {
    child.on('error', () => resolve(1));
    child.on('close', (code) => resolve(code ?? 1));
  });
  return { role, exitCode, seconds: Math.round((Date.now() - started) / 1000) };
}

async function main(): Promise<void> {
  const tools = ensureSchemathesis();
  if (process.argv.includes('--install-only')) return;
  fs.mkdirSync(REPORTS, { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caseloop-contract-'));
  fs.chmodSync(dataDir, 0o755);
  say('starting the dev stack...');
  const stack = await launchDevStack(dataDir);
  const figures: RunFigures[] = [];
  try {
    const config = path.join(dataDir, 'schemathesis.toml');
    await writeConfig(stack.databaseUrl, config);
    for (const { role, name } of ROLES) {
      say(`schemathesis as ${role} against ${stack.api}/openapi.json`);
      figures.push(await runSchemathesis(tools, stack.api, role, demoToken(stack, role, name), config));
    }
  } finally {
    await stack.stop();
    fs.writeFileSync(path.join(REPORTS, 'devstack.log'), stack.output());
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  for (const f of figures)
    say(`${f.role}: ${f.exitCode === 0 ? 'passed' : `FAILED (exit ${f.exitCode})`} in ${f.seconds} s`);
  process.exit(figures.every((f) => f.exitCode === 0) ? 0 : 1);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
