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

export function isIsoDuration(text: string): boolean {
  return ISO_DURATION_PATTERN.test(text);
}

export function parseDuration(text: string): DurationParts {
  const m = ISO_DURATION_PATTERN.exec(text);
  if (!m) throw new RangeError(`'${text}' is not an ISO-8601 duration such as P14D or PT10M`);
  const n = (i: number): number => (m[i] ? Number(m[i]) : 0);
  return { years: n(1), months: n(2), weeks: n(3), days: n(4), hours: n(5), minutes: n(6), seconds: n(7) };
}

/**
 * Adds a duration to an absolute instant. Calendar parts (Y, M, W, D) move the UTC calendar date;
 * clock parts (H, M, S) add elapsed time. Time-zone-aware calendar arithmetic lives in the
 * business-time module; this is the zone-free primitive it builds on.
 */
export function addDuration(instantMs: number, text: string, sign: 1 | -1 = 1): number {
  const d = parseDuration(text);
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
  return date.getTime() + sign * clockMs;
}

/** Rough length in milliseconds, for comparing and validating policies (a month counts as 30 days). */
export function approximateMs(text: string): number {
  const d = parseDuration(text);
  const days = d.years * 365 + d.months * 30 + d.weeks * 7 + d.days;
  return ((days * 24 + d.hours) * 60 + d.minutes) * 60_000 + d.seconds * 1000;
}
