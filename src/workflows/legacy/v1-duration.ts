/**
 * FROZEN with generation 1: the ISO-8601 duration arithmetic its clocks ran on, copied from
 * src/core/duration.ts (then src/domain/duration.ts) as it stood at the freeze (with the clamp to years 1000-9999 that running
 * v1 cases already had). The live module may change; this copy may not.
 */

interface DurationParts {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const ISO_DURATION_PATTERN =
  /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export function parseDuration(text: string): DurationParts {
  const m = ISO_DURATION_PATTERN.exec(text);
  if (!m) throw new RangeError(`'${text}' is not an ISO-8601 duration such as P14D or PT10M`);
  const n = (i: number): number => (m[i] ? Number(m[i]) : 0);
  return { years: n(1), months: n(2), weeks: n(3), days: n(4), hours: n(5), minutes: n(6), seconds: n(7) };
}

const EARLIEST_INSTANT = Date.UTC(1000, 0, 1);
const LATEST_INSTANT = Date.UTC(9999, 0, 1);
/** Calendar days past which any addition from a real instant leaves the bounds above. */
const HORIZON_DAYS = 366 * 10_000;

function clampInstant(ms: number, sign: 1 | -1 = 1): number {
  if (Number.isNaN(ms)) return sign > 0 ? LATEST_INSTANT : EARLIEST_INSTANT;
  return Math.min(LATEST_INSTANT, Math.max(EARLIEST_INSTANT, ms));
}

function beyondHorizon(d: DurationParts): boolean {
  const days =
    (d.years + d.months / 12) * 366 +
    d.weeks * 7 +
    d.days +
    (d.hours / 24 + d.minutes / 1440 + d.seconds / 86_400);
  return !(days <= HORIZON_DAYS);
}

/** Calendar parts move the UTC calendar date; clock parts add elapsed time. */
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
