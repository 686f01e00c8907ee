import { z } from 'zod';
import { GOAL_OUTCOMES, REFERRAL_OUTCOMES } from '../../core/discharge-outcomes';
import type { CaseDeps } from '../../domain/cases';
import { getEpisode } from '../../domain/episodes';
import type { ApiRouter } from '../route';
import { isoDate, text, trimmed, uuid } from '../schemas';

/**
 * The structured discharge summary (issue 17): what a closure request may add to its reason and
 * narrative, what a closed episode keeps, and the read of one episode.
 */

export const goalOutcome = z.enum(GOAL_OUTCOMES);
export const referralOutcome = z.enum(REFERRAL_OUTCOMES);

/** The parts of a closure request beyond its reason and narrative; each optional, filled from the record. */
export const dischargeInputShape = {
  goals: z
    .array(
      z
        .strictObject({ goalId: uuid, outcome: goalOutcome, note: trimmed(1000).optional() })
        .meta({ id: 'DischargeGoalInput' }),
    )
    .max(30)
    .optional()
    .meta({
      description:
        "How each goal of the episode's plan ended. A goal left out keeps the outcome its latest progress says; naming a goal the plan does not have, or one twice, is 422.",
    }),
  referrals: z
    .array(
      z
        .strictObject({ referralId: uuid, outcome: referralOutcome, note: trimmed(1000).optional() })
        .meta({ id: 'DischargeReferralInput' }),
    )
    .max(100)
    .optional()
    .meta({
      description:
        'How each referral of the episode ended. One left out keeps its status as outcome; naming a referral of another episode or case, or one twice, is 422.',
    }),
  recommendations: trimmed(5000).optional(),
  followUp: z
    .strictObject({
      what: text(1000),
      by: isoDate.optional().meta({ description: 'YYYY-MM-DD; a date already past is 422' }),
    })
    .optional()
    .meta({ id: 'DischargeFollowUp', description: 'What should happen after closure, and by when' }),
};

const dischargeSummary = z
  .object({
    plan: z.object({ id: uuid, version: z.number().int() }).nullable(),
    goals: z.array(
      z.object({
        goalId: uuid,
        description: z.string(),
        domain: z.string(),
        targetDate: z.string(),
        recordedStatus: z
          .string()
          .meta({ description: "The goal's progress status when closure was requested" }),
        outcome: goalOutcome,
        note: z.string(),
      }),
    ),
    referrals: z.array(
      z.object({
        referralId: uuid,
        provider: z.string(),
        service: z.string(),
        recordedStatus: z.string(),
        outcome: referralOutcome,
        note: z.string(),
      }),
    ),
    recommendations: z.string(),
    followUp: z.object({ what: z.string(), by: z.string().nullable() }).nullable(),
  })
  .meta({ id: 'DischargeSummary' });

/** A closure event's summary, as GET /cases/{caseId}/closures shows it. */
export const closureDischarge = dischargeSummary.nullable().meta({
  description: 'The structured discharge summary of a request (null on decisions and older requests)',
});

const episodeDetail = z
  .object({
    caseId: uuid,
    reference: z.string(),
    programId: uuid,
    client: z.object({ id: uuid, initials: z.string() }),
    episode: z.number().int(),
    openedAt: z.string(),
    closedAt: z.string(),
    closureReason: z.string().nullable(),
    closureSummary: z.string().nullable().meta({ description: 'The narrative (free text) of the summary' }),
    closedBy: uuid.nullable(),
    requestedAt: z.string().nullable(),
    requestedBy: uuid.nullable(),
    discharge: dischargeSummary.nullable().meta({
      description: 'The structured summary; null for episodes closed before it existed (free text only)',
    }),
  })
  .meta({ id: 'CaseEpisodeDetail' });

export function registerEpisodeRoutes(api: ApiRouter, deps: CaseDeps): void {
  api.add({
    method: 'get',
    path: '/cases/:caseId/episodes/:episode',
    operationId: 'getCaseEpisode',
    description:
      'One closed episode of the case (numbered from 1, as GET /cases/{caseId} lists them) with its dates, closure reason and discharge summary: the structured one (goals and referrals with their outcomes, recommendations, follow-up) and the narrative. The client appears by initials only. 404 when you may not see the case or the episode is not closed. Audited.',
    summary: 'A closed episode with its discharge summary',
    tag: 'cases',
    params: z.strictObject({ caseId: uuid, episode: z.coerce.number().int().min(1).max(10_000) }),
    responses: { 200: { description: 'The episode', schema: episodeDetail } },
    handler: async ({ params, actor }) => ({
      status: 200,
      body: await getEpisode(deps.pool, actor, params.caseId, params.episode),
    }),
  });
}
