import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { Pool } from 'pg';
import { projectRoot } from '../../src/shared/paths';

/**
 * Runs `npm run dev`'s launcher end to end on free ports and a throwaway data folder, so it never
 * collides with a developer's running stack.
 */
describe('dev stack launcher (smoke)', () => {
  let child: ChildProcess;
  let output = '';
  let dataDir: string;

  afterAll(async () => {
    if (child && child.exitCode === null) {
      process.kill(-child.pid!, 'SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const waitFor = async <T>(
    what: string,
    probe: () => Promise<T | undefined> | T | undefined,
    timeoutMs: number,
  ): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}. Launcher output:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const line = (label: string): string => new RegExp(`^  ${label}\\s+(\\S+)`, 'm').exec(output)?.[1] ?? '';

  it('when launched, then every URL answers, an intake becomes a workflow, its reminder reaches the inbox, and Ctrl-C stops it cleanly', async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caseloop-smoke-'));
    fs.chmodSync(dataDir, 0o755);
    const root = projectRoot();
    // Its own process group, like a terminal's foreground job: Ctrl-C reaches every process in it.
    child = spawn(process.execPath, ['--import', 'tsx', 'src/devstack/main.ts'], {
      cwd: root,
      detached: true,
      env: {
        ...process.env,
        DATABASE_URL: '',
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
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));

    await waitFor(
      'the launcher to report ready',
      () => (output.includes('[dev] ready') ? true : undefined),
      150_000,
    );
    const api = line('API').replace(/\/api\/v1$/, '');
    const [docs, temporalUi, inbox, grpc, pgUrl] = [
      'API docs',
      'Temporal UI',
      'Mail inbox',
      'Temporal gRPC',
      'PostgreSQL',
    ].map(line);
    const adminToken = /admin\s+Avery Admin\s+(\S+)/.exec(output)?.[1];
    expect(adminToken).toMatch(/^cl_/);

    // Every URL answers.
    expect((await fetch(`${api}/healthz`)).status).toBe(200);
    expect((await fetch(`${api}/readyz`)).status).toBe(200);
    expect(await (await fetch(docs!)).text()).toContain('swagger-ui');
    expect((await fetch(temporalUi!)).status).toBe(200);
    expect((await fetch(`${inbox}/api/healthz`)).status).toBe(200);

    // A program on a seconds-scale policy, so a reminder is due within moments.
    const pool = new Pool({ connectionString: pgUrl });
    try {
      const { id: programId } = (
        await pool.query<{ id: string }>(
          `INSERT INTO programs (name) VALUES ('Smoke test program') RETURNING id`,
        )
      ).rows[0]!;
      const demoPolicy = (
        await pool.query<{ policy: Record<string, unknown> }>('SELECT policy FROM program_policies LIMIT 1')
      ).rows[0]!.policy;
      await pool.query('INSERT INTO program_policies (program_id, version, policy) VALUES ($1, 1, $2)', [
        programId,
        {
          ...demoPolicy,
          initialAssessmentDue: 'PT8S',
          urgent: true,
          ladder: { ...(demoPolicy.ladder as object), headsUpBefore: 'PT6S' },
        },
      ]);
      const { id: caseManagerId } = (
        await pool.query<{ id: string }>(`SELECT id FROM staff WHERE role = 'case_manager' LIMIT 1`)
      ).rows[0]!;

      const res = await fetch(`${api}/api/v1/cases`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          programId,
          caseManagerId,
          client: { givenName: 'Smoke', familyName: 'Test' },
        }),
      });
      expect(res.status).toBe(201);
      const opened = (await res.json()) as { id: string; reference: string; workflowId: string };

      const connection = await Connection.connect({ address: grpc });
      try {
        const temporal = new TemporalClient({ connection });
        expect((await temporal.workflow.getHandle(opened.workflowId).describe()).status.name).toBe('RUNNING');
        await waitFor(
          'the case to be searchable by CaseId',
          async () => {
            for await (const wf of temporal.workflow.list({ query: `CaseId = '${opened.id}'` }))
              return wf.workflowId;
            return undefined;
          },
          30_000,
        );
        // The demo cases seeded on first start are workflows too.
        expect(
          (await temporal.workflow.count(`WorkflowType = 'caseLifecycle'`)).count,
        ).toBeGreaterThanOrEqual(4);
      } finally {
        await connection.close();
      }

      const mail = await waitFor(
        'the heads-up email in the inbox',
        async () => {
          const list = (await (await fetch(`${inbox}/api/email`)).json()) as {
            subject: string;
            to: { address: string }[];
          }[];
          return list.find((m) => m.subject.includes(opened.reference));
        },
        60_000,
      );
      expect(mail.subject).toMatch(/^Initial assessment due/);
    } finally {
      await pool.end();
    }

    process.kill(-child.pid!, 'SIGINT');
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(0);
    expect(output).toContain('[dev] stopped.');
  }, 300_000);
});
