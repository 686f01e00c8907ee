import { randomUUID } from 'node:crypto';
import { DAY, HOUR, skipTo, startOn } from '../helpers/clock';
import { caseSteps } from '../helpers/case-steps';
import { createStaff, createTeam } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';

/** The appointment routes: what they accept, and that a refused request writes nothing and is never a 500. */
describe('appointments API', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('appointments-api-test');
  });
  afterAll(() => stack?.stop());

  /** Rows that a refused request must leave as they were. */
  const counts = async (): Promise<number[]> =>
    (
      await stack.db.pool.query<{ a: number; e: number; c: number }>(
        `SELECT (SELECT count(*)::int FROM appointments) AS a, (SELECT count(*)::int FROM appointment_events) AS e,
                (SELECT count(*)::int FROM case_changes) AS c`,
      )
    ).rows.map((r) => [r.a, r.e, r.c])[0]!;

  async function setUp() {
    const team = await createTeam(stack.db.pool);
    const t0 = await startOn(stack.env, 'Mon', '10:00');
    const { base } = await caseSteps(stack.api).intake(team);
    const valid = {
      startsAt: new Date(t0 + 2 * DAY).toISOString(),
      durationMinutes: 60,
      mode: 'in_person',
      location: 'Office',
      attendeeIds: [team.caseManager.id],
    };
    return { team, t0, base, valid };
  }

  it('when the input is malformed or names what does not exist, then the answer is a clear 4xx and nothing is written', async () => {
    const { api } = stack;
    const { team, base, valid, t0 } = await setUp();
    const token = team.caseManager.token;
    const before = await counts();
    const refused: [string, unknown, number, string?][] = [
      ['missing startsAt', { ...valid, startsAt: undefined }, 400, 'body.startsAt'],
      ['unknown field', { ...valid, colour: 'red' }, 400],
      ['zero duration', { ...valid, durationMinutes: 0 }, 400, 'body.durationMinutes'],
      ['a day long', { ...valid, durationMinutes: 24 * 60 }, 400, 'body.durationMinutes'],
      ['no attendee', { ...valid, attendeeIds: [] }, 400, 'body.attendeeIds'],
      ['bad mode', { ...valid, mode: 'carrier pigeon' }, 400, 'body.mode'],
      ['blank location', { ...valid, location: '   ' }, 400, 'body.location'],
      ['not a time', { ...valid, startsAt: 'next Tuesday' }, 400, 'body.startsAt'],
      ['unknown attendee', { ...valid, attendeeIds: [randomUUID()] }, 422, 'body.attendeeIds'],
      ['the same attendee twice', { ...valid, attendeeIds: [team.caseManager.id, team.caseManager.id] }, 422],
      [
        'a start long past',
        { ...valid, startsAt: new Date(t0 - 3 * DAY).toISOString() },
        422,
        'body.startsAt',
      ],
    ];
    for (const [what, body, status, field] of refused) {
      const res = await api.call('POST', `${base}/appointments`, token, body);
      expect({ what, status: res.status }).toEqual({ what, status });
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      if (field) expect(JSON.stringify(res.body)).toContain(field);
    }
    const inactive = await createStaff(stack.db.pool, 'case_manager', { active: false });
    expect(
      (await api.call('POST', `${base}/appointments`, token, { ...valid, attendeeIds: [inactive.id] }))
        .status,
    ).toBe(422);
    // A case that does not exist, or one this case manager may not see, is 404.
    expect((await api.call('POST', `/api/v1/cases/${randomUUID()}/appointments`, token, valid)).status).toBe(
      404,
    );
    const other = await createTeam(stack.db.pool);
    expect((await api.call('POST', `${base}/appointments`, other.caseManager.token, valid)).status).toBe(404);
    expect(await counts()).toEqual(before);
  });

  it('when an appointment has been cancelled or recorded, then changing, cancelling or recording it again is 409; attendance before it starts is 422', async () => {
    const { api, env } = stack;
    const { team, base, valid, t0 } = await setUp();
    const token = team.caseManager.token;
    const made = await api.call('POST', `${base}/appointments`, token, valid);
    expect(made.status).toBe(201);
    const path = `${base}/appointments/${made.body.id}`;
    const before = await counts();
    expect((await api.call('PATCH', path, token, {})).status).toBe(400);
    expect((await api.call('POST', `${path}/cancel`, token, { by: 'nobody' })).status).toBe(400);
    expect((await api.call('POST', `${path}/attendance`, token, { attendance: 'maybe' })).status).toBe(400);
    const early = await api.call('POST', `${path}/attendance`, token, { attendance: 'attended' });
    expect(early.status).toBe(422);
    expect(
      (await api.call('PATCH', `${base}/appointments/${randomUUID()}`, token, { location: 'X' })).status,
    ).toBe(404);
    expect(await counts()).toEqual(before);

    await skipTo(env, t0 + 2 * DAY + HOUR);
    const attended = await api.call('POST', `${path}/attendance`, token, { attendance: 'attended' });
    expect(attended.status).toBe(200);
    expect(attended.body).toMatchObject({ status: 'attended', sequence: 0 });
    const after = await counts();
    expect((await api.call('POST', `${path}/attendance`, token, { attendance: 'no_show' })).status).toBe(409);
    expect((await api.call('PATCH', path, token, { location: 'Elsewhere' })).status).toBe(409);
    expect((await api.call('POST', `${path}/cancel`, token, { by: 'client' })).status).toBe(409);
    expect(await counts()).toEqual(after);

    const listed = await api.call('GET', `${base}/appointments`, token);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: made.body.id, status: 'attended' })]);
    const events = await stack.db.pool.query<{ what: string; sequence: number }>(
      'SELECT what, sequence FROM appointment_events WHERE appointment_id = $1 ORDER BY created_at',
      [made.body.id],
    );
    expect(events.rows).toEqual([
      { what: 'scheduled', sequence: 0 },
      { what: 'attended', sequence: 0 },
    ]);
    // The history of an appointment is append-only, for the application's own role too.
    await expect(
      stack.db.pool.query('DELETE FROM appointment_events WHERE appointment_id = $1', [made.body.id]),
    ).rejects.toThrow();
  });
});
