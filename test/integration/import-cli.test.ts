import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTeam } from '../helpers/fixtures';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { daysBefore, importFile } from '../helpers/import-file';

/** `npm run import` as an operator runs it: what it prints and the exit codes docs/importing.md lists. */
describe('the import command', () => {
  let db: TestDatabase;
  const dir = mkdtempSync(path.join(tmpdir(), 'caseloop-import-'));
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  const run = (args: string[], env: Record<string, string> = { DATABASE_URL: db.url }) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/import.ts', ...args], {
        env: { PATH: process.env.PATH ?? '', ...env },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  const file = (name: string, bytes: Uint8Array): string => {
    const p = path.join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };

  it('when a file is dry-run, then problems print as a table and exit 1, a clean file exits 0, and nothing is written', async () => {
    const team = await createTeam(db.pool);
    const program = (
      await db.pool.query<{ name: string }>('SELECT name FROM programs WHERE id = $1', [team.programId])
    ).rows[0]!.name;
    const row = {
      import_key: 'CLI-1',
      program,
      client_given_name: 'Ana',
      client_family_name: 'Cli',
      case_manager_email: team.caseManager.email,
      opened_date: daysBefore(Date.now(), 10),
    };
    const bad = await run([
      file(
        'bad.csv',
        importFile([
          row,
          { ...row, import_key: 'CLI-2', client_given_name: 'Bo', case_manager_email: 'nobody@x.test' },
        ]),
      ),
    ]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe(
      'row  column              reason\n' +
        '3    case_manager_email  no staff member has this email\n' +
        '2 row(s): 1 ready to import, 0 imported before (skipped), 1 problem(s)\n',
    );
    const good = await run([file('good.csv', importFile([row]))]);
    expect(good.status).toBe(0);
    expect(good.stdout).toContain('1 row(s): 1 ready to import');
    expect(good.stdout).toContain('Dry run: nothing was written.');
    expect((await db.pool.query('SELECT 1 FROM cases')).rowCount).toBe(0);
  });

  it('when the arguments, the file or the configuration are wrong, then it exits 64, 66 or 78', async () => {
    expect((await run([])).status).toBe(64);
    expect((await run(['a.csv', '--force'])).status).toBe(64);
    const missing = await run([path.join(dir, 'missing.csv')]);
    expect(missing.status).toBe(66);
    expect(missing.stderr).toMatch(/^Cannot read .*missing\.csv/);
    const config = await run([file('x.csv', importFile([]))], { DATABASE_URL: 'not a url' });
    expect(config.status).toBe(78);
    expect(config.stderr).toContain('DATABASE_URL');
  });
});
