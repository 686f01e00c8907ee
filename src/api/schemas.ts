import { z } from 'zod';
import { isIsoDuration } from '../domain/duration';

/** Building blocks shared by the route schemas. */

export const uuid = z.uuid();
export const isoDate = z.iso.date();
export const isoDateTime = z.iso.datetime({ offset: true });
export const riskLevel = z.enum(['low', 'medium', 'high']);
export const role = z.enum(['case_manager', 'supervisor', 'program_manager', 'admin']);

export const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Europe/London');

export const duration = z
  .string()
  .refine(isIsoDuration, 'must be an ISO-8601 duration such as P14D or PT10M')
  .meta({ example: 'P14D' });

export const text = (max: number) => z.string().trim().min(1).max(max);

export const policySchema = z
  .strictObject({
    initialAssessmentDue: duration,
    servicePlanDue: duration,
    planApprovalDue: duration,
    reassessmentEvery: z.strictObject({ low: duration, medium: duration, high: duration }),
    referralResponseDue: duration,
    referralOutcomeEscalateAfter: duration,
    referralProviderFollowUp: z.boolean(),
    stalledPlanAfter: duration,
    closureApprovalDue: duration,
    ladder: z.strictObject({
      headsUpBefore: duration,
      overdueEvery: duration,
      overdueRepeatLimit: z.number().int().min(0).max(50),
      escalateToSupervisorAfter: duration,
      escalateToProgramManagerAfter: duration,
    }),
    urgent: z.boolean(),
    allowClientNamesInEmail: z.boolean(),
  })
  .meta({ id: 'ProgramPolicy' });

/** Query-string booleans arrive as text: only `true` and `false` mean anything; documented as boolean. */
export const queryBoolean = z.preprocess(
  (v) => (v === 'true' ? true : v === 'false' ? false : v),
  z.boolean({ error: 'must be true or false' }),
);
export const limit = z.coerce.number().int().min(1).max(100).default(25);

export const pastOrPresent = <T extends z.ZodType<string>>(schema: T) =>
  schema.refine((d) => Date.parse(d) <= Date.now(), 'must not be in the future');

export const newClientSchema = z
  .strictObject({
    givenName: text(100),
    familyName: text(100),
    birthDate: pastOrPresent(isoDate)
      .refine((d) => Date.parse(d) >= Date.parse('1900-01-01'), 'must be after 1900-01-01')
      .optional(),
    email: z.email().max(200).optional(),
    phone: z.string().trim().min(3).max(40).optional(),
    address: z.string().trim().max(500).optional(),
    preferredLanguage: z.string().trim().min(2).max(35).optional(),
    consentToShare: z.boolean().optional(),
  })
  .meta({ id: 'NewClient' });
