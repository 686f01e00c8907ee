import { movesWithThem } from '../../src/api/web/handover-pages';
import type { HandOverChoices } from '../../src/domain/handover';

/** The hand-over page's sentence about what goes with the outgoing people. */
describe('what a hand-over moves, in words', () => {
  const held = (tasks: number, appointments: number, escalations: number) =>
    movesWithThem({
      openTasksOfParties: tasks,
      upcomingAppointmentsOfParties: appointments,
      openEscalationsOfParties: escalations,
    } as HandOverChoices);

  it('when nothing is held, then nothing is said', () => {
    expect(held(0, 0, 0)).toBe('');
  });

  it('when one thing is held, then it goes', () => {
    expect(held(0, 0, 1)).toBe('1 unacknowledged escalation of theirs goes to whoever takes their place.');
  });

  it('when several kinds are held, then they are listed with "and" before the last, and go', () => {
    expect(held(2, 0, 1)).toBe(
      '2 open tasks and 1 unacknowledged escalation of theirs go to whoever takes their place.',
    );
    expect(held(1, 3, 2)).toBe(
      '1 open task, 3 upcoming appointments and 2 unacknowledged escalations of theirs go to whoever takes their place.',
    );
  });
});
