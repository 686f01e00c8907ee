/**
 * Quiet hours hold every reminder that falls due overnight or over a weekend until the next
 * working start. Across a program that is a burst at 08:00 on Monday; so each case leaves its held
 * reminders at its own minute within the first `spreadMinutes` of the working day. The minute comes
 * from the case id, so it is the same on every run, replay and worker, and a case's reminders keep
 * their order.
 */

/** The case's minute within the spread: 0 when there is no spread. */
export function releaseOffsetMinutes(caseId: string, spreadMinutes: number): number {
  if (!(spreadMinutes > 1)) return 0;
  return fnv1a(caseId) % Math.floor(spreadMinutes);
}

/** FNV-1a, 32 bits: a fixed, well-mixed hash of a string without Node's crypto (workflows import this). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
