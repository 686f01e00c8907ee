import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { temporal } from '@temporalio/proto';
import type { Pool } from 'pg';
import type { Actor } from '../../src/domain/actor';
import { openCase, recordAssessment, type CaseDeps } from '../../src/domain/cases';
import { addNote } from '../../src/domain/notes';
import { createPlan, decidePlan, recordGoalProgress, submitPlan } from '../../src/domain/plans';
import { makeReferral, updateReferral } from '../../src/domain/referrals';
import { caseWorkflowId } from '../../src/domain/ports';
import type { Progress } from '../lib/progress';
import type { BenchTeam } from '../seed';
import type { Action, Scenario } from './scenarios';

type History = temporal.api.history.v1.IHistory;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Skipping time moves the server's clock; the domain records facts at "now", so "now" must follow
 * it (as test/helpers/stack.ts does). Re-read after every skip.
 */
export function serverClock(env: TestWorkflowEnvironment) {
  let offset = 0;
  const refresh = async (): Promise<void> => {
    offset = (await env.currentTimeMs()) - Date.now();
  };
  return {
    now: () => new Date(Date.now() + offset),
    refresh,
    async skipTo(instant: number): Promise<void> {
      const now = await env.currentTimeMs();
      if (instant > now) await env.sleep(instant - now);
      await refresh();
    },
  };
}

/** The next Monday 10:00 UTC at least a day ahead, less half a minute (see test/helpers/clock.ts). */
export function nextMondayMorning(now: number): number {
  for (let d = 1; d <= 8; d++) {
    const day = new Date(now + d * DAY);
    const at = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 10) - 30_000;
    if (day.getUTCDay() === 1) return at;
  }
  throw new Error('unreachable');
}

export interface DriveResult {
  caseId: string;
  actionsDone: number;
  actionsFailed: number;
  failures: string[];
}

/**
 * Plays a scenario against the real domain code (the functions the API routes call), skipping the
 * time-skipping server's clock from one action to the next. `atDay` lets the caller look at the case
 * at chosen days (e.g. keep its first year's history for replay).
 */
export async function driveScenario(o: {
  env: TestWorkflowEnvironment;
  clock: ReturnType<typeof serverClock>;
  deps: CaseDeps;
  pool: Pool;
  team: BenchTeam;
  providerId: string;
  scenario: Scenario;
  days: number;
  bar: Progress;
  onDay?: { day: number; run: (caseId: string) => Promise<void> };
}): Promise<DriveResult> {
  const admin: Actor = { id: o.team.admin.id, role: 'admin', email: o.team.admin.email };
  const t0 = nextMondayMorning(await o.env.currentTimeMs());
  await o.clock.skipTo(t0);
  const opened = await openCase(o.deps, admin, {
    programId: o.team.programId,
    caseManagerId: o.team.caseManagers[0]!.id,
    riskLevel: o.scenario.riskLevel,
    client: { givenName: 'Bench', familyName: o.scenario.name, consentToShare: true },
  });
  const caseId = opened.id;
  let goalIds: string[] = [];
  let planId = '';
  const referralIds: string[] = [];
  const result: DriveResult = { caseId, actionsDone: 0, actionsFailed: 0, failures: [] };
  let hook = o.onDay;

  const perform = async (a: Action): Promise<void> => {
    const date = (daysAhead: number): string =>
      new Date(o.clock.now().getTime() + daysAhead * DAY).toISOString().slice(0, 10);
    switch (a.kind) {
      case 'assess':
        await recordAssessment(o.deps, admin, caseId, {
          kind: a.type,
          scores: { housing: 3, income: 2 },
          needs: ['housing'],
          summary: 'Benchmark assessment.',
        });
        return;
      case 'plan': {
        const plan = await createPlan(o.deps, admin, caseId, {
          summary: 'Benchmark plan.',
          goals: a.goals.map((days, i) => ({
            domain: 'housing',
            description: `Goal ${i + 1}`,
            measure: 'Done',
            targetDate: date(days),
          })),
        });
        planId = plan.planId;
        goalIds = plan.goalIds;
        await submitPlan(o.deps, admin, caseId, planId);
        return;
      }
      case 'approve_plan':
        await decidePlan(o.deps, admin, caseId, planId, { decision: 'approved' });
        return;
      case 'goal':
        await recordGoalProgress(o.deps, admin, caseId, goalIds[a.goal]!, { status: a.status, note: '' });
        return;
      case 'referral': {
        const r = await makeReferral(o.deps, admin, caseId, {
          providerId: o.providerId,
          service: 'Benchmark service',
          reason: 'Benchmark referral',
        });
        referralIds.push(r.id);
        return;
      }
      case 'referral_update':
        await updateReferral(o.deps, admin, caseId, referralIds[a.referral]!, { status: a.status });
        return;
      case 'note':
        await addNote(o.deps, admin, caseId, { type: 'contact', body: 'Benchmark contact note.' });
        return;
    }
  };

  for (const { atHours, action } of o.scenario.actions) {
    if (atHours >= o.days * 24) break;
    if (hook && atHours >= hook.day * 24) {
      await o.clock.skipTo(t0 + hook.day * DAY);
      await hook.run(caseId);
      hook = undefined;
    }
    await o.clock.skipTo(t0 + atHours * HOUR);
    try {
      await perform(action);
      result.actionsDone++;
    } catch (err) {
      // One refused action (say, a race with continue-as-new) should not sink the whole phase.
      result.actionsFailed++;
      if (result.failures.length < 5) result.failures.push(`${action.kind}: ${(err as Error).message}`);
    }
    o.bar.set(Math.floor(atHours / 24));
  }
  await o.clock.skipTo(t0 + o.days * DAY);
  if (hook) await hook.run(caseId);
  return result;
}

/** Every run of the case's workflow, oldest first, walking continue-as-new links back from the latest. */
export async function historiesOf(env: TestWorkflowEnvironment, caseId: string): Promise<History[]> {
  const workflowId = caseWorkflowId(caseId);
  const runs: History[] = [];
  let runId: string | undefined = (await env.client.workflow.getHandle(workflowId).describe()).runId;
  while (runId) {
    const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.unshift(history);
    runId =
      history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return runs;
}

export const eventCount = (h: History): number => h.events?.length ?? 0;
