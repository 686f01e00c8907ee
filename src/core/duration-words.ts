import { isIsoDuration, parseDuration, type DurationParts } from './duration';

/**
 * Policy durations as a person reads and writes them ("14 days", "5 business days", "3 hours"),
 * converted to and from the ISO-8601 the policy stores. A value no single unit can hold exactly
 * (P1DT2H) stays as written, in the `iso` unit, so nothing is lost by opening and saving a form.
 */

export const DURATION_UNITS = ['minutes', 'hours', 'days', 'weeks', 'months', 'years', 'iso'] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number];

export interface DurationInWords {
  /** Whole number as text (or the ISO text itself for the `iso` unit). */
  amount: string;
  unit: DurationUnit;
}

/** Nine digits per part at most, as the API's duration pattern allows. */
const MAX_AMOUNT = 999_999_999;

/** The single unit that holds this duration exactly, or `iso` when none does. */
export function toWords(text: string): DurationInWords {
  if (!isIsoDuration(text)) return { amount: text, unit: 'iso' };
  const d = parseDuration(text);
  const calendar = d.years + d.months + d.weeks + d.days > 0;
  const clock = d.hours + d.minutes + d.seconds > 0;
  if (!calendar && !clock) return { amount: '0', unit: /T/.test(text) ? 'minutes' : 'days' };
  if (calendar && clock) return { amount: text, unit: 'iso' };
  if (clock) {
    if (d.seconds !== 0) return { amount: text, unit: 'iso' };
    if (d.minutes === 0) return fits(d.hours, 'hours', text);
    return fits(d.hours * 60 + d.minutes, 'minutes', text);
  }
  const only = (...parts: (keyof DurationParts)[]): boolean =>
    (['years', 'months', 'weeks', 'days'] as const).every((p) => parts.includes(p) || d[p] === 0);
  if (only('years')) return fits(d.years, 'years', text);
  if (only('years', 'months')) return fits(d.years * 12 + d.months, 'months', text);
  // Weeks and days mix only where both are counted alike; P1W2D stays as written.
  if (only('weeks')) return fits(d.weeks, 'weeks', text);
  if (only('days')) return fits(d.days, 'days', text);
  return { amount: text, unit: 'iso' };
}

const fits = (n: number, unit: DurationUnit, text: string): DurationInWords =>
  n <= MAX_AMOUNT ? { amount: String(n), unit } : { amount: text, unit: 'iso' };

export type FromWords = { ok: true; iso: string } | { ok: false; reason: string };

/** The ISO-8601 duration for an amount in a unit, or why there is none. */
export function fromWords(amount: string, unit: string): FromWords {
  const a = amount.trim();
  if (unit === 'iso') {
    const upper = a.toUpperCase();
    return isIsoDuration(upper)
      ? { ok: true, iso: upper }
      : { ok: false, reason: 'must be an ISO-8601 duration such as P14D or PT10M' };
  }
  if (!(DURATION_UNITS as readonly string[]).includes(unit)) return { ok: false, reason: 'choose a unit' };
  if (a === '') return { ok: false, reason: 'enter a number' };
  if (!/^\d{1,9}$/.test(a)) return { ok: false, reason: 'must be a whole number, like 14' };
  const n = Number(a);
  switch (unit as Exclude<DurationUnit, 'iso'>) {
    case 'minutes':
      return { ok: true, iso: `PT${n}M` };
    case 'hours':
      return { ok: true, iso: `PT${n}H` };
    case 'days':
      return { ok: true, iso: `P${n}D` };
    case 'weeks':
      return { ok: true, iso: `P${n}W` };
    case 'months':
      return { ok: true, iso: `P${n}M` };
    case 'years':
      return { ok: true, iso: `P${n}Y` };
  }
}

/** A unit's name for a count; days are business days where the rule counts them so. */
export function unitName(unit: DurationUnit, n: number, businessDays = false): string {
  const one = n === 1;
  switch (unit) {
    case 'minutes':
      return one ? 'minute' : 'minutes';
    case 'hours':
      return one ? 'hour' : 'hours';
    case 'days':
      return businessDays ? (one ? 'business day' : 'business days') : one ? 'day' : 'days';
    case 'weeks':
      return one ? 'week' : 'weeks';
    case 'months':
      return one ? 'month' : 'months';
    case 'years':
      return one ? 'year' : 'years';
    case 'iso':
      return '(ISO-8601)';
  }
}

/** "14 days", "5 business days", "1 month and 2 days", "at once" for zero. */
export function durationInWords(text: string, opts: { businessDays?: boolean } = {}): string {
  if (!isIsoDuration(text)) return text;
  const d = parseDuration(text);
  const parts: [number, DurationUnit | 'seconds'][] = [
    [d.years, 'years'],
    [d.months, 'months'],
    [d.weeks, 'weeks'],
    [d.days, 'days'],
    [d.hours, 'hours'],
    [d.minutes, 'minutes'],
    [d.seconds, 'seconds'],
  ];
  const said = parts
    .filter(([n]) => n > 0)
    .map(([n, unit]) =>
      unit === 'seconds'
        ? `${n} ${n === 1 ? 'second' : 'seconds'}`
        : `${n.toLocaleString('en')} ${unitName(unit, n, opts.businessDays)}`,
    );
  if (said.length === 0) return 'at once';
  return said.length === 1 ? said[0]! : `${said.slice(0, -1).join(', ')} and ${said[said.length - 1]}`;
}
