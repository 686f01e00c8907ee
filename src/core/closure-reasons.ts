/**
 * The usual reasons a case closes, stored as their words. The closure form offers them (and
 * "Other", written by the case manager); the program report counts closures by them, and every
 * reason written by hand as "Other", so free text never reaches a report.
 */
export const CLOSURE_REASONS: readonly string[] = [
  'Goals met',
  'Client moved away',
  'Client declined further services',
  'Client could not be reached',
  'Transferred to another service',
  'Client died',
];
