/**
 * The import template's columns, in the template's order: one source for the parser, the template
 * file (docs/import-template.csv) and its documentation (docs/importing.md), which a unit test
 * keeps in step with this list.
 */

export const MAX_GOALS = 5;
export const MAX_REFERRALS = 3;

export interface ImportColumn {
  name: string;
  required: boolean;
}

const base: ImportColumn[] = [
  { name: 'import_key', required: true },
  { name: 'program', required: true },
  { name: 'client_given_name', required: true },
  { name: 'client_family_name', required: true },
  { name: 'client_birth_date', required: false },
  { name: 'client_email', required: false },
  { name: 'client_phone', required: false },
  { name: 'client_consent_to_share', required: false },
  { name: 'case_manager_email', required: true },
  { name: 'supervisor_email', required: false },
  { name: 'opened_date', required: true },
  { name: 'risk_level', required: false },
  { name: 'last_assessment_date', required: false },
  { name: 'plan_status', required: false },
  { name: 'plan_date', required: false },
  { name: 'plan_summary', required: false },
];

const goal = (n: number): ImportColumn[] =>
  ['domain', 'text', 'measure', 'target_date'].map((f) => ({ name: `goal_${n}_${f}`, required: false }));
const referral = (n: number): ImportColumn[] =>
  ['provider', 'service', 'sent_date'].map((f) => ({ name: `referral_${n}_${f}`, required: false }));

export const IMPORT_COLUMNS: readonly ImportColumn[] = [
  ...base,
  ...Array.from({ length: MAX_GOALS }, (_, i) => goal(i + 1)).flat(),
  ...Array.from({ length: MAX_REFERRALS }, (_, i) => referral(i + 1)).flat(),
];

export const REQUIRED_COLUMNS = IMPORT_COLUMNS.filter((c) => c.required).map((c) => c.name);
const KNOWN = new Set(IMPORT_COLUMNS.map((c) => c.name));
export const isKnownColumn = (name: string): boolean => KNOWN.has(name);
