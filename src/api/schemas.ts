import { z } from 'zod';
import { API_DURATION_PATTERN, isIsoDuration } from '../core/duration';

/** Building blocks shared by the route schemas. */

export const uuid = z.uuid();
export const isoDate = z.iso.date();
export const isoDateTime = z.iso.datetime({ offset: true });
export const riskLevel = z.enum(['low', 'medium', 'high']);
export const role = z.enum(['case_manager', 'supervisor', 'program_manager', 'admin']);

/**
 * IANA zone names, listed so the document can say exactly what is accepted: the runtime's own list
 * plus UTC and the current names ICU still files under their older spelling (Asia/Kolkata...).
 */
const CURRENT_NAMES = [
  'UTC',
  'Etc/UTC',
  'Asia/Kolkata',
  'Europe/Kyiv',
  'America/Nuuk',
  'Asia/Ho_Chi_Minh',
  'Asia/Kathmandu',
  'Asia/Yangon',
  'Atlantic/Faroe',
  'Pacific/Chuuk',
  'Pacific/Pohnpei',
  'Pacific/Kanton',
];
const knownToRuntime = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};
export const TIME_ZONES: readonly string[] = [
  ...new Set([...Intl.supportedValuesOf('timeZone'), ...CURRENT_NAMES.filter(knownToRuntime)]),
].sort();

export const timeZone = z
  .string()
  .refine((tz) => TIME_ZONES.includes(tz), 'must be an IANA time zone such as Europe/London')
  .meta({ enum: [...TIME_ZONES], example: 'Europe/London' });

export const duration = z
  .string()
  .refine(isIsoDuration, 'must be an ISO-8601 duration such as P14D or PT10M')
  .meta({ example: 'P14D', pattern: API_DURATION_PATTERN.source });

/**
 * The characters `String.prototype.trim` removes: text must hold one other. Spelled out rather
 * than `\s` because other regex engines (the fuzzer's) disagree with JavaScript about spaces.
 */
const BLANK = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';

/**
 * PostgreSQL cannot store NUL (U+0000): parseInput refuses it in every field before these run,
 * and the patterns say so in the document, so generated clients and fuzzers know it too.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this pattern refuses
const NO_NUL = /^[^\u0000]*$/;
const NOT_BLANK = new RegExp(`^[^\\u0000]*[^${BLANK}\\u0000][^\\u0000]*$`);

/**
 * Free text, trimmed before it is stored. Lengths are checked on what was sent, so the schema's
 * minLength and maxLength mean what they say; required text must not be blank.
 */
export const trimmed = (max: number, min = 0) =>
  z.string().min(min).max(max).regex(NO_NUL, 'must not contain the NUL character (U+0000)').trim();
export const text = (max: number, min = 1) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(NOT_BLANK, 'must not be blank or contain the NUL character (U+0000)')
    .trim();

/**
 * Email addresses as the server checks them, and the document says only that: dot-separated
 * local words and a host name whose labels neither start nor end with a hyphen. (No
 * `format: email`: validators disagree about what it allows. No lookahead either: generators
 * cannot draw from one.)
 */
const EMAIL =
  /^[A-Za-z0-9_'+-]+(?:\.[A-Za-z0-9_'+-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
export const email = (max = 200) =>
  z
    .string()
    .max(max)
    .regex(EMAIL, 'must be an email address such as name@example.org')
    .meta({ example: 'name@example.org' });

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
    // Optional: clients written before appointments send policies without them (defaults apply).
    appointmentReminderBefore: duration.optional(),
    attendanceRecordDue: duration.optional(),
    reEngagementDue: duration.optional(),
    clientAppointmentReminders: z.boolean().optional(),
  })
  .meta({ id: 'ProgramPolicy' });

/** Query-string booleans arrive as text: only `true` and `false` mean anything; documented as boolean. */
export const queryBoolean = z.preprocess(
  (v) => (v === 'true' ? true : v === 'false' ? false : v),
  z.boolean({ error: 'must be true or false' }),
);
export const limit = z.coerce.number().int().min(1).max(100).default(25);

const BIRTH_YEAR = /^(?:19\d\d|[2-9]\d\d\d)-/;

export const newClientSchema = z
  .strictObject({
    givenName: text(100),
    familyName: text(100),
    // From 1900 on (the pattern says so); a date in the future is 422, as JSON Schema cannot compare with today.
    birthDate: isoDate
      .regex(BIRTH_YEAR, 'must be after 1900-01-01')
      .meta({ format: 'date', description: 'From 1900-01-01 to today; a future date is refused with 422' })
      .optional(),
    email: email().optional(),
    phone: text(40, 3).optional(),
    address: trimmed(500).optional(),
    preferredLanguage: text(35, 2).optional(),
    consentToShare: z.boolean().optional(),
  })
  .meta({ id: 'NewClient' });
