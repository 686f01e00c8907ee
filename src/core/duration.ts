/**
 * ISO-8601 durations (`P14D`, `PT10M`, `P1Y2M`), parsed into parts so calendar units stay calendar units.
 * Pure and deterministic: safe to use inside workflows.
 */

export interface DurationParts {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

export const ISO_DURATION_PATTERN =
  /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * What the API accepts and its document says: the same form with at most nine digits per part,
 * more than any sensible horizon needs (ten years is 3650 days, 5,256,000 minutes).
 */
export const API_DURATION_PATTERN =
  /^P(?!$)(?:(\d{1,9})Y)?(?:(\d{1,9})M)?(?:(\d{1,9})W)?(?:(\d{1,9})D)?(?:T(?=\d)(?:(\d{1,9})H)?(?:(\d{1,9})M)?(?:(\d{1,9}(?:\.\d{1,9})?)S)?)?$/;

/** The form the API accepts: ISO-8601, at most nine digits per part. */
export function isIsoDuration(text: string): boolean {
  return API_DURATION_PATTERN.test(text);
}

export function parseDuration(text: string): DurationParts {
  const m = ISO_DURATION_PATTERN.exec(text);
  if (!m) throw new RangeError(`'${text}' is not an ISO-8601 duration such as P14D or PT10M`);
  const n = (i: number): number => (m[i] ? Number(m[i]) : 0);
  return { years: n(1), months: n(2), weeks: n(3), days: n(4), hours: n(5), minutes: n(6), seconds: n(7) };
}

/**
 * The instants scheduling may produce. The API accepts at most ten-year durations, so real due
 * times stay centuries inside these bounds; a policy stored before that check (`P300000Y`) is
 * clamped here instead of producing an invalid date that would fail the case's workflow task.
 */
export const EARLIEST_INSTANT = Date.UTC(1000, 0, 1);
export const LATEST_INSTANT = Date.UTC(9999, 0, 1);
/** Calendar days past which any addition from a real instant leaves the bounds above. */
const HORIZON_DAYS = 366 * 10_000;

/** Keeps an instant inside the bounds; NaN (an overflow on the way) goes to the end it was heading to. */
export function clampInstant(ms: number, sign: 1 | -1 = 1): number {
  if (Number.isNaN(ms)) return sign > 0 ? LATEST_INSTANT : EARLIEST_INSTANT;
  return Math.min(LATEST_INSTANT, Math.max(EARLIEST_INSTANT, ms));
}

/** A duration longer than the whole span of instants scheduling may produce. */
export function beyondHorizon(d: DurationParts): boolean {
  const days =
    (d.years + d.months / 12) * 366 +
    d.weeks * 7 +
    d.days +
    (d.hours / 24 + d.minutes / 1440 + d.seconds / 86_400);
  return !(days <= HORIZON_DAYS);
}

/**
 * Adds a duration to an absolute instant. Calendar parts (Y, M, W, D) move the UTC calendar date;
 * clock parts (H, M, S) add elapsed time. Time-zone-aware calendar arithmetic lives in the
 * business-time module; this is the zone-free primitive it builds on.
 */
export function addDuration(instantMs: number, text: string, sign: 1 | -1 = 1): number {
  const d = parseDuration(text);
  if (beyondHorizon(d)) return sign > 0 ? LATEST_INSTANT : EARLIEST_INSTANT;
  const date = new Date(instantMs);
  if (d.years || d.months) {
    const day = date.getUTCDate();
    date.setUTCDate(1);
    date.setUTCMonth(date.getUTCMonth() + sign * (d.years * 12 + d.months));
    const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
    date.setUTCDate(Math.min(day, lastDay));
  }
  if (d.weeks || d.days) date.setUTCDate(date.getUTCDate() + sign * (d.weeks * 7 + d.days));
  const clockMs = ((d.hours * 60 + d.minutes) * 60 + d.seconds) * 1000;
  return clampInstant(date.getTime() + sign * clockMs, sign);
}

/** Rough length in milliseconds, for comparing and validating policies (a month counts as 30 days). */
export function approximateMs(text: string): number {
  const d = parseDuration(text);
  const days = d.years * 365 + d.months * 30 + d.weeks * 7 + d.days;
  return ((days * 24 + d.hours) * 60 + d.minutes) * 60_000 + d.seconds * 1000;
}
