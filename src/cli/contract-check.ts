import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { projectRoot } from '../shared/paths';

/**
 * `npm run test:contract`: starts the dev stack (`npm run dev`'s launcher) on free ports with its
 * demo data, then runs Schemathesis with every check against /openapi.json, once as the demo admin
 * and once as a demo case manager. Exits non-zero if either run finds anything.
 *
 * `--install-only` just installs the pinned Schemathesis into .tools/ (CI does that up front).
 * CONTRACT_EXAMPLES (default 12) bounds the test cases per operation and phase, so a run takes a
 * few minutes on two cores.
 */
const SCHEMATHESIS_VERSION = '4.32.5';
const ROOT = projectRoot();
const TOOLS = path.join(ROOT, '.tools', `schemathesis-${SCHEMATHESIS_VERSION}`);
const REPORTS = path.join(ROOT, 'test-artifacts', 'schemathesis');
const EXAMPLES = process.env.CONTRACT_EXAMPLES ?? '12';
const ROLES = [
  { role: 'admin', name: 'Avery Admin' },
  { role: 'case_manager', name: 'Casey Manager' },
];

const say = (m: string): void => void process.stdout.write(`[contract] ${m}\n`);

/** The pinned Schemathesis, installed into .tools/ by pip on first use (like the Temporal binaries). */
export function ensureSchemathesis(): void {
  if (fs.existsSync(path.join(TOOLS, 'schemathesis', '__init__.py'))) return;
  say(`installing schemathesis==${SCHEMATHESIS_VERSION} into ${path.relative(ROOT, TOOLS)}...`);
  const pip = spawnSync(
    'python3',
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--target',
      TOOLS,
      `schemathesis==${SCHEMATHESIS_VERSION}`,
    ],
    { stdio: 'inherit' },
  );
  if (pip.status !== 0) throw new Error(`pip install of schemathesis==${SCHEMATHESIS_VERSION} failed`);
}

interface DevStack {
  child: ChildProcess;
  api: string;
  databaseUrl: string;
  tokens: Record<string, string>;
  stop: () => Promise<void>;
  /** Everything the stack printed, for diagnosing a finding (saved next to the reports). */
  output: () => string;
}

async function startDevStack(dataDir: string): Promise<DevStack> {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/devstack/main.ts'], {
    cwd: ROOT,
    // Its own process group, so stopping it reaches PostgreSQL and Temporal too.
    detached: true,
    env: {
      ...process.env,
      DATABASE_URL: '',
      MIGRATION_DATABASE_URL: '',
      API_PORT: '0',
      TEMPORAL_PORT: '0',
      TEMPORAL_UI_PORT: '0',
      MAIL_UI_PORT: '0',
      SMTP_PORT: '0',
      DEV_PG_PORT: '0',
      DATA_DIR: dataDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(-child.pid!, 'SIGINT');
    const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 30_000);
    await exited;
    clearTimeout(killer);
  };
  const deadline = Date.now() + 180_000;
  while (!output.includes('[dev] ready')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the dev stack did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const api = /^ {2}API\s+(\S+)\/api\/v1$/m.exec(output)?.[1] ?? '';
  const databaseUrl = /^ {2}PostgreSQL\s+(\S+)$/m.exec(output)?.[1] ?? '';
  const tokens = Object.fromEntries(
    ROLES.map(({ role, name }) => [role, new RegExp(`${role}\\s+${name}\\s+(\\S+)`).exec(output)?.[1] ?? '']),
  );
  if (!api || !databaseUrl || Object.values(tokens).some((t) => !t)) {
    await stop();
    throw new Error(`could not read the API URL and demo tokens from:\n${output}`);
  }
  return { child, api, databaseUrl, tokens, stop, output: () => output };
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

function runSchemathesis(api: string, role: string, token: string, config: string): RunFigures {
  const started = Date.now();
  const result = spawnSync(
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
      stdio: 'inherit',
      env: { ...process.env, PYTHONPATH: TOOLS, NO_COLOR: '1', SCHEMATHESIS_TELEMETRY: 'false' },
    },
  );
  return { role, exitCode: result.status ?? 1, seconds: Math.round((Date.now() - started) / 1000) };
}

async function main(): Promise<void> {
  ensureSchemathesis();
  if (process.argv.includes('--install-only')) return;
  fs.mkdirSync(REPORTS, { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caseloop-contract-'));
  fs.chmodSync(dataDir, 0o755);
  say('starting the dev stack...');
  const stack = await startDevStack(dataDir);
  const figures: RunFigures[] = [];
  try {
    const config = path.join(dataDir, 'schemathesis.toml');
    await writeConfig(stack.databaseUrl, config);
    for (const { role } of ROLES) {
      say(`schemathesis as ${role} against ${stack.api}/openapi.json`);
      figures.push(runSchemathesis(stack.api, role, stack.tokens[role]!, config));
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
