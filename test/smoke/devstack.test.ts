import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { Pool } from 'pg';
import { demoToken, launchDevStack, type LaunchedDevStack } from '../../src/devstack/launch';
import { DEMO_PASSWORD } from '../../src/devstack/demo-data';
import { signInWithPassword } from '../helpers/sessions';

const demoStaff = (stack: LaunchedDevStack, role: string, name: string) => {
  const found = stack.demoStaff.find((s) => s.role === role && s.name === name);
  if (!found) throw new Error(`the dev stack printed no ${name} (${role}):\n${stack.output()}`);
  return found;
};

const waitFor = async <T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  context = '',
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}.\n${context}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};

const launched: LaunchedDevStack[] = [];

/** `npm run dev`'s launcher on free ports, in its own process group like a terminal's job. */
async function launch(dataDir: string): Promise<LaunchedDevStack & { adminToken: string }> {
  const stack = await launchDevStack(dataDir);
  launched.push(stack);
  return { ...stack, adminToken: demoToken(stack, 'admin', 'Avery Admin') };
}

async function withTemporal<T>(address: string, work: (c: TemporalClient) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address });
  try {
    return await work(new TemporalClient({ connection }));
  } finally {
    await connection.close();
  }
}

describe('dev stack launcher (smoke)', () => {
  let dataDir: string;

  afterAll(async () => {
    for (const stack of launched) await stack.kill();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('when launched, then every URL answers, an intake becomes a workflow and its reminder reaches the inbox; after Ctrl-C and a restart the cases are still there', async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caseloop-smoke-'));
    fs.chmodSync(dataDir, 0o755);
    const first = await launch(dataDir);
    expect(first.adminToken).toMatch(/^cl_/);

    // Every URL answers.
    expect((await fetch(`${first.api}/healthz`)).status).toBe(200);
    expect((await fetch(`${first.api}/readyz`)).status).toBe(200);
    expect(await (await fetch(first.docs)).text()).toContain('swagger-ui');
    // The Temporal UI is served to signed-in admins only.
    expect(first.temporalUi).toBe(`${first.api}/temporal/`);
    // Demo staff sign in with the development password printed at start.
    expect(first.output()).toContain(`"${DEMO_PASSWORD}"`);
    const signedIn = await signInWithPassword(
      first.api,
      demoStaff(first, 'admin', 'Avery Admin').email,
      DEMO_PASSWORD,
      '/temporal/',
    );
    expect(signedIn).toMatchObject({ status: 303, location: '/temporal/' });
    const asAdmin = { headers: { cookie: signedIn.cookie! } };
    const ui = await fetch(first.temporalUi, asAdmin);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('/temporal/_app/');
    expect((await fetch(first.temporalUi, { redirect: 'manual' })).status).toBe(303);
    expect((await fetch(`${first.inbox}/api/healthz`)).status).toBe(200);

    // The API and worker connect as the application role, which owns nothing and is no superuser.
    expect(new URL(first.databaseUrl).username).toBe('caseloop_app');

    // A program on a seconds-scale policy, so a reminder is due within moments.
    const pool = new Pool({ connectionString: first.databaseUrl });
    let opened: { id: string; reference: string; workflowId: string };
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
      const { id: caseManagerId } =
        // One who gets reminders one by one: a digest reader's would wait for the digest round.
        (
          await pool.query<{ id: string }>(
            `SELECT id FROM staff WHERE role = 'case_manager' AND notification_preference = 'immediate'
           ORDER BY email LIMIT 1`,
          )
        ).rows[0]!;

      const res = await fetch(`${first.api}/api/v1/cases`, {
        method: 'POST',
        headers: { authorization: `Bearer ${first.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          programId,
          caseManagerId,
          client: { givenName: 'Smoke', familyName: 'Test' },
        }),
      });
      expect(res.status).toBe(201);
      opened = (await res.json()) as typeof opened;
    } finally {
      await pool.end();
    }

    await withTemporal(first.temporalAddress, async (temporal) => {
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
      // The five demo cases seeded on first start are workflows too.
      expect((await temporal.workflow.count(`WorkflowType = 'caseLifecycle'`)).count).toBe(6);
    });

    const mail = await waitFor(
      'the heads-up email in the inbox',
      async () => {
        const list = (await (await fetch(`${first.inbox}/api/email`)).json()) as { subject: string }[];
        return list.find((m) => m.subject.includes(opened.reference));
      },
      60_000,
      first.output(),
    );
    expect(mail.subject).toMatch(/^Initial assessment due/);

    // Ctrl-C: SIGINT to the whole process group.
    expect(await first.stop()).toBe(0);
    expect(first.output()).toContain('[dev] stopped.');

    // A second start reuses the data: same tokens, no second seeding, the workflows still run.
    const second = await launch(dataDir);
    expect(second.adminToken).toBe(first.adminToken);
    await withTemporal(second.temporalAddress, async (temporal) => {
      expect((await temporal.workflow.getHandle(opened.workflowId).describe()).status.name).toBe('RUNNING');
      expect((await temporal.workflow.count(`WorkflowType = 'caseLifecycle'`)).count).toBe(6);
    });
    const view = await fetch(`${second.api}/api/v1/cases/${opened.id}`, {
      headers: { authorization: `Bearer ${second.adminToken}` },
    });
    expect(view.status).toBe(200);
    expect(await second.stop()).toBe(0);
  }, 400_000);
});
