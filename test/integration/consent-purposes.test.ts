import { consentTo } from '../../src/domain/consent';
import { caseSteps, type CaseSteps } from '../helpers/case-steps';
import { createProvider, createTeam } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * Issue 17, consent per purpose: sharing with providers in general, with one named provider, and
 * email reminders to the client, each given or withdrawn with date, method and who recorded it.
 * Real API and PostgreSQL.
 */
describe('consent per purpose', () => {
  let stack: TestStack;
  let steps: CaseSteps;
  beforeAll(async () => {
    stack = await startTestStack('consent-purposes-test');
    steps = caseSteps(stack.api);
  });
  afterAll(() => stack?.stop());

  async function caseWithoutConsent() {
    const { api, db } = stack;
    const team = await createTeam(db.pool);
    const opened = await api.call('POST', '/api/v1/cases', team.caseManager.token, {
      programId: team.programId,
      caseManagerId: team.caseManager.id,
      client: { givenName: 'Amara', familyName: 'Osei' },
    });
    expect(opened.status).toBe(201);
    const base = `/api/v1/cases/${opened.body.id}`;
    await steps.assess(base, team.caseManager.token);
    return { team, base, consentPath: `/api/v1/clients/${opened.body.clientId}/consent` };
  }

  const refer = (base: string, token: string, providerId: string) =>
    stack.api.call('POST', `${base}/referrals`, token, {
      providerId,
      service: 'Housing',
      reason: 'Eviction',
    });

  it('when the client consents to one named provider only, then referrals to that provider are made and to any other refused', async () => {
    const { api, db } = stack;
    const { team, base, consentPath } = await caseWithoutConsent();
    const cm = team.caseManager.token;
    const named = await createProvider(db.pool, 'Harbour Housing');
    const other = await createProvider(db.pool);

    const given = await api.call('POST', consentPath, cm, {
      purpose: 'share_with_provider',
      providerId: named.id,
      given: true,
      method: 'written',
    });
    expect(given).toMatchObject({
      status: 201,
      body: { purpose: 'share_with_provider', providerId: named.id, given: true, method: 'written' },
    });
    expect((await refer(base, cm, named.id)).status).toBe(201);
    expect((await refer(base, cm, other.id)).status).toBe(409);
    const timeline = (await api.call('GET', `${base}/timeline`, cm)).body.items as { summary: string }[];
    expect(timeline.map((i) => i.summary)).toContain('Consent to share with Harbour Housing given (written)');
  });

  it('when consent to providers in general is withdrawn after a named grant, then the later statement decides: that provider too is refused until named again', async () => {
    const { api, db } = stack;
    const { team, base, consentPath } = await caseWithoutConsent();
    const cm = team.caseManager.token;
    const named = await createProvider(db.pool);
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString();

    await api.call('POST', consentPath, cm, {
      purpose: 'share_with_provider',
      providerId: named.id,
      given: true,
      at: at(3),
    });
    await api.call('POST', consentPath, cm, { given: false, method: 'verbal', at: at(2) });
    expect((await refer(base, cm, named.id)).status).toBe(409);

    await api.call('POST', consentPath, cm, {
      purpose: 'share_with_provider',
      providerId: named.id,
      given: true,
      at: at(1),
    });
    expect((await refer(base, cm, named.id)).status).toBe(201);
  });

  it('when a statement names a provider for the wrong purpose, or none for a named one, or an unknown one, then 422 names the field and nothing is recorded', async () => {
    const { api, db } = stack;
    const { team, consentPath } = await caseWithoutConsent();
    const cm = team.caseManager.token;
    const provider = await createProvider(db.pool);
    const clientId = consentPath.split('/')[4]!;

    const unnamed = await api.call('POST', consentPath, cm, { purpose: 'share_with_provider', given: true });
    expect(unnamed).toMatchObject({
      status: 422,
      body: { errors: [{ field: 'body.providerId', reason: 'required' }] },
    });
    const misnamed = await api.call('POST', consentPath, cm, {
      purpose: 'email_reminders',
      providerId: provider.id,
      given: true,
    });
    expect(misnamed).toMatchObject({
      status: 422,
      body: { errors: [{ field: 'body.providerId', reason: 'not allowed' }] },
    });
    const unknown = await api.call('POST', consentPath, cm, {
      purpose: 'share_with_provider',
      providerId: '00000000-0000-4000-8000-000000000000',
      given: true,
    });
    expect(unknown).toMatchObject({
      status: 422,
      body: { errors: [{ field: 'body.providerId', reason: 'not found' }] },
    });
    expect((await api.call('POST', consentPath, cm, { purpose: 'smoke_signals', given: true })).status).toBe(
      400,
    );
    expect((await api.call('POST', consentPath, cm, { given: true, method: 'telepathy' })).status).toBe(400);
    const rows = await db.pool.query('SELECT count(*)::int AS n FROM client_consents WHERE client_id = $1', [
      clientId,
    ]);
    expect(rows.rows[0].n).toBe(0);
  });

  it('when nothing is on record about email reminders, then the client is not emailed; given, then withdrawn, the latest statement decides', async () => {
    const { api, db } = stack;
    const { team, consentPath } = await caseWithoutConsent();
    const cm = team.caseManager.token;
    const clientId = consentPath.split('/')[4]!;
    const asks = () => consentTo(db.pool, clientId, { purpose: 'email_reminders' });

    expect(await asks()).toBe(false);
    await api.call('POST', consentPath, cm, {
      purpose: 'email_reminders',
      given: true,
      method: 'electronic',
    });
    expect(await asks()).toBe(true);
    // Sharing with providers is another purpose: withdrawing it leaves reminders alone.
    await api.call('POST', consentPath, cm, { given: false });
    expect(await asks()).toBe(true);
    await api.call('POST', consentPath, cm, { purpose: 'email_reminders', given: false });
    expect(await asks()).toBe(false);

    const history = (await api.call('GET', consentPath, cm)).body.items as any[];
    expect(history.map((s) => [s.purpose, s.given, s.method])).toEqual([
      ['email_reminders', true, 'electronic'],
      ['share_with_providers', false, null],
      ['email_reminders', false, null],
    ]);
  });
});
