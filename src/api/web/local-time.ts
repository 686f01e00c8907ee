/**
 * A date and time typed on a form (`<input type="datetime-local">`: "2027-03-15T14:30") means
 * that wall-clock time where the viewer works (staff.time_zone). These turn it into an instant
 * and back.
 */
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** How far ahead of UTC the zone's wall clock is at an instant, in milliseconds. */
function offsetAt(instant: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value]),
  );
  const wall = Date.UTC(
    +parts.year!,
    +parts.month! - 1,
    +parts.day!,
    +parts.hour!,
    +parts.minute!,
    +parts.second!,
  );
  return wall - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant (ISO 8601, UTC) a local date and time in the zone names; undefined when the text is
 * not a real date and time. A time skipped by a clock change reads as the hour after.
 */
export function instantFromLocal(local: string, timeZone: string): string | undefined {
  const m = LOCAL.exec(local);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(wall);
  if (
    check.getUTCFullYear() !== y ||
    check.getUTCMonth() !== mo - 1 ||
    check.getUTCDate() !== d ||
    h > 23 ||
    mi > 59 ||
    s > 59
  )
    return undefined;
  let instant = wall - offsetAt(wall, timeZone);
  instant = wall - offsetAt(instant, timeZone);
  return new Date(instant).toISOString();
}

/** An instant as the zone's wall clock, in the form a datetime-local input takes. */
export function localInputValue(at: Date, timeZone: string): string {
  const wall = new Date(at.getTime() + offsetAt(at.getTime(), timeZone));
  return wall.toISOString().slice(0, 16);
}

/**
 * An instant as ISO 8601 in the zone's wall clock with its offset, "2027-03-15T14:30:00-04:00":
 * what a spreadsheet shows as the viewer's time while the instant stays exact.
 */
export function localIsoWithOffset(at: Date, timeZone: string): string {
  const offset = offsetAt(at.getTime(), timeZone);
  const wall = new Date(Math.floor(at.getTime() / 1000) * 1000 + offset).toISOString().slice(0, 19);
  const minutes = Math.round(Math.abs(offset) / 60_000);
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${wall}${offset < 0 ? '-' : '+'}${hh}:${mm}`;
}
