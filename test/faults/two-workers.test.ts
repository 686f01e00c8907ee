import { createTeam } from '../helpers/fixtures';
import {
  casesReached,
  expectEachReminderOnce,
  expectReconciled,
  HEADS_UP_SOON,
  MINUTE,
  openCases,
  quietPeriod,
  report,
  sendersOf,
  useFaultStack,
  waitUntil,
} from './fault-kit';

describe('scale out: two worker processes on one task queue', () => {
  const taskQueue = 'scale-two-workers';
  const stack = useFaultStack(taskQueue);

  it('when 200 reminders fall due together and two worker processes share the queue, then both send, every case gets its reminder exactly once, the log says 200 sent and every projection matches its workflow', async () => {
    const { db, smtp, env, api } = stack;
    const team = await createTeam(db.pool, HEADS_UP_SOON);
    // One after the other: two bundling at once on a busy machine could outlast the start timeout.
    const workers = [await stack.startWorker(), await stack.startWorker()];
    const caseIds = await openCases(api, team, 200);

    // Every heads-up falls due a minute after its intake: the 200 land within a few seconds.
    await waitUntil(
      'a reminder for every case',
      () => casesReached(smtp.messages).length === 200,
      4 * MINUTE,
    );
    await quietPeriod();

    await expectEachReminderOnce(smtp.messages, db.pool, caseIds);
    expect(smtp.messages).toHaveLength(200);

    // Both processes took part: each ran some of the sends (its pid names it in the history).
    const senders = await sendersOf(env.client, caseIds);
    const pids = workers.map((w) => String(w.child.pid));
    for (const pid of pids) expect(senders.get(pid) ?? 0).toBeGreaterThan(0);
    expect([...senders.values()].reduce((a, b) => a + b, 0)).toBe(200);

    await expectReconciled(db.pool, env.client, taskQueue);

    report(
      'two workers, 200 reminders due together',
      'two worker processes polling one task queue; 200 cases whose heads-up falls due within seconds',
      `200 of 200 sent once (${pids.map((p) => `pid ${p}: ${senders.get(p) ?? 0}`).join(', ')}); notification log 200 sent; reconcile: no differences`,
    );
  });
});
