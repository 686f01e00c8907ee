import { createTeam } from '../helpers/fixtures';
import {
  casesReached,
  deliveries,
  HEADS_UP_SOON,
  MINUTE,
  notificationLog,
  openCases,
  quietPeriod,
  report,
  useFaultStack,
  waitUntil,
  expectReconciled,
} from './fault-kit';

describe('fault: the worker process is killed while notifications are going out', () => {
  const taskQueue = 'fault-worker-killed';
  const stack = useFaultStack(taskQueue);

  it('when the worker gets SIGKILL in the middle of 200 reminders and a new one starts, then every reminder arrives, each once (a copy only from the kill instant, same Message-ID)', async () => {
    const { db, smtp, env, api } = stack;
    const team = await createTeam(db.pool, HEADS_UP_SOON);
    const spawnWorker = () => stack.startWorker();
    const first = await spawnWorker();
    const caseIds = await openCases(api, team, 200);
    // A relay that takes 50 ms per message stretches the burst so the kill lands inside it.
    smtp.acceptDelayMs = 50;

    await waitUntil('the first 40 reminders', () => smtp.messages.length >= 40, 4 * MINUTE);
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await first.exited).toBe('SIGKILL');
    const deliveredBeforeKill = smtp.messages.length;
    // The kill landed inside the burst: most reminders were still to go.
    expect(deliveredBeforeKill).toBeLessThan(200);
    await spawnWorker();

    // Activities the dead worker held time out (1 minute) and are retried by the new one.
    await waitUntil(
      'a reminder for every case',
      () => casesReached(smtp.messages).length === 200,
      4 * MINUTE,
    );
    await quietPeriod();

    const counts = deliveries(smtp.messages);
    expect(casesReached(smtp.messages)).toEqual([...caseIds].sort());
    expect(counts.size).toBe(200);
    const doubled = [...counts].filter(([, n]) => n > 1).map(([key]) => key);
    for (const key of doubled) {
      // SMTP has no two-phase commit: only a message inside its SMTP transaction at the kill (the
      // relay accepted it, the dead process never heard or never wrote "sent") may go again, and
      // then with the same Message-ID, which mail clients show once.
      const copies = smtp.messages.filter((m) => m.headers.get('x-caseloop-notification-key') === key);
      expect(new Set(copies.map((m) => m.messageId)).size).toBe(1);
      expect(Math.abs(copies[0]!.receivedAt.getTime() - killedAt)).toBeLessThan(1_000);
    }
    expect(await notificationLog(db.pool)).toEqual([{ status: 'sent', n: '200' }]);

    await expectReconciled(db.pool, env.client, taskQueue);

    report(
      'worker SIGKILL during 200 reminders',
      `SIGKILL after ${deliveredBeforeKill} of 200 reminders were accepted by SMTP; a new worker process started`,
      `200 of 200 cases got their reminder; ${doubled.length} resent from the kill instant (same Message-ID); notification log 200 sent`,
    );
  });
});
