import fc from 'fast-check';
import {
  addBusinessDays,
  addInZone,
  fromLocal,
  isBusinessDay,
  nextWorkingTime,
  rollToBusinessDay,
  toLocal,
} from '../../src/core/business-time';

const iso = (ms: number): string => new Date(ms).toISOString();
const at = (s: string): number => Date.parse(s);
const NY = 'America/New_York';
const LONDON = 'Europe/London';

describe('calendar arithmetic in a time zone', () => {
  it('when a day is added across the spring-forward change, then the wall time is kept (23 real hours)', () => {
    // 2027-03-14 is the US spring-forward day.
    const start = at('2027-03-13T14:00:00Z'); // 09:00 EST
    const next = addInZone(start, 'P1D', NY);
    expect(toLocal(next, NY)).toMatchObject({ day: 14, hour: 9, minute: 0 });
    expect((next - start) / 3_600_000).toBe(23);
    expect(addInZone(start, 'PT24H', NY) - start).toBe(24 * 3_600_000);
  });

  it('when 14 days are added across the autumn change in London, then the due time stays at 09:00 local', () => {
    const intake = fromLocal(
      { year: 2027, month: 10, day: 25, hour: 9, minute: 0, second: 0, millisecond: 0 },
      LONDON,
    );
    const due = addInZone(intake, 'P14D', LONDON);
    expect(iso(intake)).toBe('2027-10-25T08:00:00.000Z');
    expect(iso(due)).toBe('2027-11-08T09:00:00.000Z');
  });

  it('when a wall time falls in the spring-forward gap, then it resolves just after the gap', () => {
    const gap = fromLocal(
      { year: 2027, month: 3, day: 14, hour: 2, minute: 30, second: 0, millisecond: 0 },
      NY,
    );
    expect(toLocal(gap, NY)).toMatchObject({ hour: 3, minute: 30 });
  });

  it('when any instant is converted to local time and back, then it is unchanged (outside ambiguous hours)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: at('2020-01-01T00:00:00Z'), max: at('2035-01-01T00:00:00Z') }),
        fc.constantFrom(NY, LONDON, 'Asia/Kolkata', 'Australia/Sydney', 'UTC'),
        (t, tz) => {
          const back = fromLocal(toLocal(t, tz), tz);
          // In the repeated autumn hour the earlier instant is chosen by design.
          expect(back === t || t - back === 3_600_000).toBe(true);
        },
      ),
    );
  });

  it('when P{n}D is added, then the wall time is the starting wall time, n calendar days later (no drift)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: at('2026-01-01T00:00:00Z'), max: at('2030-01-01T00:00:00Z') }),
        fc.integer({ min: 1, max: 400 }),
        (t, n) => {
          const start = toLocal(t, LONDON);
          fc.pre(fromLocal(start, LONDON) === t);
          const l = toLocal(addInZone(t, `P${n}D`, LONDON), LONDON);
          const dayDiff =
            (Date.UTC(l.year, l.month - 1, l.day) - Date.UTC(start.year, start.month - 1, start.day)) /
            86_400_000;
          expect(dayDiff).toBe(n);
          // Only a wall time skipped by spring-forward may differ, and then by the hour skipped.
          const shift = l.hour * 60 + l.minute - (start.hour * 60 + start.minute);
          expect([0, 60]).toContain(shift);
        },
      ),
    );
  });
});

/**
 * The oracle: Intl's own reading, independent of the module (another locale and style, its own
 * formatters, no day cache). Swedish short dates read "2027-03-14 03:00:00".
 */
const oracles = new Map<string, Intl.DateTimeFormat>();
function intlReads(t: number, timeZone: string): Record<string, number | undefined> {
  let f = oracles.get(timeZone);
  if (!f)
    oracles.set(
      timeZone,
      (f = new Intl.DateTimeFormat('sv-SE', { timeZone, dateStyle: 'short', timeStyle: 'medium' })),
    );
  const m = /^(\d+)-(\d+)-(\d+) (\d+):(\d+):(\d+)$/.exec(f.format(new Date(t)));
  if (!m) throw new Error(`unexpected reading ${f.format(new Date(t))}`);
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  return { year, month, day, hour, minute, second, millisecond: ((t % 1000) + 1000) % 1000 };
}

const sameReading = (a: object, b: object): boolean => JSON.stringify(a) === JSON.stringify(b);

describe('reading the clock in a zone', () => {
  it('when any instant of 2027 is read in any zone Intl knows, then the reading is Intl’s own', () => {
    const zones = Intl.supportedValuesOf('timeZone');
    expect(zones.length).toBeGreaterThan(300);
    const yearStart = at('2027-01-01T00:00:00Z');
    const differing: unknown[] = [];
    for (const tz of zones) {
      for (let day = 0; day < 365; day++) {
        // A different time of day for each day and zone, with milliseconds.
        const t = yearStart + day * 86_400_000 + ((day * 7_919_311 + tz.length * 104_729) % 86_400_000);
        if (!sameReading(toLocal(t, tz), intlReads(t, tz))) differing.push({ tz, at: iso(t) });
      }
    }
    expect(differing).toEqual([]);
  });

  it('when the clock is read minute by minute around offset changes, then every reading is Intl’s own', () => {
    const around: [string, string][] = [
      [NY, '2027-03-14T07:00:00Z'], // spring forward
      [NY, '2027-11-07T06:00:00Z'], // fall back
      [LONDON, '2027-10-31T01:00:00Z'],
      ['Australia/Lord_Howe', '2027-04-03T15:00:00Z'], // a 30-minute change
      ['Asia/Kathmandu', '1986-01-01T00:00:00Z'], // +05:30 to +05:45
      ['Pacific/Apia', '2011-12-30T10:00:00Z'], // a whole day skipped
      ['Europe/Moscow', '2014-10-25T22:00:00Z'],
      ['America/St_Johns', '2027-03-14T05:30:00Z'],
      ['Europe/Paris', '1911-03-11T00:00:00Z'], // local mean time offsets with seconds
    ];
    const differing: unknown[] = [];
    for (const [tz, change] of around) {
      const c = at(change);
      for (let t = c - 30 * 3_600_000; t <= c + 30 * 3_600_000; t += 60_000 + 1) {
        if (!sameReading(toLocal(t, tz), intlReads(t, tz))) differing.push({ tz, at: iso(t) });
      }
    }
    expect(differing).toEqual([]);
  });

  it('when an instant lies outside 1900-2200 or is fractional, then it is still read as Intl reads it', () => {
    for (const t of [
      at('1850-06-01T12:34:56.789Z'),
      at('2300-01-01T00:00:00.001Z'),
      at('2027-05-01T10:00:00Z') + 0.5,
    ])
      expect(toLocal(t, NY)).toEqual(intlReads(t, NY));
  });
});

describe('business days and working hours', () => {
  const cal = {
    timeZone: LONDON,
    holidays: ['2027-12-27', '2027-12-28'],
    dayStart: '08:00',
    dayEnd: '18:00',
  };

  it('when business days are added over a weekend and holidays, then those days are skipped', () => {
    const thu = at('2027-12-23T10:00:00Z');
    expect(iso(addBusinessDays(thu, 1, cal))).toBe('2027-12-24T10:00:00.000Z'); // Friday
    expect(iso(addBusinessDays(thu, 2, cal))).toBe('2027-12-29T10:00:00.000Z'); // skips Sat, Sun, two holidays
    expect(isBusinessDay(at('2027-12-27T10:00:00Z'), cal)).toBe(false);
  });

  it('when a due date lands on a Saturday, then it rolls to Monday at the same wall time', () => {
    expect(iso(rollToBusinessDay(at('2027-06-05T09:00:00Z'), cal))).toBe('2027-06-07T09:00:00.000Z');
  });

  it('when a reminder falls at 03:00 or after 18:00 or on a weekend, then it waits for 08:00 on the next working day', () => {
    expect(iso(nextWorkingTime(at('2027-06-08T02:00:00Z'), cal))).toBe('2027-06-08T07:00:00.000Z'); // 03:00 BST -> 08:00 BST
    expect(iso(nextWorkingTime(at('2027-06-08T18:30:00Z'), cal))).toBe('2027-06-09T07:00:00.000Z'); // 19:30 BST -> next day 08:00
    expect(iso(nextWorkingTime(at('2027-06-05T10:00:00Z'), cal))).toBe('2027-06-07T07:00:00.000Z'); // Saturday -> Monday
    const inHours = at('2027-06-08T10:00:00Z');
    expect(nextWorkingTime(inHours, cal)).toBe(inHours);
  });

  it('when the same instant is asked about with other holidays or hours, then each answer follows its own calendar', () => {
    const friday = at('2027-06-04T19:00:00Z'); // 20:00 BST, after hours
    expect(iso(nextWorkingTime(friday, cal))).toBe('2027-06-07T07:00:00.000Z'); // Monday 08:00
    expect(iso(nextWorkingTime(friday, { ...cal, holidays: ['2027-06-07'] }))).toBe(
      '2027-06-08T07:00:00.000Z',
    );
    expect(iso(nextWorkingTime(friday, { ...cal, dayEnd: '21:00' }))).toBe(iso(friday));
    expect(iso(nextWorkingTime(friday, { ...cal, timeZone: NY }))).toBe(iso(friday)); // 15:00 in New York
    expect(iso(nextWorkingTime(friday, cal))).toBe('2027-06-07T07:00:00.000Z');
  });

  it('when any instant is pushed to working time, then the result is within working hours on a business day and never earlier', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: at('2026-01-01T00:00:00Z'), max: at('2030-01-01T00:00:00Z') }),
        fc.constantFrom(LONDON, NY, 'Asia/Tokyo'),
        (t, tz) => {
          const c = { ...cal, timeZone: tz };
          const w = nextWorkingTime(t, c);
          const l = toLocal(w, tz);
          expect(w).toBeGreaterThanOrEqual(t);
          expect(isBusinessDay(w, c)).toBe(true);
          expect(l.hour * 60 + l.minute).toBeGreaterThanOrEqual(8 * 60);
          expect(l.hour * 60 + l.minute).toBeLessThan(18 * 60);
        },
      ),
    );
  });
});
