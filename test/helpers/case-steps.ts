import type { TestApi } from './api';
import type { createTeam } from './fixtures';

export type Team = Awaited<ReturnType<typeof createTeam>>;

export interface ScheduleView {
  status: string;
  obligations: {
    id: string;
    kind: string;
    subjectId?: string;
    dueAt: string;
    metAt?: string;
    metBecause?: string;
  }[];
}

/**
 * What a case manager and supervisor do through the API in workflow scenarios, each step checked:
 * a scenario that silently failed to record an assessment would assert on the wrong story.
 */
export type CaseSteps = ReturnType<typeof caseSteps>;

export function caseSteps(api: TestApi) {
  async function intake(team: Team, riskLevel = 'medium') {
    const res = await api.call('POST', '/api/v1/cases', team.caseManager.token, {
      programId: team.programId,
      caseManagerId: team.caseManager.id,
      riskLevel,
      client: { givenName: 'Jordan', familyName: 'Rivera', birthDate: '1990-04-02', consentToShare: true },
    });
    expect(res.status).toBe(201);
    return {
      caseId: res.body.id as string,
      base: `/api/v1/cases/${res.body.id}`,
      reference: res.body.reference as string,
    };
  }

  /** `completedAt` (an instant already passed) makes the anchor exact for date arithmetic. */
  async function assess(
    base: string,
    token: string,
    kind: 'initial' | 'reassessment' = 'initial',
    completedAt?: number,
  ) {
    const res = await api.call('POST', `${base}/assessments`, token, {
      kind,
      scores: { housing: 3 },
      ...(completedAt === undefined ? {} : { completedAt: new Date(completedAt).toISOString() }),
    });
    expect(res.status).toBe(201);
  }

  async function approvedPlan(base: string, team: Team, targetDate: string): Promise<string> {
    const plan = await api.call('POST', `${base}/plans`, team.caseManager.token, {
      goals: [{ domain: 'housing', description: 'Stable tenancy', measure: 'Lease signed', targetDate }],
    });
    expect(plan.status).toBe(201);
    const path = `${base}/plans/${plan.body.planId}`;
    expect((await api.call('POST', `${path}/submit`, team.caseManager.token)).status).toBe(200);
    expect(
      (await api.call('POST', `${path}/decision`, team.supervisor.token, { decision: 'approved' })).status,
    ).toBe(200);
    return plan.body.goalIds[0] as string;
  }

  async function schedule(base: string, token: string): Promise<ScheduleView> {
    return (await api.call('GET', base, token)).body.schedule as ScheduleView;
  }

  return { intake, assess, approvedPlan, schedule };
}
