import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Pool } from 'pg';
import { openCase } from '../../src/domain/cases';
import { reassign } from '../../src/domain/case-actions';
import { addTask, closeTask } from '../../src/domain/tasks';
import {
  cancelAppointment,
  changeAppointment,
  recordAttendance,
  scheduleAppointment,
} from '../../src/domain/appointments';
import { DEFAULT_POLICY } from '../../src/core/policy';
import { caseWorkflowId, type CaseWorkflows } from '../../src/domain/ports';
import { ensureStaffDigests, STAFF_DIGESTS_WORKFLOW_ID } from '../../src/temporal/staff-digests';
import { runDigestsNowSignal } from '../../src/workflows/messages';
import type { CaseEvent } from '../../src/core/case-contract';
import { makeReferral } from '../../src/domain/referrals';
import { createProvider, createStaff, createTeam } from '../helpers/fixtures';
import { commitImport, dryRun } from '../../src/domain/case-import/run';
import { daysBefore, importFile } from '../helpers/import-file';

const DAY = 86_400_000;
const HOUR = 3_600_000;

export interface ScenarioContext {
  env: TestWorkflowEnvironment;
  pool: Pool;
  workflows: CaseWorkflows;
  /** Where the recording worker listens, for workflows started other than through `workflows`. */
  taskQueue: string;
}

export interface HistoryScenario {
  /** `<generation>-<what>`: the generation is the workflow code that recorded it. */
  name: string;
  /** Drives one workflow (usually a case's) and returns its workflow id. */
  run(ctx: ScenarioContext): () => Promise<string>;
}

const at = async (env: TestWorkflowEnvironment): Promise<string> =>
  new Date(await env.currentTimeMs()).toISOString();

/** A new case, a contact note two days in, then twelve days of its clocks; its id. */
async function notedFortnight(ctx: ScenarioContext): Promise<string> {
  const { env, workflows } = ctx;
  const { caseId } = await intake(ctx);
  await env.sleep(2 * DAY);
  await workflows.event(caseId, { type: 'note_added', noteType: 'contact', at: await at(env) });
  await env.sleep(12 * DAY);
  return caseId;
}

/** A noted fortnight, then the initial assessment recorded and three quiet days. */
async function assessedAfterFortnight(ctx: ScenarioContext): Promise<string> {
  const caseId = await notedFortnight(ctx);
  await initialAssessmentRecorded(ctx, caseId);
  await ctx.env.sleep(3 * DAY);
  return caseId;
}

/** The case's initial assessment recorded now (assessment 'a-1'). */
async function initialAssessmentRecorded({ env, workflows }: ScenarioContext, caseId: string): Promise<void> {
  await workflows.event(caseId, {
    type: 'assessment_recorded',
    assessmentId: 'a-1',
    kind: 'initial',
    completedAt: await at(env),
  });
}

async function intake({ pool, workflows }: ScenarioContext, riskLevel: 'low' | 'medium' | 'high' = 'medium') {
  const team = await createTeam(pool);
  const opened = await openCase({ pool, workflows }, team.admin, {
    programId: team.programId,
    caseManagerId: team.caseManager.id,
    riskLevel,
    client: { givenName: 'Recorded', familyName: 'Client' },
  });
  return { team, caseId: opened.id };
}

export const HISTORY_SCENARIOS: HistoryScenario[] = [
  {
    // Generation 1 (released 2026-11-22): the initial-assessment ladder only.
    name: 'v1-initial-assessment-ladder',
    run: (ctx) => async () => {
      const { env, workflows } = ctx;
      const { team, caseId } = await intake(ctx);
      await env.sleep(20 * DAY);
      await workflows.acknowledge(caseId, { obligationId: 'initial-assessment', staffId: team.supervisor.id });
      await env.sleep(2 * DAY);
      await initialAssessmentRecorded(ctx, caseId);
      await env.sleep(10 * DAY);
      return caseWorkflowId(caseId);
    },
  },
  {
    name: 'v1-hold-reassign-policy-closure',
    run: (ctx) => async () => {
      const { env, workflows } = ctx;
      const { team, caseId } = await intake(ctx, 'high');
      await env.sleep(5 * DAY);
      await workflows.event(caseId, { type: 'hold', at: await at(env) });
      await env.sleep(10 * DAY);
      await workflows.event(caseId, { type: 'resume', at: await at(env) });
      await workflows.event(caseId, {
        type: 'reassigned',
        caseManagerId: team.caseManager.id,
        supervisorId: team.supervisor.id,
        at: await at(env),
      });
      await workflows.policyChanged(caseId, {
        policy: { ...DEFAULT_POLICY, initialAssessmentDue: 'P21D' },
        version: 2,
        changeId: 'recorded-change',
      });
      await env.sleep(12 * DAY);
      await initialAssessmentRecorded(ctx, caseId);
      await workflows.event(caseId, { type: 'closure_requested', at: await at(env) });
      await workflows.event(caseId, { type: 'closure_decided', decision: 'approved', at: await at(env) });
      await env.sleep(DAY);
      return caseWorkflowId(caseId);
    },
  },
  {
    // Generation 2 (case clocks v2, 2026-11-23): every obligation on one case, its ladder messages,
    // an acknowledgement, hold and resume, reassignment, a policy change, closure returned then approved.
    name: 'v2-every-obligation',
    run: (ctx) => async () => {
      const { env, workflows } = ctx;
      const { team, caseId } = await intake(ctx, 'medium');
      /** Waits `days`, then records what `make` builds at that moment. */
      const event = async (make: (now: string) => CaseEvent, days = 0) => {
        if (days) await env.sleep(days * DAY);
        await workflows.event(caseId, make(await at(env)));
      };
      await env.sleep(22 * DAY); // the initial-assessment ladder reaches the supervisor
      await workflows.acknowledge(caseId, { obligationId: 'initial-assessment', staffId: team.supervisor.id });
      await event((now) => ({ type: 'assessment_recorded', assessmentId: 'a-1', kind: 'initial', completedAt: now }), 1);
      await event((at) => ({ type: 'referral_made', referralId: 'r-1', at }));
      await event((at) => ({ type: 'referral_made', referralId: 'r-2', at }));
      await event((at) => ({ type: 'referral_updated', referralId: 'r-1', status: 'accepted', at }), 3);
      await event((at) => ({ type: 'plan_submitted', planId: 'p-1', at }), 5);
      await event((at) => ({ type: 'plan_decided', planId: 'p-1', decision: 'returned', goals: [], at }), 2);
      await event((at) => ({ type: 'plan_submitted', planId: 'p-2', at }), 2);
      await env.sleep(8 * DAY); // plan approval overdue: the supervisor is reminded
      const target = new Date((await env.currentTimeMs()) + 20 * DAY).toISOString().slice(0, 10);
      await event((at) => ({
        type: 'plan_decided',
        planId: 'p-2',
        decision: 'approved',
        goals: [{ goalId: 'g-1', targetDate: target }],
        at,
      }));
      await event((at) => ({ type: 'note_added', noteType: 'contact', at }), 10);
      await event((at) => ({ type: 'hold', at }), 3);
      await event((at) => ({ type: 'resume', at }), 10);
      const newSupervisor = await createStaff(ctx.pool, 'supervisor');
      const newCaseManager = await createStaff(ctx.pool, 'case_manager', { supervisorId: newSupervisor.id });
      await event((at) => ({
        type: 'reassigned',
        caseManagerId: newCaseManager.id,
        supervisorId: newSupervisor.id,
        at,
      }));
      await event((at) => ({ type: 'risk_changed', riskLevel: 'high', at }), 5);
      await workflows.policyChanged(caseId, {
        policy: { ...DEFAULT_POLICY, stalledPlanAfter: 'P20D' },
        version: 2,
        changeId: 'recorded-change-v2',
      });
      await event((at) => ({ type: 'goal_progress', goalId: 'g-1', status: 'achieved', at }), 25);
      await event((at) => ({ type: 'referral_updated', referralId: 'r-1', status: 'completed', at }), 1);
      await event((at) => ({ type: 'closure_requested', at }), 2);
      await event((at) => ({ type: 'closure_decided', decision: 'returned', at }), 7);
      await event((at) => ({ type: 'closure_requested', at }), 1);
      await event((at) => ({ type: 'closure_decided', decision: 'approved', at }), 1);
      await env.sleep(DAY); // the run completes
      return caseWorkflowId(caseId);
    },
  },
  {
    // Generation 2 code (commit 27d30f5), recorded 2026-12-01 when generation 3 was made: reminders
    // for other obligations leave while closure waits. Generation 3 must replay this unchanged, which
    // only the closure-pauses-clocks patch makes possible.
    name: 'v2-closure-pending-reminders',
    run: (ctx) => async () => {
      const { env, workflows } = ctx;
      const { caseId } = await intake(ctx, 'medium');
      const event = async (make: (now: string) => CaseEvent, days = 0) => {
        if (days) await env.sleep(days * DAY);
        await workflows.event(caseId, make(await at(env)));
      };
      await event((now) => ({ type: 'assessment_recorded', assessmentId: 'a-1', kind: 'initial', completedAt: now }));
      await event((at) => ({ type: 'referral_made', referralId: 'r-1', at }));
      await event((at) => ({ type: 'closure_requested', at }), 3);
      await event((at) => ({ type: 'closure_decided', decision: 'returned', at }), 13);
      await event((at) => ({ type: 'closure_requested', at }), 1);
      await event((at) => ({ type: 'closure_decided', decision: 'approved', at }), 1);
      await env.sleep(DAY); // the run completes
      return caseWorkflowId(caseId);
    },
  },
  {
    // Generation 3 (closure pauses clocks, 2026-12-01): while closure waits, only closure approval's
    // ladder runs; returned, the referral and plan clocks resume shifted; then closed for good.
    name: 'v3-closure-pauses-clocks',
    run: (ctx) => async () => {
      const { env, workflows } = ctx;
      const { caseId } = await intake(ctx, 'medium');
      const event = async (make: (now: string) => CaseEvent, days = 0) => {
        if (days) await env.sleep(days * DAY);
        await workflows.event(caseId, make(await at(env)));
      };
      await event((now) => ({ type: 'assessment_recorded', assessmentId: 'a-1', kind: 'initial', completedAt: now }));
      await event((at) => ({ type: 'referral_made', referralId: 'r-1', at }));
      await event((at) => ({ type: 'closure_requested', at }), 3);
      await event((at) => ({ type: 'hold', at }), 4);
      await event((at) => ({ type: 'resume', at }), 2);
      await event((at) => ({ type: 'closure_decided', decision: 'returned', at }), 8); // approval escalated meanwhile
      await env.sleep(10 * DAY); // the referral's shifted clock runs again
      await event((at) => ({ type: 'closure_requested', at }));
      await event((at) => ({ type: 'closure_decided', decision: 'approved', at }), 1);
      await env.sleep(DAY); // the run completes
      return caseWorkflowId(caseId);
    },
  },
  {
    // Generation 4 (parties projected, 2026-12-01): a reassignment and a risk change alone re-project,
    // so the search attributes follow them at once; then closed.
    name: 'v4-parties-projected',
    run: (ctx) => async () => {
      const { env, pool, workflows } = ctx;
      const { caseId } = await intake(ctx, 'medium');
      const supervisor = await createStaff(pool, 'supervisor');
      const caseManager = await createStaff(pool, 'case_manager', { supervisorId: supervisor.id });
      const event = async (make: (now: string) => CaseEvent, days = 0) => {
        if (days) await env.sleep(days * DAY);
        await workflows.event(caseId, make(await at(env)));
      };
      await event(
        (at) => ({ type: 'reassigned', caseManagerId: caseManager.id, supervisorId: supervisor.id, at }),
        2,
      );
      await event((now) => ({ type: 'assessment_recorded', assessmentId: 'a-1', kind: 'initial', completedAt: now }), 3);
      await event((at) => ({ type: 'risk_changed', riskLevel: 'high', at }), 1);
      await event((at) => ({ type: 'closure_requested', at }), 1);
      await event((at) => ({ type: 'closure_decided', decision: 'approved', at }), 1);
      await env.sleep(DAY); // the run completes
      return caseWorkflowId(caseId);
    },
  },
  {
    // Generation 5 (case change log, 2026-12-02): changes arrive numbered, and a change delivered
    // a second time (by the request and by the relay) is answered without being applied again.
    name: 'v5-numbered-changes',
    run: (ctx) => async () => {
      const { env, workflows } = ctx;
      const { caseId } = await intake(ctx, 'medium');
      let change = 0;
      const numbered = async (make: (now: string) => CaseEvent, days = 0, again = false) => {
        if (days) await env.sleep(days * DAY);
        const event = make(await at(env));
        change++;
        await workflows.event(caseId, event, { change });
        if (again) await workflows.event(caseId, event, { change });
      };
      await numbered((at) => ({ type: 'hold', at }), 2, true);
      await numbered((at) => ({ type: 'resume', at }), 3, true);
      await numbered(
        (now) => ({ type: 'assessment_recorded', assessmentId: 'a-1', kind: 'initial', completedAt: now }),
        1,
      );
      await numbered((at) => ({ type: 'closure_requested', at }), 1, true);
      await numbered((at) => ({ type: 'closure_decided', decision: 'approved', at }), 1);
      await env.sleep(DAY); // the run completes
      return caseWorkflowId(caseId);
    },
  },
  {
    // Generation 6 (newest step after wake, 2026-12-02): each timer that fires re-checks its step
    // before sending (the patch marker is in the history); here every step wakes on time and goes.
    name: 'v6-newest-step-after-wake',
    run: (ctx) => async () => {
      const { env, workflows } = ctx;
      const { team, caseId } = await intake(ctx);
      await env.sleep(20 * DAY);
      await workflows.acknowledge(caseId, { obligationId: 'initial-assessment', staffId: team.supervisor.id });
      await initialAssessmentRecorded(ctx, caseId);
      await workflows.event(caseId, { type: 'closure_requested', at: await at(env) });
      await workflows.event(caseId, { type: 'closure_decided', decision: 'approved', at: await at(env) });
      await env.sleep(DAY); // the run completes
      return caseWorkflowId(caseId);
    },
  },
  {
    // Generation 7 (decisions told, 2026-12-03): a plan submitted, returned, submitted again and
    // approved, a closure requested, returned, requested again and approved; each request is told to
    // the supervisor and each decision to the case manager by one activity after the update.
    name: 'v7-decisions-told',
    run: (ctx) => async () => {
      const { env, workflows } = ctx;
      const { caseId } = await intake(ctx, 'medium');
      const event = async (make: (now: string) => CaseEvent, days = 0) => {
        if (days) await env.sleep(days * DAY);
        await workflows.event(caseId, make(await at(env)));
      };
      await event((now) => ({ type: 'assessment_recorded', assessmentId: 'a-1', kind: 'initial', completedAt: now }), 1);
      await event((at) => ({ type: 'plan_submitted', planId: 'p-1', at }), 1);
      await event((at) => ({ type: 'plan_decided', planId: 'p-1', decision: 'returned', goals: [], at }), 1);
      await event((at) => ({ type: 'plan_submitted', planId: 'p-1', at }), 1);
      const target = new Date((await env.currentTimeMs()) + 60 * DAY).toISOString().slice(0, 10);
      await event(
        (at) => ({ type: 'plan_decided', planId: 'p-1', decision: 'approved', goals: [{ goalId: 'g-1', targetDate: target }], at }),
        1,
      );
      await event((at) => ({ type: 'closure_requested', at }), 3);
      await event((at) => ({ type: 'closure_decided', decision: 'returned', at }), 1);
      await event((at) => ({ type: 'closure_requested', at }), 1);
      await event((at) => ({ type: 'closure_decided', decision: 'approved', at }), 1);
      await env.sleep(DAY); // the run completes
      return caseWorkflowId(caseId);
    },
  },
  {
    // The staff digests workflow as generation 6 left it (2026-12-02), recorded with issue 14: started
    // as the worker starts it, daily rounds that send a digest reader's queued reminders, an admin's
    // catch-up round, then stopped (it never ends by itself).
    name: 'v6-staff-digests',
    run: (ctx) => async () => {
      const { env, pool, taskQueue } = ctx;
      const { team } = await intake(ctx);
      await pool.query(`UPDATE staff SET notification_preference = 'daily_digest' WHERE id = $1`, [
        team.caseManager.id,
      ]);
      await ensureStaffDigests(env.client, taskQueue);
      const digests = env.client.workflow.getHandle(STAFF_DIGESTS_WORKFLOW_ID);
      await env.sleep(16 * DAY); // the heads-up (day 11) and due reminder (day 14) wait for rounds
      await digests.signal(runDigestsNowSignal);
      await env.sleep(DAY);
      await digests.terminate('recorded');
      return STAFF_DIGESTS_WORKFLOW_ID;
    },
  },
  {
    // Generation 2: a high-risk case reassessed monthly for three years continues as new; every run
    // of the chain is stored, the later ones starting from carried state.
    name: 'v2-continue-as-new',
    run: (ctx) => async () => {
      const { env, workflows } = ctx;
      const { caseId } = await intake(ctx, 'high');
      const assessed = async (kind: 'initial' | 'reassessment', n: number) =>
        workflows.event(caseId, {
          type: 'assessment_recorded',
          assessmentId: `a-${n}`,
          kind,
          completedAt: await at(env),
        });
      await assessed('initial', 0);
      for (let month = 1; month <= 36; month++) {
        await env.sleep(31 * DAY);
        await assessed('reassessment', month);
      }
      return caseWorkflowId(caseId);
    },
  },
  {
    // Generation 8 (issue 15): every projection carries the open obligations with their due times,
    // and a change to them alone re-projects. Intake, an assessment that opens the plan and the
    // reassessment, a hold that pauses them and a resume that shifts them, then the plan overdue.
    name: 'v8-obligations-projected',
    run: (ctx) => async () => {
      const { env, workflows } = ctx;
      const { caseId } = await intake(ctx);
      await env.sleep(2 * DAY);
      await initialAssessmentRecorded(ctx, caseId);
      await workflows.event(caseId, { type: 'hold', at: await at(env) });
      await env.sleep(3 * DAY);
      await workflows.event(caseId, { type: 'resume', at: await at(env) });
      await env.sleep(35 * DAY);
      return caseWorkflowId(caseId);
    },
  },
  {
    // Generation 9 (issue 16): every projected obligation carries its clock (anchor, pauses, steps
    // sent or skipped, escalation) for the policy preview, and a step sent alone re-projects. The
    // initial assessment's heads-up, a shorter policy that moves its due date, the due and overdue
    // reminders, the supervisor's escalation and its acknowledgement, then the assessment.
    name: 'v9-obligation-clocks-projected',
    run: (ctx) => async () => {
      const { env, workflows } = ctx;
      const { team, caseId } = await intake(ctx);
      await env.sleep(11 * DAY + DAY / 2);
      await workflows.policyChanged(caseId, {
        policy: { ...DEFAULT_POLICY, initialAssessmentDue: 'P12D' },
        version: 2,
        changeId: 'v9-shorter',
      });
      await env.sleep(20 * DAY);
      await workflows.acknowledge(caseId, { obligationId: 'initial-assessment', staffId: team.supervisor.id });
      await env.sleep(DAY);
      await initialAssessmentRecorded(ctx, caseId);
      await env.sleep(2 * DAY);
      return caseWorkflowId(caseId);
    },
  },
  {
    // Generation 10 (issue 17, clocks that follow people): a staff member's new time zone reaches the
    // running case as a numbered `time_zone_changed` change (the case manager's, then the
    // supervisor's), so the heads-up, due and overdue reminders wait for 08:00 in New York and the
    // escalation for 08:00 in Tokyo; then acknowledged and assessed.
    name: 'v10-clocks-time-zone-changed',
    run: (ctx) => async () => {
      const { env, workflows } = ctx;
      const { team, caseId } = await intake(ctx);
      let change = 0;
      const numbered = async (make: (now: string) => CaseEvent, days = 0) => {
        if (days) await env.sleep(days * DAY);
        await workflows.event(caseId, make(await at(env)), { change: ++change });
      };
      await numbered(
        (at) => ({ type: 'time_zone_changed', staffId: team.caseManager.id, timeZone: 'America/New_York', at }),
        1,
      );
      await numbered(
        (at) => ({ type: 'time_zone_changed', staffId: team.supervisor.id, timeZone: 'Asia/Tokyo', at }),
        1,
      );
      await env.sleep(20 * DAY);
      await workflows.acknowledge(caseId, { obligationId: 'initial-assessment', staffId: team.supervisor.id });
      await numbered((now) => ({ type: 'assessment_recorded', assessmentId: 'a-1', kind: 'initial', completedAt: now }));
      await env.sleep(2 * DAY);
      return caseWorkflowId(caseId);
    },
  },
  {
    // Generation 10 (issue 17): tasks. One assigned to the program manager climbs its whole ladder
    // (heads-up, due, overdue, the supervisor's escalation, the program manager's) and is marked
    // done; another, assigned to the case manager, is cancelled after its heads-up.
    name: 'v10-tasks-ladder-done-cancelled',
    run: (ctx) => async () => {
      const { env, pool, workflows } = ctx;
      const { team, caseId } = await intake(ctx);
      const now = async (): Promise<Date> => new Date(await env.currentTimeMs());
      const laddered = await addTask(
        { pool, workflows },
        team.supervisor,
        caseId,
        { what: 'Recorded task', assigneeId: team.programManager.id, dueAt: new Date((await now()).getTime() + 6 * DAY).toISOString() },
        await now(),
      );
      const cancelled = await addTask(
        { pool, workflows },
        team.caseManager,
        caseId,
        { what: 'Recorded cancelled task', assigneeId: team.caseManager.id, dueAt: new Date((await now()).getTime() + 4 * DAY).toISOString() },
        await now(),
      );
      await env.sleep(2 * DAY);
      await closeTask({ pool, workflows }, team.caseManager, caseId, cancelled.id, { outcome: 'cancelled' }, await now());
      await env.sleep(18 * DAY);
      await closeTask({ pool, workflows }, team.programManager, caseId, laddered.id, { outcome: 'done' }, await now());
      await env.sleep(5 * DAY);
      return caseWorkflowId(caseId);
    },
  },
  {
    // Appointments (issue 17): invitations, a change that drops an attendee, the reminder before,
    // attendance owed after, a no-show's re-engagement met by a contact note; a second one cancelled.
    name: 'v10-appointments-no-show-and-cancel',
    run: (ctx) => async () => {
      const { env, pool, workflows } = ctx;
      const { team, caseId } = await intake(ctx);
      const deps = { pool, workflows };
      const now = async (): Promise<Date> => new Date(await env.currentTimeMs());
      await env.sleep(DAY);
      const start = (await env.currentTimeMs()) + 3 * DAY;
      const first = await scheduleAppointment(
        deps,
        team.caseManager,
        caseId,
        {
          startsAt: new Date(start).toISOString(),
          durationMinutes: 60,
          mode: 'in_person',
          location: 'Office',
          attendeeIds: [team.caseManager.id, team.supervisor.id],
        },
        await now(),
      );
      const second = await scheduleAppointment(
        deps,
        team.caseManager,
        caseId,
        {
          startsAt: new Date(start + 7 * DAY).toISOString(),
          durationMinutes: 30,
          mode: 'phone',
          location: '+44 20 7946 0000',
          attendeeIds: [team.caseManager.id],
        },
        await now(),
      );
      await env.sleep(DAY);
      await changeAppointment(
        deps,
        team.caseManager,
        caseId,
        first.id,
        { startsAt: new Date(start + DAY).toISOString(), attendeeIds: [team.caseManager.id] },
        await now(),
      );
      await cancelAppointment(deps, team.caseManager, caseId, second.id, { by: 'agency' }, await now());
      await env.sleep(5 * DAY);
      await recordAttendance(deps, team.caseManager, caseId, first.id, { attendance: 'no_show' }, await now());
      await env.sleep(10 * DAY);
      await workflows.event(caseId, { type: 'note_added', noteType: 'contact', at: await at(env) });
      await env.sleep(2 * DAY);
      return caseWorkflowId(caseId);
    },
  },
  {
    // Generation 10 (issue 17, patch 'provider-answers'): two referrals, each emailed to its provider
    // the moment it is made (with the answer link); the first provider answers from the link and the
    // case manager is told; then the client withdraws consent to share, which ends the second
    // referral's pending provider follow-up (a decision on the timeline) while the case manager is
    // still reminded.
    name: 'v10-providers-answer-and-consent',
    run: (ctx) => async () => {
      const { env, workflows } = ctx;
      const { caseId, referral } = await referralCase(ctx);
      const first = await referral('Accepting Provider');
      const second = await referral('Silent Provider');
      await env.sleep(2 * DAY);
      await workflows.event(caseId, {
        type: 'referral_updated',
        referralId: first,
        status: 'accepted',
        at: await at(env),
        by: 'provider',
      });
      await env.sleep(DAY);
      await workflows.event(caseId, {
        type: 'consent_changed',
        purpose: 'share_with_providers',
        given: false,
        at: await at(env),
        referralIds: [second],
      });
      await env.sleep(10 * DAY);
      return caseWorkflowId(caseId);
    },
  },
  {
    // Appointments where the program reminds clients: the client's reminder opens beside the staff's
    // (sent only with the client's consent, here none: recorded as skipped), then attendance.
    name: 'v10-appointments-client-reminder',
    run: (ctx) => async () => {
      const { env, pool, workflows } = ctx;
      // Urgent, so the reminders leave on time whatever weekday the recording starts on.
      const team = await createTeam(pool, { ...DEFAULT_POLICY, clientAppointmentReminders: true, urgent: true });
      const opened = await openCase({ pool, workflows }, team.admin, {
        programId: team.programId,
        caseManagerId: team.caseManager.id,
        riskLevel: 'medium',
        client: { givenName: 'Recorded', familyName: 'Client', email: 'recorded.client@client.test' },
      });
      await env.sleep(DAY);
      const start = (await env.currentTimeMs()) + 3 * DAY;
      const appointment = await scheduleAppointment(
        { pool, workflows },
        team.caseManager,
        opened.id,
        {
          startsAt: new Date(start).toISOString(),
          durationMinutes: 60,
          mode: 'in_person',
          location: 'Office',
          attendeeIds: [team.caseManager.id],
        },
        new Date(await env.currentTimeMs()),
      );
      await env.sleep(3 * DAY + 2 * 3_600_000);
      await recordAttendance(
        { pool, workflows },
        team.caseManager,
        opened.id,
        appointment.id,
        { attendance: 'attended' },
        new Date(await env.currentTimeMs()),
      );
      await env.sleep(DAY);
      return caseWorkflowId(opened.id);
    },
  },
  {
    // Generation 11 (issue 18, patches 'local-projection' and 'kept-step-timer'): every projection
    // is a local activity (one marker), search attributes are upserted only when they change, and a
    // message that leaves the next step where it was keeps its timer; one that moves it replaces it.
    name: 'v11-quiet-history',
    run: (ctx) => async () => {
      const { env, pool, workflows } = ctx;
      const { team, caseId } = await intake(ctx);
      const now = async (): Promise<Date> => new Date(await env.currentTimeMs());
      await env.sleep(DAY);
      // Changes no due time: the initial assessment's heads-up timer stays.
      await workflows.event(caseId, { type: 'note_added', noteType: 'contact', at: await at(env) });
      // A task falls due before the assessment's heads-up: its timer replaces that one.
      const dueAt = new Date((await now()).getTime() + 4 * DAY).toISOString();
      await addTask({ pool, workflows }, team.caseManager, caseId, { what: 'Recorded task', assigneeId: team.caseManager.id, dueAt }, await now());
      await env.sleep(9 * DAY);
      await initialAssessmentRecorded(ctx, caseId);
      await env.sleep(5 * DAY);
      return caseWorkflowId(caseId);
    },
  },
  {
    // Generation 12 (issue 18, patch 'local-intake-look'): a new case's first look for its intake
    // record is a local activity (a marker in the first workflow task), then the case runs as v11.
    name: 'v12-local-intake-look',
    run: (ctx) => async () => caseWorkflowId(await notedFortnight(ctx)),
  },
  {
    // Generation 13 (issue 19, no patch: only new input): a case imported from a CSV starts from
    // its history (assessed 100 days ago, an approved plan, a referral sent 5 days ago); the
    // overdue reassessment's past steps are skipped and queued for the catch-up digest.
    name: 'v13-imported-case',
    run: (ctx) => async () => {
      const { env, pool, workflows } = ctx;
      const team = await createTeam(pool);
      const provider = await createProvider(pool);
      const program = (await pool.query<{ name: string }>('SELECT name FROM programs WHERE id = $1', [team.programId]))
        .rows[0]!.name;
      const now = new Date(await env.currentTimeMs());
      const ago = (days: number): string => daysBefore(now.getTime(), days);
      const plan = await dryRun(
        pool,
        importFile([
          {
            import_key: 'RECORDED-1',
            program,
            client_given_name: 'Recorded',
            client_family_name: 'Client',
            case_manager_email: team.caseManager.email,
            opened_date: ago(130),
            last_assessment_date: ago(100),
            plan_status: 'approved',
            plan_date: ago(90),
            goal_1_domain: 'housing',
            goal_1_text: 'Recorded goal',
            goal_1_target_date: ago(-60),
            referral_1_provider: provider.organisation,
            referral_1_service: 'housing',
            referral_1_sent_date: ago(5),
          },
        ]),
        now,
      );
      await commitImport({ pool, workflows }, team.admin, plan, now);
      const caseId = (
        await pool.query<{ case_id: string }>('SELECT case_id FROM case_imports WHERE program_id = $1', [team.programId])
      ).rows[0]!.case_id;
      await env.sleep(3 * DAY);
      await workflows.event(caseId, { type: 'referral_updated', referralId: (await pool.query<{ id: string }>('SELECT id FROM referrals WHERE case_id = $1', [caseId])).rows[0]!.id, status: 'accepted', at: await at(env) });
      await env.sleep(10 * DAY);
      return caseWorkflowId(caseId);
    },
  },
  {
    // Generation 14 (issue 18, no patch: only new input): a case started with a 15-minute release
    // spread; its reminders held over weekends leave at its own minute after 08:00, and the
    // recorded timers must keep landing there.
    name: 'v14-release-spread',
    run: (ctx) => async () => {
      const { env, workflows } = ctx;
      const spread: CaseWorkflows = {
        ...workflows,
        start: (input, bound) => workflows.start({ ...input, releaseSpreadMinutes: 15 }, bound),
      };
      const { team, caseId } = await intake({ ...ctx, workflows: spread });
      await env.sleep(23 * DAY);
      await workflows.acknowledge(caseId, { obligationId: 'initial-assessment', staffId: team.supervisor.id });
      await initialAssessmentRecorded(ctx, caseId);
      await env.sleep(10 * DAY);
      return caseWorkflowId(caseId);
    },
  },
  {
    // Generation 15 (patch 'patches-decided-at-start'): the run asks that one patch at its start and
    // implies every earlier one; then the case runs as v12 (a message, reminders) and records its
    // assessment, so each local activity's marker can be split from what follows it.
    name: 'v15-patches-decided-at-start',
    run: (ctx) => async () => caseWorkflowId(await assessedAfterFortnight(ctx)),
  },
  {
    // Generation 16 (no patch: a new input, `lookWritesProjection`, set by every start): the intake
    // look writes the whole first projection and upserts every search attribute, so the first turn
    // writes nothing more; then the case runs as v15 (a message, reminders, its assessment recorded).
    name: 'v16-look-writes-projection',
    run: (ctx) => async () => caseWorkflowId(await assessedAfterFortnight(ctx)),
  },
  {
    // Generation 17 (no patch: the event carries it): a hand-over moves the appointments the leaver
    // was to attend; one shared with the newcomer ends the leaver's reminder, one with the supervisor
    // hands the leaver's reminder over. Then the reminders and attendance fall due.
    name: 'v17-appointments-handed-over',
    run: (ctx) => async () => {
      const { env, pool, workflows } = ctx;
      const { team, caseId } = await intake(ctx);
      const newcomer = await createStaff(pool, 'case_manager', { supervisorId: team.supervisor.id });
      const deps = { pool, workflows };
      const now = async (): Promise<Date> => new Date(await env.currentTimeMs());
      await env.sleep(DAY);
      const start = (await env.currentTimeMs()) + 3 * DAY;
      const book = async (startsAt: number, attendeeIds: string[]) =>
        scheduleAppointment(
          deps,
          team.caseManager,
          caseId,
          { startsAt: new Date(startsAt).toISOString(), durationMinutes: 60, mode: 'phone', location: '555 0100', attendeeIds },
          await now(),
        );
      await book(start, [team.caseManager.id, team.supervisor.id]);
      await book(start + 5 * DAY, [team.caseManager.id, newcomer.id]);
      await env.sleep(DAY);
      await reassign(deps, team.supervisor, caseId, { caseManagerId: newcomer.id }, await now());
      await env.sleep(10 * DAY);
      return caseWorkflowId(caseId);
    },
  },
  {
    // Generation 18 (patch 'appointment-times-fixed', asked at the start after 'patches-decided-at-start'):
    // a hold over two appointments; at the resume one has begun (its reminder ends unsent) and the
    // other is still ahead (its reminder, due in the hold, leaves at once, unmoved).
    name: 'v18-appointment-times-fixed',
    run: (ctx) => async () => {
      const { env, pool, workflows } = ctx;
      const { team, caseId } = await intake(ctx);
      const deps = { pool, workflows };
      const now = async (): Promise<Date> => new Date(await env.currentTimeMs());
      const t = await env.currentTimeMs();
      for (const startsAt of [t + 2 * DAY + 6 * HOUR, t + 3 * DAY + 4 * HOUR])
        await scheduleAppointment(
          deps,
          team.caseManager,
          caseId,
          { startsAt: new Date(startsAt).toISOString(), durationMinutes: 60, mode: 'video', location: 'https://meet.example.org/room', attendeeIds: [team.caseManager.id] },
          await now(),
        );
      await env.sleep(DAY);
      await workflows.event(caseId, { type: 'hold', at: await at(env) });
      await env.sleep(2 * DAY);
      await workflows.event(caseId, { type: 'resume', at: await at(env) });
      await env.sleep(5 * DAY);
      return caseWorkflowId(caseId);
    },
  },
  {
    // Generation 19 (no patch: the event carries it): the initial assessment escalated to the
    // supervisor and on to the program manager, then the case handed to a case manager with another
    // supervisor; the supervisor's escalation moves with it and its new recipient is told.
    name: 'v19-escalation-handed-over',
    run: (ctx) => async () => {
      const { env, pool, workflows } = ctx;
      const { caseId } = await intake(ctx);
      const supervisor = await createStaff(pool, 'supervisor');
      const caseManager = await createStaff(pool, 'case_manager', { supervisorId: supervisor.id });
      await env.sleep(26 * DAY);
      const admin = await createStaff(pool, 'admin');
      await reassign({ pool, workflows }, admin, caseId, { caseManagerId: caseManager.id }, new Date(await env.currentTimeMs()));
      await env.sleep(3 * DAY);
      return caseWorkflowId(caseId);
    },
  },
  {
    // Generation 20 (patch 'escalation-passes-doer', asked at the start): a task the supervisor
    // assigned to themselves climbs its ladder; its escalation goes to the program manager at the
    // supervisor's time, once, and the task is marked done after.
    name: 'v20-escalation-passes-doer',
    run: (ctx) => async () => {
      const { env, pool, workflows } = ctx;
      const { team, caseId } = await intake(ctx);
      const now = async (): Promise<Date> => new Date(await env.currentTimeMs());
      const own = await addTask(
        { pool, workflows },
        team.supervisor,
        caseId,
        { what: 'Recorded own task', assigneeId: team.supervisor.id, dueAt: new Date((await now()).getTime() + 6 * DAY).toISOString() },
        await now(),
      );
      await env.sleep(16 * DAY);
      await closeTask({ pool, workflows }, team.supervisor, caseId, own.id, { outcome: 'done' }, await now());
      await env.sleep(3 * DAY);
      return caseWorkflowId(caseId);
    },
  },
  {
    // Generation 21 (patch 'no-escalation-to-doer', asked at the start): a task assigned to the
    // program manager climbs its ladder to the supervisor's escalation, which nobody acknowledges;
    // no follow-up goes to the program manager, and the task is marked done after.
    name: 'v21-no-escalation-to-doer',
    run: (ctx) => async () => {
      const { env, pool, workflows } = ctx;
      const { team, caseId } = await intake(ctx);
      const now = async (): Promise<Date> => new Date(await env.currentTimeMs());
      const theirs = await addTask(
        { pool, workflows },
        team.supervisor,
        caseId,
        { what: 'Recorded manager task', assigneeId: team.programManager.id, dueAt: new Date((await now()).getTime() + 6 * DAY).toISOString() },
        await now(),
      );
      await env.sleep(18 * DAY);
      await closeTask({ pool, workflows }, team.programManager, caseId, theirs.id, { outcome: 'done' }, await now());
      await env.sleep(3 * DAY);
      return caseWorkflowId(caseId);
    },
  },
];

/** A case whose program emails providers their follow-ups, its client consenting to share; referrals made through the domain. */
async function referralCase(ctx: ScenarioContext) {
  const { env, pool, workflows } = ctx;
  const team = await createTeam(pool, { ...DEFAULT_POLICY, referralProviderFollowUp: true });
  const opened = await openCase({ pool, workflows }, team.admin, {
    programId: team.programId,
    caseManagerId: team.caseManager.id,
    riskLevel: 'medium',
    client: { givenName: 'Recorded', familyName: 'Client', consentToShare: true },
  });
  await env.sleep(DAY);
  const referral = async (organisation: string): Promise<string> => {
    const provider = await createProvider(pool, organisation);
    const made = await makeReferral({ pool, workflows }, team.admin, opened.id, {
      providerId: provider.id,
      service: 'Tenancy support',
      reason: 'Recorded reason',
    }, new Date(await env.currentTimeMs()));
    return made.id;
  };
  const clientId = (await pool.query<{ client_id: string }>('SELECT client_id FROM cases WHERE id = $1', [opened.id]))
    .rows[0]!.client_id;
  return { team, caseId: opened.id, clientId, referral };
}
