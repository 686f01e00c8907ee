import { caseSteps } from '../helpers/case-steps';
import { createProvider, createTeam } from '../helpers/fixtures';
import { settle } from '../helpers/settle';
import { startTestStack, type TestStack } from '../helpers/stack';
import { formClient, signInCookie } from '../helpers/web-session';

/**
 * A form posted while the case's clock cannot take a change (no worker polling): the record decides,
 * so a change that committed says it is on its way, and the next change, which must wait for the
 * earlier one, is refused with nothing written: the same form comes back (503, everything typed kept,
 * "try again shortly"), never an error page.
 */
describe('a case form posted while the case clock is out of reach', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // No workflow cache: a stopped worker's sticky queue would strand the next task on the
    // time-skipping server, whose clock (and so the sticky timeout) only moves when skipped.
    stack = await startTestStack('busy-forms-test', { replayEveryTask: true });
  });
  afterAll(() => stack?.stop());

  const referralsOf = async (caseId: string): Promise<string[]> =>
    (
      await stack.db.pool.query<{ service: string }>('SELECT service FROM referrals WHERE case_id = $1', [
        caseId,
      ])
    ).rows.map((r) => r.service);

  it('when a note is still on its way to the clock, then the referral form comes back 503 with what was typed and nothing written; once the worker is back the same form goes through', async () => {
    const team = await createTeam(stack.db.pool);
    const provider = await createProvider(stack.db.pool);
    const { caseId } = await caseSteps(stack.api).intake(team);
    await settle(stack, caseId);
    const form = formClient(stack.api.base, await signInCookie(stack, team.caseManager));
    const referral = {
      providerId: provider.id,
      service: 'Tenancy sustainment <b>support</b>',
      reason: 'Rent arrears since March & a notice to quit.',
    };

    await stack.restartWorker(async () => {
      const note = await form.post(`/cases/${caseId}/notes/new`, {
        type: 'progress',
        body: 'Called the landlord about the arrears.',
      });
      expect(note.status).toBe(303);
      expect(note.location).toContain('notice=change-pending');

      const refused = await form.post(`/cases/${caseId}/referrals/new`, referral);
      expect(refused.status).toBe(503);
      expect(refused.html).toContain(
        'An earlier change to this case has not reached the case&#39;s clock yet',
      );
      expect(refused.html).toContain('Try again shortly.');
      // The form itself, with what was typed (escaped), not an error page.
      expect(refused.html).toContain('<button class="usa-button" type="submit">Send referral</button>');
      expect(refused.html).toContain('value="Tenancy sustainment &lt;b&gt;support&lt;/b&gt;"');
      expect(refused.html).toContain('Rent arrears since March &amp; a notice to quit.</textarea>');
      expect(refused.html).toMatch(new RegExp(`<option value="${provider.id}"[^>]* selected`));
      expect(await referralsOf(caseId)).toEqual([]);
    });

    // Trying again shortly, as the page says: the fresh worker takes the note first, then the referral.
    let again = await form.post(`/cases/${caseId}/referrals/new`, referral);
    for (let tries = 1; again.status === 503 && tries < 10; tries++) {
      expect(await referralsOf(caseId)).toEqual([]);
      await new Promise((r) => setTimeout(r, 1_000));
      again = await form.post(`/cases/${caseId}/referrals/new`, referral);
    }
    expect(again.status).toBe(303);
    expect(await referralsOf(caseId)).toEqual([referral.service]);
  });

  it('when an action without a form of its own meets the same wait, then the answer is a 503 "try again shortly" page with Retry-After, not "something went wrong", and nothing changed', async () => {
    const team = await createTeam(stack.db.pool);
    const { caseId } = await caseSteps(stack.api).intake(team);
    await settle(stack, caseId);
    const escalationId = (
      await stack.db.pool.query<{ id: string }>(
        `INSERT INTO escalations (case_id, obligation_id, obligation_kind, level, recipient_id, due_at, raised_at)
         VALUES ($1, 'initial-assessment', 'initial_assessment', 1, $2, now(), now()) RETURNING id`,
        [caseId, team.supervisor.id],
      )
    ).rows[0]!.id;
    const form = formClient(stack.api.base, await signInCookie(stack, team.supervisor));

    await stack.restartWorker(async () => {
      const note = await formClient(stack.api.base, await signInCookie(stack, team.caseManager)).post(
        `/cases/${caseId}/notes/new`,
        { type: 'contact', body: 'Home visit.' },
      );
      expect(note.location).toContain('notice=change-pending');
      const res = await form.post(`/escalations/${escalationId}/acknowledge`, {}, '/escalations');
      expect(res.status).toBe(503);
      expect(res.retryAfter).toBe('5');
      expect(res.html).toContain('<title>Try again shortly');
      expect(res.html).toContain('Try again shortly.');
      expect(res.html).not.toContain('Something went wrong');
    });
    const acknowledged = await stack.db.pool.query('SELECT acknowledged_at FROM escalations WHERE id = $1', [
      escalationId,
    ]);
    expect(acknowledged.rows[0].acknowledged_at).toBeNull();
  });
});
