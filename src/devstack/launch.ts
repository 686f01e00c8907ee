import { spawn, type ChildProcess } from 'node:child_process';
import { projectRoot } from '../shared/paths';
import { readStackFile } from './stack-file';

/**
 * Starts `npm run dev`'s launcher as a child process on free ports, with its data in `dataDir`,
 * and reads where everything is from what it prints: the smoke test and the contract check drive
 * the dev stack exactly as a developer's terminal does.
 */
export interface LaunchedDevStack {
  child: ChildProcess;
  /** Everything the stack has printed, for diagnosing a failure. */
  output(): string;
  /** The API's base URL (the REST API is under /api/v1). */
  api: string;
  docs: string;
  temporalUi: string;
  inbox: string;
  temporalAddress: string;
  databaseUrl: string;
  /** The demo staff and their tokens, as printed on first start (empty when the stack seeds nothing). */
  demoStaff: { role: string; name: string; email: string; token: string }[];
  /** Ctrl-C: SIGINT to the whole process group (SIGKILL after 30 s); resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Kills the whole process group at once, if it is still running (cleanup after a failure). */
  kill(): Promise<void>;
}

const READY = '[dev] ready';
const STOP_GRACE_MS = 30_000;

export async function launchDevStack(dataDir: string, readyTimeoutMs = 180_000): Promise<LaunchedDevStack> {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/devstack/main.ts'], {
    cwd: projectRoot(),
    // Its own process group, like a terminal's job: a signal reaches PostgreSQL and Temporal too.
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
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const stop = async (): Promise<number | null> => {
    if (!running()) return child.exitCode;
    process.kill(-child.pid!, 'SIGINT');
    const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), STOP_GRACE_MS);
    const code = await exited;
    clearTimeout(killer);
    return code;
  };
  const kill = async (): Promise<void> => {
    if (!running()) return;
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
  };

  const deadline = Date.now() + readyTimeoutMs;
  while (!output.includes(READY)) {
    if (!running() || Date.now() > deadline) {
      await kill();
      throw new Error(`the dev stack did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  // The launcher prints "  <label>  <address>" lines (src/devstack/main.ts) and writes stack.json.
  const printed = (label: string): string =>
    new RegExp(`^ {2}${label}\\s+(\\S+)`, 'm').exec(output)?.[1] ?? '';
  const api = /^ {2}API\s+(\S+)\/api\/v1$/m.exec(output)?.[1] ?? '';
  const addresses = readStackFile(dataDir);
  if (!api || !addresses) {
    await kill();
    throw new Error(`could not read the dev stack's addresses from:\n${output}`);
  }
  return {
    child,
    output: () => output,
    api,
    docs: printed('API docs'),
    temporalUi: printed('Temporal UI'),
    inbox: printed('Mail inbox'),
    temporalAddress: addresses.temporalAddress,
    databaseUrl: addresses.databaseUrl,
    demoStaff: [...output.matchAll(/^ {2}([a-z_]+)\s+(\S.*?)\s+(\S+@\S+)\s+(cl_\S+)$/gm)].map((m) => ({
      role: m[1]!,
      name: m[2]!,
      email: m[3]!,
      token: m[4]!,
    })),
    stop,
    kill,
  };
}

/** The token printed for a demo staff member, or an error naming who was missing. */
export function demoToken(stack: LaunchedDevStack, role: string, name: string): string {
  const found = stack.demoStaff.find((s) => s.role === role && s.name === name);
  if (!found) throw new Error(`the dev stack printed no token for ${name} (${role}):\n${stack.output()}`);
  return found.token;
}
