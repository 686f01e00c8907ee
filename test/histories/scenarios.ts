import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Pool } from 'pg';
import { openCase } from '../../src/domain/cases';
import { DEFAULT_POLICY } from '../../src/domain/policy';
import { caseWorkflowId, type CaseWorkflows } from '../../src/domain/ports';
import { createTeam } from '../helpers/fixtures';

const DAY = 86_400_000;

export interface ScenarioContext {
  env: TestWorkflowEnvironment;
  pool: Pool;
  workflows: CaseWorkflows;
}

export interface HistoryScenario {
  /** `<generation>-<what>`: the generation is the workflow code that recorded it. */
  name: string;
  /** Drives one case and returns its workflow id. */
  run(ctx: ScenarioContext): () => Promise<string>;
}

const at = async (env: TestWorkflowEnvironment): Promise<string> =>
  new Date(await env.currentTimeMs()).toISOString();

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
      await workflows.event(caseId, {
        type: 'assessment_recorded',
        assessmentId: 'a-1',
        kind: 'initial',
        completedAt: await at(env),
      });
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
      await workflows.event(caseId, {
        type: 'assessment_recorded',
        assessmentId: 'a-1',
        kind: 'initial',
        completedAt: await at(env),
      });
      await workflows.event(caseId, { type: 'closure_requested', at: await at(env) });
      await workflows.event(caseId, { type: 'closure_decided', decision: 'approved', at: await at(env) });
      await env.sleep(DAY);
      return caseWorkflowId(caseId);
    },
  },
];
