import { beyondHorizon, clampInstant, EARLIEST_INSTANT, LATEST_INSTANT, parseDuration } from './duration';

/**
 * Calendar arithmetic in a named time zone, business days and working hours. Pure and
 * deterministic (Intl only), so the case workflow can use it: every due time is computed
 * from an absolute anchor, never by accumulating durations, so daylight-saving changes cannot drift.
 */

export interface LocalDateTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock reading in `timeZone` at an instant, as Intl gives it (the slow, exact path). */
function intlReading(instantMs: number, timeZone: string): LocalDateTime {
  const parts: Record<string, number> = {};
  // Out-of-range instants would make Intl throw; scheduling never asks about them for real cases.
  for (const p of formatter(timeZone).formatToParts(new Date(clampInstant(instantMs)))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
    millisecond: ((instantMs % 1000) + 1000) % 1000,
  };
}

/*
 * Intl is slow (a formatToParts per reading) and a workflow computing a schedule reads the clock
 * thousands of times, mostly on a handful of days. A zone's UTC offset only changes at a transition,
 * and no zone has two in one day, so a UTC day whose first and last second share an offset has it
 * throughout: the reading is then plain arithmetic. Days with a transition, and instants outside
 * 1900-2200, take Intl's reading. The cache is a pure memo (the same answers either way), so
 * workflows replay alike with or without it; it is emptied rather than allowed to grow.
 */
const DAY_MS = 86_400_000;
const ARITHMETIC_FROM = Date.UTC(1900, 0, 1);
const ARITHMETIC_UNTIL = Date.UTC(2200, 0, 1);
const MAX_CACHED_DAYS = 50_000;
/** zone -> UTC day number -> the day's offset in ms, or null when it changes during the day. */
const dayOffsets = new Map<string, Map<number, number | null>>();
let cachedDays = 0;

const intlOffset = (instantMs: number, timeZone: string): number =>
  asUtc(intlReading(instantMs, timeZone)) - instantMs;

function steadyOffset(instantMs: number, timeZone: string): number | null {
  if (!Number.isInteger(instantMs) || instantMs < ARITHMETIC_FROM || instantMs >= ARITHMETIC_UNTIL)
    return null;
  const day = Math.floor(instantMs / DAY_MS);
  let days = dayOffsets.get(timeZone);
  const known = days?.get(day);
  if (known !== undefined) return known;
  const first = intlOffset(day * DAY_MS, timeZone);
  const offset = first === intlOffset((day + 1) * DAY_MS - 1000, timeZone) ? first : null;
  if (cachedDays >= MAX_CACHED_DAYS) {
    dayOffsets.clear();
    cachedDays = 0;
    days = undefined;
  }
  if (!days) dayOffsets.set(timeZone, (days = new Map<number, number | null>()));
  days.set(day, offset);
  cachedDays++;
  return offset;
}

/** The wall-clock reading in `timeZone` at an instant. */
export function toLocal(instantMs: number, timeZone: string): LocalDateTime {
  const offset = steadyOffset(instantMs, timeZone);
  if (offset === null) return intlReading(instantMs, timeZone);
  const wall = new Date(instantMs + offset);
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
    millisecond: wall.getUTCMilliseconds(),
  };
}

function asUtc(l: LocalDateTime): number {
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second, l.millisecond);
}

/**
 * The instant a wall-clock reading names in `timeZone`. A reading skipped by a spring-forward gap
 * moves forward by the gap; an ambiguous one (autumn) takes the earlier instant.
 */
export function fromLocal(l: LocalDateTime, timeZone: string): number {
  const wall = asUtc(l);
  const offsetAt = (t: number): number => asUtc(toLocal(t, timeZone)) - t;
  const first = wall - offsetAt(wall - offsetAt(wall));
  const candidates = [wall - offsetAt(wall - 86_400_000), wall - offsetAt(wall + 86_400_000), first];
  const exact = candidates.filter((t) => asUtc(toLocal(t, timeZone)) === wall).sort((a, b) => a - b);
  if (exact.length) return exact[0]!;
  // In a gap: keep the earlier offset, which lands after the gap.
  return wall - offsetAt(wall - 86_400_000);
}

/**
 * Adds an ISO-8601 duration in the local calendar of `timeZone`: `P1D` is "same wall time tomorrow"
 * (23 or 25 hours across a daylight-saving change), `PT24H` is exactly 24 hours.
 */
export function addInZone(instantMs: number, duration: string, timeZone: string, sign: 1 | -1 = 1): number {
  const d = parseDuration(duration);
  if (beyondHorizon(d)) return sign > 0 ? LATEST_INSTANT : EARLIEST_INSTANT;
  const l = toLocal(instantMs, timeZone);
  let result = instantMs;
  if (d.years || d.months || d.weeks || d.days) {
    const months = l.month - 1 + sign * (d.years * 12 + d.months);
    const year = l.year + Math.floor(months / 12);
    const month = (((months % 12) + 12) % 12) + 1;
    const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
    const shifted = new Date(
      Date.UTC(year, month - 1, Math.min(l.day, lastDay) + sign * (d.weeks * 7 + d.days)),
    );
    result = fromLocal(
      { ...l, year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() },
      timeZone,
    );
  }
  return clampInstant(result + sign * (((d.hours * 60 + d.minutes) * 60 + d.seconds) * 1000), sign);
}

const isoDay = (l: Pick<LocalDateTime, 'year' | 'month' | 'day'>): string =>
  `${String(l.year).padStart(4, '0')}-${String(l.month).padStart(2, '0')}-${String(l.day).padStart(2, '0')}`;

export interface WorkingCalendar {
  timeZone: string;
  /** ISO dates (YYYY-MM-DD) that are not working days. */
  holidays: readonly string[];
  /** Working hours, local "HH:MM". */
  dayStart: string;
  dayEnd: string;
}

/**
 * The working day every reminder is held to unless the program is urgent, in each recipient's own
 * zone (product default). Digests leave a minute after it opens.
 */
export const WORKING_HOURS = { dayStart: '08:00', dayEnd: '18:00' } as const;

export function isBusinessDay(
  instantMs: number,
  cal: Pick<WorkingCalendar, 'timeZone' | 'holidays'>,
): boolean {
  const l = toLocal(instantMs, cal.timeZone);
  const weekday = new Date(Date.UTC(l.year, l.month - 1, l.day)).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !cal.holidays.includes(isoDay(l));
}

/** The most business days a policy the API accepts can count (P3650D); more is clamped to the horizon. */
const MAX_BUSINESS_DAYS = 3650;

/** n business days later at the same wall time, skipping weekends and holidays. */
export function addBusinessDays(
  instantMs: number,
  n: number,
  cal: Pick<WorkingCalendar, 'timeZone' | 'holidays'>,
): number {
  if (!(n <= MAX_BUSINESS_DAYS)) return LATEST_INSTANT;
  let t = instantMs;
  let left = n;
  while (left > 0 && t < LATEST_INSTANT) {
    t = addInZone(t, 'P1D', cal.timeZone);
    if (isBusinessDay(t, cal)) left--;
  }
  return t;
}

/** A due time that falls on a weekend or holiday moves to the next business day, same wall time. */
export function rollToBusinessDay(
  instantMs: number,
  cal: Pick<WorkingCalendar, 'timeZone' | 'holidays'>,
): number {
  let t = instantMs;
  for (let i = 0; i < 366 && t < LATEST_INSTANT && !isBusinessDay(t, cal); i++)
    t = addInZone(t, 'P1D', cal.timeZone);
  return t;
}

/** Minutes since local midnight of a "HH:MM" time. */
export const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
};

/**
 * Quiet hours: the instant itself if it is inside working hours on a business day, otherwise the
 * start of the next working period in the recipient's zone.
 */
export function nextWorkingTime(instantMs: number, cal: WorkingCalendar): number {
  // A case's schedule asks again for the same steps' times at every turn; the answer depends only
  // on the arguments, so a memo gives the same answers faster (bounded like the offsets above).
  const key = `${instantMs} ${cal.timeZone} ${cal.dayStart} ${cal.dayEnd} ${cal.holidays.join(',')}`;
  const known = workingTimes.get(key);
  if (known !== undefined) return known;
  const t = searchWorkingTime(instantMs, cal);
  if (workingTimes.size >= MAX_REMEMBERED_TIMES) workingTimes.clear();
  workingTimes.set(key, t);
  return t;
}

const MAX_REMEMBERED_TIMES = 20_000;
const workingTimes = new Map<string, number>();

function searchWorkingTime(instantMs: number, cal: WorkingCalendar): number {
  const start = minutesOf(cal.dayStart);
  const end = minutesOf(cal.dayEnd);
  let t = instantMs;
  for (let i = 0; i < 370; i++) {
    // Past the horizon (a clamped policy) there are no working hours to wait for.
    if (t >= LATEST_INSTANT) return LATEST_INSTANT;
    const l = toLocal(t, cal.timeZone);
    const minute = l.hour * 60 + l.minute;
    if (isBusinessDay(t, cal)) {
      if (minute >= start && minute < end) return t;
      if (minute < start)
        return fromLocal(
          { ...l, hour: Math.floor(start / 60), minute: start % 60, second: 0, millisecond: 0 },
          cal.timeZone,
        );
    }
    const tomorrow = addInZone(
      fromLocal({ ...l, hour: 12, minute: 0, second: 0, millisecond: 0 }, cal.timeZone),
      'P1D',
      cal.timeZone,
    );
    if (tomorrow >= LATEST_INSTANT) return LATEST_INSTANT;
    t = fromLocal(
      { ...toLocal(tomorrow, cal.timeZone), hour: 0, minute: 0, second: 0, millisecond: 0 },
      cal.timeZone,
    );
  }
  return instantMs;
}
