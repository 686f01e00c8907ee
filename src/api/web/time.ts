import { html, type SafeHtml } from './template';

/**
 * Times on pages are shown in the viewer's own time zone (staff.time_zone), with the zone named,
 * and carry the instant in `datetime` for machines.
 */
export function formatInstant(iso: string, timeZone: string, withTime = true): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    ...(withTime ? { hour: '2-digit', minute: '2-digit', timeZoneName: 'short' } : {}),
  }).format(date);
}

export function timeTag(iso: string | null | undefined, timeZone: string, withTime = true): SafeHtml {
  if (!iso) return html`—`;
  return html`<time datetime="${iso}">${formatInstant(iso, timeZone, withTime)}</time>`;
}

/** The calendar date (YYYY-MM-DD) an instant falls on in a zone. */
export function localDate(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}
