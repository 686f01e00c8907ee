import { spawnSync } from 'node:child_process';
import { DEFAULT_POLICY } from '../../src/core/policy';
import { reconcile, type ReconcileDeps } from '../../src/domain/reconcile';
import { createCaseFactsReader } from '../../src/temporal/case-facts';
import { createCaseWorkflows } from '../../src/temporal/case-workflows';
import { caseSteps, type Team } from '../helpers/case-steps';
import { createCaseRow, createProvider, createStaff, createTeam } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';

describe('reconciling case records with their workflows', () => {
  let stack: TestStack;
  let deps: ReconcileDeps;
  const taskQueue = 'reconcile-test';

  beforeAll(async () => {
    stack = await startTestStack(taskQueue);
    deps = {
      pool: stack.db.pool,
      workflows: createCaseWorkflows(stack.env.client, taskQueue),
      facts: createCaseFactsReader(stack.env.client),
    };
  });
  afterAll(() => stack?.stop());

  async function openCase(team: Team) {
    const { caseId, reference } = await caseSteps(stack.api).intake(team);
    return { id: caseId, reference };
  }

  const fieldsOf = (report: Awaited<ReturnType<typeof reconcile>>, caseId: string) =>
    report.differences.filter((d) => d.caseId === caseId).map((d) => d.field);

  const reconcileAudits = async (caseId: string) =>
    (
      await stack.db.pool.query<{ field: string }>(
        `SELECT detail->>'field' AS field FROM audit_log
          WHERE case_id = $1 AND detail->>'change' = 'reconcile' ORDER BY id`,
        [caseId],
      )
    ).rows.map((r) => r.field);

  it('when every record agrees with its workflow, then the report has zero differences', async () => {
    const team = await createTeam(stack.db.pool);
    const c = await openCase(team);
    const report = await reconcile(deps, { repair: false });
    expect(report.checked).toBeGreaterThanOrEqual(1);
    expect(report.differences).toEqual([]);
    expect(report.unrepaired).toBe(0);
    expect(await reconcileAudits(c.id)).toEqual([]);
  });

  it('when the case manager and supervisor are changed behind the workflow, then both are reported and repair sends the reassignment', async () => {
    const team = await createTeam(stack.db.pool);
    const c = await openCase(team);
    const supervisor = await createStaff(stack.db.pool, 'supervisor');
    const caseManager = await createStaff(stack.db.pool, 'case_manager', { supervisorId: supervisor.id });
    await stack.db.pool.query('UPDATE cases SET case_manager_id = $2, supervisor_id = $3 WHERE id = $1', [
      c.id,
      caseManager.id,
      supervisor.id,
    ]);

    const found = await reconcile(deps, { repair: false });
    expect(fieldsOf(found, c.id).sort()).toEqual(['caseManagerId', 'supervisorId']);
    const cm = found.differences.find((d) => d.field === 'caseManagerId')!;
    expect(cm).toMatchObject({ record: caseManager.id, workflow: team.caseManager.id, repaired: false });
    expect(found.unrepaired).toBe(2);

    const repaired = await reconcile(deps, { repair: true });
    expect(repaired.differences.filter((d) => d.caseId === c.id).every((d) => d.repaired)).toBe(true);
    expect(repaired.unrepaired).toBe(0);
    expect((await reconcile(deps, { repair: false })).differences).toEqual([]);
    expect((await reconcileAudits(c.id)).sort()).toEqual(['caseManagerId', 'supervisorId']);
  });

  it('when the program manager is changed behind the workflow, then it is reported and repair tells the workflow', async () => {
    const team = await createTeam(stack.db.pool);
    const c = await openCase(team);
    const newManager = await createStaff(stack.db.pool, 'program_manager');
    await stack.db.pool.query('UPDATE programs SET program_manager_id = $2 WHERE id = $1', [
      team.programId,
      newManager.id,
    ]);

    const found = await reconcile(deps, { repair: false });
    expect(found.differences.filter((d) => d.caseId === c.id)).toEqual([
      expect.objectContaining({
        field: 'programManagerId',
        record: newManager.id,
        workflow: team.programManager.id,
      }),
    ]);
    await reconcile(deps, { repair: true });
    expect((await reconcile(deps, { repair: false })).differences).toEqual([]);
    expect(await reconcileAudits(c.id)).toEqual(['programManagerId']);
  });

  it('when a hold is recorded behind the workflow, then it is reported and repair puts the workflow on hold', async () => {
    const team = await createTeam(stack.db.pool);
    const c = await openCase(team);
    await stack.db.pool.query('UPDATE cases SET on_hold_since = now() WHERE id = $1', [c.id]);

    const found = await reconcile(deps, { repair: false });
    expect(found.differences.filter((d) => d.caseId === c.id)).toEqual([
      expect.objectContaining({ field: 'hold', record: true, workflow: false }),
    ]);
    await reconcile(deps, { repair: true });
    expect((await reconcile(deps, { repair: false })).differences).toEqual([]);
    const facts = await deps.facts.view(c.id);
    expect(facts).toMatchObject({ kind: 'running', facts: { onHold: true, status: 'on_hold' } });
    expect(await reconcileAudits(c.id)).toEqual(['hold']);
  });

  it('when a newer policy version is stored without signalling, then it is reported and repair signals it', async () => {
    const team = await createTeam(stack.db.pool);
    const c = await openCase(team);
    await stack.db.pool.query(
      'INSERT INTO program_policies (program_id, version, policy) VALUES ($1, 2, $2)',
      [team.programId, DEFAULT_POLICY],
    );

    const found = await reconcile(deps, { repair: false });
    expect(found.differences.filter((d) => d.caseId === c.id)).toEqual([
      expect.objectContaining({ field: 'policyVersion', record: 2, workflow: 1 }),
    ]);
    await reconcile(deps, { repair: true });
    // A signal is not acknowledged by a reply: wait for the workflow to have taken it.
    let after = await reconcile(deps, { repair: false });
    for (let i = 0; i < 20 && after.differences.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await reconcile(deps, { repair: false });
    }
    expect(after.differences).toEqual([]);
    expect(await reconcileAudits(c.id)).toEqual(['policyVersion']);
  });

  it('when the workflow of an open case is terminated, then it is reported and repair starts a new run', async () => {
    const team = await createTeam(stack.db.pool);
    const c = await openCase(team);
    await stack.env.client.workflow.getHandle(`case-${c.id}`).terminate('reconcile test');

    const found = await reconcile(deps, { repair: false });
    expect(found.differences.filter((d) => d.caseId === c.id)).toEqual([
      expect.objectContaining({
        field: 'status',
        record: 'assessment',
        workflow: 'not running (TERMINATED)',
      }),
    ]);
    expect(found.unrepaired).toBe(1);
    const repaired = await reconcile(deps, { repair: true });
    expect(repaired.unrepaired).toBe(0);
    expect(await deps.facts.view(c.id)).toMatchObject({ kind: 'running' });
    expect((await reconcile(deps, { repair: false })).differences).toEqual([]);
    expect(await reconcileAudits(c.id)).toEqual(['status']);
  });

  it('when a case manager asks for the reconciliation, then it is 403; an admin gets the report and can repair', async () => {
    const team = await createTeam(stack.db.pool);
    const c = await openCase(team);
    await stack.db.pool.query('UPDATE cases SET on_hold_since = now() WHERE id = $1', [c.id]);
    const path = '/api/v1/admin/reconciliation';

    expect((await stack.api.call('GET', path, team.caseManager.token)).status).toBe(403);
    expect((await stack.api.call('POST', path, team.caseManager.token, { repair: true })).status).toBe(403);
    expect(await reconcileAudits(c.id)).toEqual([]);

    const report = await stack.api.call('GET', path, team.admin.token);
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({
      unrepaired: 1,
      differences: [expect.objectContaining({ field: 'hold' })],
    });

    const repaired = await stack.api.call('POST', path, team.admin.token, { repair: true });
    expect(repaired.status).toBe(200);
    expect(repaired.body).toMatchObject({ unrepaired: 0 });
    const audits = await stack.db.pool.query<{ actor_id: string }>(
      `SELECT actor_id FROM audit_log WHERE case_id = $1 AND detail->>'change' = 'reconcile'`,
      [c.id],
    );
    expect(audits.rows).toEqual([{ actor_id: team.admin.id }]);
    expect((await stack.api.call('GET', path, team.admin.token)).body).toMatchObject({ differences: [] });
  });

  it('when a case runs a workflow that does not answer the facts query (as generation 1 does), then it is listed as not compared, not as a difference', async () => {
    const team = await createTeam(stack.db.pool);
    const c = await createCaseRow(stack.db.pool, team);
    // Any real workflow without the caseFacts query stands in for a generation-1 run.
    const handle = await stack.env.client.workflow.start('staffDigests', {
      workflowId: `case-${c.id}`,
      taskQueue,
      args: [{ nextRoundAt: '2999-01-01T08:00:00.000Z' }],
    });

    const report = await reconcile(deps, { repair: true });
    expect(report.notCompared).toEqual([
      { caseId: c.id, reference: c.reference, reason: 'generation 1: not compared' },
    ]);
    expect(report.differences).toEqual([]);
    expect(report.unrepaired).toBe(0);
    await handle.terminate('end of test');
    await stack.db.pool.query(`UPDATE cases SET status = 'closed', closed_at = now() WHERE id = $1`, [c.id]);
  });

  it('when the record has an open referral the workflow does not track, then it is reported and left unrepaired (the workflow owns obligations)', async () => {
    const team = await createTeam(stack.db.pool);
    const c = await openCase(team);
    const provider = await createProvider(stack.db.pool);
    const referralId = (
      await stack.db.pool.query<{ id: string }>(
        `INSERT INTO referrals (case_id, provider_id, service, reason, created_by)
         VALUES ($1, $2, 'housing', 'needs a flat', $3) RETURNING id`,
        [c.id, provider.id, team.caseManager.id],
      )
    ).rows[0]!.id;

    const report = await reconcile(deps, { repair: true });
    expect(report.differences).toEqual([
      expect.objectContaining({
        caseId: c.id,
        field: 'openObligations',
        record: `referral ${referralId} sent`,
        repaired: false,
      }),
    ]);
    expect(report.unrepaired).toBe(1);
    expect(await reconcileAudits(c.id)).toEqual([]);
    await stack.db.pool.query(`UPDATE referrals SET status = 'cancelled' WHERE id = $1`, [referralId]);
    expect((await reconcile(deps, { repair: false })).differences).toEqual([]);
  });

  it('when the record has an open task the workflow does not track, then it is reported and left unrepaired; once it is closed, nothing is', async () => {
    const team = await createTeam(stack.db.pool);
    const c = await openCase(team);
    const taskId = (
      await stack.db.pool.query<{ id: string }>(
        `INSERT INTO case_tasks (case_id, what, assignee_id, due_at, created_by)
         VALUES ($1, 'Call the landlord', $2, now() + interval '3 days', $2) RETURNING id`,
        [c.id, team.caseManager.id],
      )
    ).rows[0]!.id;

    const report = await reconcile(deps, { repair: true });
    expect(report.differences).toEqual([
      expect.objectContaining({
        caseId: c.id,
        field: 'openObligations',
        record: `task ${taskId} open`,
        workflow: 'no open task obligation',
        repaired: false,
      }),
    ]);
    await stack.db.pool.query(
      `UPDATE case_tasks SET status = 'cancelled', closed_at = now(), closed_by = created_by WHERE id = $1`,
      [taskId],
    );
    expect((await reconcile(deps, { repair: false })).differences).toEqual([]);
  });

  it('when the CLI is given a malformed DATABASE_URL, then it exits 78 naming the variable', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/reconcile.ts'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH, DATABASE_URL: 'not a url' },
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('DATABASE_URL');
  });
});
