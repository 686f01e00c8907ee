import type { Client } from '@temporalio/client';
import { TEAM_PAGE_SIZE } from '../../src/domain/team';
import { startTestApi, type TestApi } from '../helpers/api';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import type { StaffFixture } from '../helpers/fixtures';
import { seedLargeTeam } from '../helpers/large-team';
import { signedInAs } from '../helpers/sessions';

/**
 * The team page in pages of case managers: a program manager of a large program sees the most
 * overdue case managers first and pages through the rest; the CSV download still has everyone.
 */
describe('the team page, a page of case managers at a time', () => {
  const now = new Date('2026-12-02T12:00:00Z');
  const members = TEAM_PAGE_SIZE + 3;
  let db: TestDatabase;
  let api: TestApi;
  let pm: StaffFixture;
  let behind: StaffFixture;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.pool, {} as Client, 'team-page-test', () => now);
    ({ programManager: pm, behind } = await seedLargeTeam(db.pool, members, now));
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const get = async (path: string) => {
    const res = await fetch(`${api.base}${path}`, {
      headers: { cookie: (await signedInAs(db.pool, pm, { now })).cookie },
      redirect: 'manual',
    });
    return { status: res.status, body: await res.text() };
  };
  const namesIn = (body: string): string[] => [...body.matchAll(/>(Member \d\d)</g)].map((m) => m[1]!);

  it('when the team is larger than a page, then page one lists the most overdue first and links to the next page', async () => {
    const { status, body } = await get('/team');
    expect(status).toBe(200);
    const names = namesIn(body);
    expect(names).toHaveLength(TEAM_PAGE_SIZE);
    expect(names[0]).toBe(behind.fullName);
    expect(names.slice(1)).toEqual(
      Array.from({ length: TEAM_PAGE_SIZE - 1 }, (_, i) => `Member ${String(i).padStart(2, '0')}`),
    );
    expect(body).toContain(`1–${TEAM_PAGE_SIZE} of ${members}`);
    expect(body).toContain('Page 1 of 2');
    expect(body).toContain('href="/team?page=2" rel="next"');
  });

  it('when the next page is opened, then it holds the rest and links back', async () => {
    const { status, body } = await get('/team?page=2');
    expect(status).toBe(200);
    expect(namesIn(body)).toEqual(
      Array.from({ length: 3 }, (_, i) => `Member ${String(TEAM_PAGE_SIZE - 1 + i).padStart(2, '0')}`),
    );
    expect(body).toContain('href="/team" rel="prev"');
    expect(body).not.toContain('rel="next"');
  });

  it('when a page past the end is asked for, then it says so and offers the first page', async () => {
    const { status, body } = await get('/team?page=9');
    expect(status).toBe(200);
    expect(namesIn(body)).toEqual([]);
    expect(body).toContain('There are no case managers on page 9.');
  });

  it('when the page number is not a whole number from 1, then the answer is 400 with the reason', async () => {
    for (const bad of ['0', 'two', '1.5', '99999']) {
      const { status, body } = await get(`/team?page=${bad}`);
      expect(status).toBe(400);
      expect(body).toContain('The page number must be a whole number from 1 to 10,000.');
    }
  });

  it('when the table is downloaded, then the CSV has every member, not one page', async () => {
    const { status, body } = await get('/team.csv');
    expect(status).toBe(200);
    expect(body.trim().split('\n')).toHaveLength(members + 1);
  });
});
