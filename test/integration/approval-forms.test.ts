import { startOn } from '../helpers/clock';
import { caseSteps } from '../helpers/case-steps';
import { createStaff, createTeam } from '../helpers/fixtures';
import { settle } from '../helpers/settle';
import { startTestStack, type TestStack } from '../helpers/stack';
import { formClient, signInCookie } from '../helpers/web-session';

/**
 * The closure review page and its decision form, posted as a browser would: the discharge summary
 * shown, a return without a note refused with the field named (400, nothing changed), a return
 * with a note and an approval going through the same service as the JSON API, and only those
 * who may approve on the case reaching the page.
 */
describe('deciding a closure request from its review page', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('approval-forms-test');
    await startOn(stack.env, 'Tue', '10:00');
  });
  afterAll(() => stack?.stop());

  const closureRequest = { reason: 'Goals achieved', summary: 'Housed since May; <b>income</b> steady.' };

  async function closing(team: Awaited<ReturnType<typeof createTeam>>) {
    const { caseId, base, reference } = await caseSteps(stack.api).intake(team);
    const requested = await stack.api.call('POST', `${base}/closure`, team.caseManager.token, closureRequest);
    expect(requested.status).toBe(200);
    await settle(stack, caseId);
    return { caseId, reference };
  }

  const statusOf = async (caseId: string): Promise<string> =>
    (await stack.db.pool.query<{ status: string }>('SELECT status FROM cases WHERE id = $1', [caseId]))
      .rows[0]!.status;

  it('when the supervisor returns a closure without a note, then the form comes back with the note named and the request still waits; with a note it is returned', async () => {
    const team = await createTeam(stack.db.pool);
    const { caseId, reference } = await closing(team);
    const form = formClient(stack.api.base, await signInCookie(stack, team.supervisor));
    const path = `/approvals/closures/${caseId}`;

    const queue = await form.get('/approvals');
    expect(queue.html).toContain(`href="${path}"`);
    const review = await form.get(path);
    expect(review.status).toBe(200);
    expect(review.html).toContain(`Review closure of case ${reference}`);
    expect(review.html).toContain('Goals achieved');
    // The summary is shown as text, never as markup.
    expect(review.html).toContain('Housed since May; &lt;b&gt;income&lt;/b&gt; steady.');

    const refused = await form.post(path, { decision: 'returned', note: '   ' });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain(
      'Write a note saying what to change before returning the closure request.',
    );
    expect(refused.html).toContain('aria-invalid="true"');
    expect(await statusOf(caseId)).toBe('closing');
    const events = async () =>
      (
        await stack.db.pool.query<{ what: string; note: string | null }>(
          'SELECT what, note FROM closure_events WHERE case_id = $1 ORDER BY at, created_at',
          [caseId],
        )
      ).rows;
    expect(await events()).toEqual([{ what: 'requested', note: null }]);

    const returned = await form.post(path, { decision: 'returned', note: 'Record the last contact first.' });
    expect(returned).toMatchObject({ status: 303 });
    expect(['/approvals?notice=closure-returned', '/approvals?notice=change-pending']).toContain(
      returned.location,
    );
    expect(await events()).toEqual([
      { what: 'requested', note: null },
      { what: 'returned', note: 'Record the last contact first.' },
    ]);
    await settle(stack, caseId);
    // Nothing waits any more: the page says so and offers no form.
    const after = await form.get(path);
    expect(after.html).toContain('No closure request is waiting');
    expect(after.html).not.toContain('name="decision"');
  });

  it('when the supervisor approves, then the case closes; the case manager and another team’s supervisor cannot reach the page', async () => {
    const team = await createTeam(stack.db.pool);
    const { caseId } = await closing(team);
    const path = `/approvals/closures/${caseId}`;

    const asCaseManager = formClient(stack.api.base, await signInCookie(stack, team.caseManager));
    expect((await asCaseManager.get(path)).status).toBe(403);
    const stranger = await createStaff(stack.db.pool, 'supervisor');
    const asStranger = formClient(stack.api.base, await signInCookie(stack, stranger));
    expect((await asStranger.get(path)).status).toBe(404);

    const form = formClient(stack.api.base, await signInCookie(stack, team.supervisor));
    const approved = await form.post(path, { decision: 'approved', note: '' });
    expect(approved.status).toBe(303);
    expect(['/approvals?notice=closure-approved', '/approvals?notice=change-pending']).toContain(
      approved.location,
    );
    await settle(stack, caseId);
    expect(await statusOf(caseId)).toBe('closed');
    expect((await form.get('/approvals?notice=closure-approved')).html).toContain(
      'Closure approved. The case is closed.',
    );
  });
});
