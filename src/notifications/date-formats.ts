/**
 * The dates emails show, in the reader's zone. Formatters are kept by format and zone: building an
 * Intl.DateTimeFormat costs far more than formatting with one, and every reminder formats several
 * dates (a burst of a thousand reminders showed it among the worker's busiest functions).
 */
const FORMATS = {
  /** "Tue, 3 Dec 2024, 09:00 GMT" */
  when: {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  },
  /** "3 Dec 2024" */
  day: { day: 'numeric', month: 'short', year: 'numeric' },
  /** "Tue 3 Dec" */
  dayShort: { weekday: 'short', day: 'numeric', month: 'short' },
  /** "10:00 GMT-5" */
  timeShort: { hour: '2-digit', minute: '2-digit', timeZoneName: 'short' },
} as const satisfies Record<string, Intl.DateTimeFormatOptions>;

export type DateFormat = keyof typeof FORMATS;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** `date` as `format` shows it in `timeZone` (a RangeError for a zone Intl does not know, as before). */
export function formatIn(format: DateFormat, timeZone: string, date: Date): string {
  const key = `${format} ${timeZone}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', { timeZone, ...FORMATS[format] });
    formatters.set(key, formatter);
  }
  return formatter.format(date);
}
