import type { RiskLevel } from '../../core/policy';
import { IMPORT_COLUMNS, isKnownColumn, MAX_GOALS, MAX_REFERRALS, REQUIRED_COLUMNS } from './columns';
import { readCsv } from './csv-text';

/**
 * An import file read and checked on its own, with no database: the header, then every row's cells
 * (formats, required cells, dates that cannot be or are still to come, dates out of order, the
 * same case or client twice in the file). Every problem is reported with its row (as a spreadsheet
 * numbers them: the header is row 1) and column, never just the first.
 */

export interface ImportProblem {
  row: number;
  column: string;
  reason: string;
}

export interface ImportGoal {
  domain: string;
  text: string;
  measure: string;
  targetDate: string;
}

export interface ImportReferral {
  /** The provider's organisation name, as in the directory. */
  provider: string;
  service: string;
  sentDate: string;
}

export interface ImportRow {
  row: number;
  importKey: string;
  program: string;
  client: {
    givenName: string;
    familyName: string;
    birthDate?: string;
    email?: string;
    phone?: string;
    consentToShare: boolean;
  };
  caseManagerEmail: string;
  supervisorEmail?: string;
  openedDate: string;
  riskLevel: RiskLevel;
  lastAssessmentDate?: string;
  plan?: { status: 'submitted' | 'approved'; date: string; summary: string; goals: ImportGoal[] };
  referrals: ImportReferral[];
}

export interface ParsedImport {
  rows: ImportRow[];
  problems: ImportProblem[];
  /** Data rows in the file (blank lines aside), good or bad. */
  total: number;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^[+()\d][\d\s().-]{4,30}$/;
const MAX_TEXT = 500;

/** `today` (YYYY-MM-DD, the program's zone is not known here: the caller's date) bounds past dates. */
export function parseImport(bytes: Uint8Array, today: string): ParsedImport {
  const csv = readCsv(bytes);
  if (!csv.ok) return { rows: [], problems: [{ row: csv.row, column: '', reason: csv.reason }], total: 0 };
  const [header, ...data] = csv.rows;
  if (!header || header.every((c) => c.trim() === ''))
    return { rows: [], problems: [{ row: 1, column: '', reason: 'the file is empty' }], total: 0 };

  const names = header.map((h) => h.trim().toLowerCase());
  const problems: ImportProblem[] = [];
  names.forEach((name, i) => {
    if (!isKnownColumn(name))
      problems.push({
        row: 1,
        column: name || `column ${i + 1}`,
        reason: 'unknown column (see the template)',
      });
    else if (names.indexOf(name) !== i)
      problems.push({ row: 1, column: name, reason: 'column appears twice' });
  });
  for (const required of REQUIRED_COLUMNS)
    if (!names.includes(required))
      problems.push({ row: 1, column: required, reason: 'required column missing' });
  // A header that does not read right makes every row's cells doubtful: stop here.
  if (problems.length) return { rows: [], problems, total: 0 };

  const rows: ImportRow[] = [];
  let total = 0;
  data.forEach((cells, i) => {
    const rowNumber = i + 2;
    if (cells.every((c) => c.trim() === '')) return;
    total++;
    const found: ImportProblem[] = [];
    const row = parseRow(rowNumber, names, cells, today, found);
    problems.push(...found);
    if (row && found.length === 0) rows.push(row);
  });
  if (total === 0) problems.push({ row: 2, column: '', reason: 'the file has a header but no rows' });
  problems.push(...duplicatesInFile(rows));
  const bad = new Set(problems.map((p) => p.row));
  return { rows: rows.filter((r) => !bad.has(r.row)), problems, total };
}

function parseRow(
  row: number,
  names: string[],
  cells: string[],
  today: string,
  problems: ImportProblem[],
): ImportRow | undefined {
  if (cells.length > names.length)
    problems.push({ row, column: '', reason: `${cells.length} cells but the header has ${names.length}` });
  const cell = (name: string): string => {
    const i = names.indexOf(name);
    return i < 0 ? '' : (cells[i] ?? '').trim();
  };
  const problem = (column: string, reason: string): undefined => {
    problems.push({ row, column, reason });
    return undefined;
  };
  const text = (name: string, required: boolean, max = MAX_TEXT): string | undefined => {
    const v = cell(name);
    if (!v) return required ? problem(name, 'required') : undefined;
    if (v.length > max) return problem(name, `longer than ${max} characters`);
    if (hasControlCharacters(v)) return problem(name, 'contains control characters');
    return v;
  };
  const date = (name: string, required: boolean, notFuture: boolean): string | undefined => {
    const v = cell(name);
    if (!v) return required ? problem(name, 'required') : undefined;
    if (!isRealDate(v)) return problem(name, `"${v}" is not a date (YYYY-MM-DD)`);
    if (notFuture && v > today) return problem(name, `${v} is in the future`);
    if (v < '1900-01-01') return problem(name, `${v} is before 1900`);
    return v;
  };
  const email = (name: string, required: boolean): string | undefined => {
    const v = text(name, required, 254);
    if (v && !EMAIL.test(v)) return problem(name, `"${v}" is not an email address`);
    return v?.toLowerCase();
  };

  const importKey = text('import_key', true, 100);
  const program = text('program', true, 200);
  const givenName = text('client_given_name', true, 200);
  const familyName = text('client_family_name', true, 200);
  const birthDate = date('client_birth_date', false, true);
  const clientEmail = email('client_email', false);
  const phone = text('client_phone', false, 40);
  if (phone && !PHONE.test(phone)) problem('client_phone', `"${phone}" is not a phone number`);
  const consent = yesNo(cell('client_consent_to_share'));
  if (consent === null) problem('client_consent_to_share', 'use yes or no');
  const caseManagerEmail = email('case_manager_email', true);
  const supervisorEmail = email('supervisor_email', false);
  const openedDate = date('opened_date', true, true);
  const risk = (cell('risk_level') || 'medium').toLowerCase();
  if (!['low', 'medium', 'high'].includes(risk)) problem('risk_level', 'use low, medium or high');
  const lastAssessmentDate = date('last_assessment_date', false, true);
  if (openedDate && birthDate && openedDate < birthDate) problem('opened_date', 'before the client was born');
  if (openedDate && lastAssessmentDate && lastAssessmentDate < openedDate)
    problem('last_assessment_date', `before the case was opened (${openedDate})`);

  const plan = parsePlan(row, cell, date, text, problem, { openedDate, lastAssessmentDate });
  const referrals: ImportReferral[] = [];
  for (let n = 1; n <= MAX_REFERRALS; n++) {
    const p = `referral_${n}_`;
    if (![`${p}provider`, `${p}service`, `${p}sent_date`].some((c) => cell(c))) continue;
    const provider = text(`${p}provider`, true, 200);
    const service = text(`${p}service`, true, 200);
    const sentDate = date(`${p}sent_date`, true, true);
    if (sentDate && openedDate && sentDate < openedDate)
      problem(`${p}sent_date`, `before the case was opened (${openedDate})`);
    if (provider && service && sentDate) referrals.push({ provider, service, sentDate });
  }

  if (!importKey || !program || !givenName || !familyName || !caseManagerEmail || !openedDate)
    return undefined;
  return {
    row,
    importKey,
    program,
    client: {
      givenName,
      familyName,
      ...(birthDate ? { birthDate } : {}),
      ...(clientEmail ? { email: clientEmail } : {}),
      ...(phone ? { phone } : {}),
      consentToShare: consent === true,
    },
    caseManagerEmail,
    ...(supervisorEmail ? { supervisorEmail } : {}),
    openedDate,
    riskLevel: risk as RiskLevel,
    ...(lastAssessmentDate ? { lastAssessmentDate } : {}),
    ...(plan ? { plan } : {}),
    referrals,
  };
}

function parsePlan(
  row: number,
  cell: (name: string) => string,
  date: (name: string, required: boolean, notFuture: boolean) => string | undefined,
  text: (name: string, required: boolean, max?: number) => string | undefined,
  problem: (column: string, reason: string) => undefined,
  dates: { openedDate?: string | undefined; lastAssessmentDate?: string | undefined },
): ImportRow['plan'] {
  const goals: ImportGoal[] = [];
  let anyGoal = false;
  for (let n = 1; n <= MAX_GOALS; n++) {
    const p = `goal_${n}_`;
    if (![`${p}domain`, `${p}text`, `${p}measure`, `${p}target_date`].some((c) => cell(c))) continue;
    anyGoal = true;
    const domain = text(`${p}domain`, true, 100)?.toLowerCase();
    const goalText = text(`${p}text`, true);
    const measure = text(`${p}measure`, false) ?? '';
    // Targets may lie ahead (that is what they are); they may not precede the plan.
    const targetDate = date(`${p}target_date`, true, false);
    if (domain && goalText && targetDate) goals.push({ domain, text: goalText, measure, targetDate });
  }
  const status = cell('plan_status').toLowerCase();
  if (!status || status === 'none') {
    if (anyGoal) problem('plan_status', 'goals are given: say whether the plan is submitted or approved');
    if (cell('plan_date'))
      problem('plan_status', 'a plan date is given: say whether the plan is submitted or approved');
    return undefined;
  }
  if (status !== 'submitted' && status !== 'approved')
    return problem('plan_status', 'use none, submitted or approved');
  const planDate = date('plan_date', true, true);
  if (!dates.lastAssessmentDate)
    problem('last_assessment_date', 'required when there is a plan: a plan follows an assessment');
  else if (planDate && planDate < dates.lastAssessmentDate)
    problem('plan_date', `before the last assessment (${dates.lastAssessmentDate})`);
  if (status === 'approved' && !anyGoal) problem('goal_1_text', 'an approved plan needs at least one goal');
  for (const [i, g] of goals.entries())
    if (planDate && g.targetDate < planDate)
      problem(`goal_${i + 1}_target_date`, `before the plan (${planDate})`);
  const summary = text('plan_summary', false, 2000) ?? '';
  if (!planDate || row < 2) return undefined;
  return { status, date: planDate, summary, goals };
}

/** Two rows for one case (the same key in one program) or one client twice in one program. */
function duplicatesInFile(rows: ImportRow[]): ImportProblem[] {
  const problems: ImportProblem[] = [];
  const keys = new Map<string, number>();
  const clients = new Map<string, number>();
  for (const r of rows) {
    const program = r.program.toLowerCase();
    const key = `${program}\u0000${r.importKey}`;
    const seen = keys.get(key);
    if (seen)
      problems.push({
        row: r.row,
        column: 'import_key',
        reason: `same import key as row ${seen} in this program`,
      });
    else keys.set(key, r.row);
    const client = `${program}\u0000${clientKey(r.client)}`;
    const twice = clients.get(client);
    if (twice && !seen)
      problems.push({
        row: r.row,
        column: 'client_family_name',
        reason: `same client as row ${twice} in this program`,
      });
    else clients.set(client, r.row);
  }
  return problems;
}

/** Who a client is for matching: names (case and accents as written, spaces squeezed) and birth date. */
export function clientKey(c: { givenName: string; familyName: string; birthDate?: string }): string {
  const norm = (s: string): string => s.toLowerCase().replace(/\s+/g, ' ');
  return `${norm(c.givenName)}|${norm(c.familyName)}|${c.birthDate ?? ''}`;
}

function yesNo(v: string): boolean | null {
  const s = v.toLowerCase();
  if (['', 'no', 'n', 'false', '0'].includes(s)) return false;
  if (s === 'yes' || s === 'y' || s === 'true' || s === '1') return true;
  return null;
}

function isRealDate(v: string): boolean {
  const m = DATE.exec(v);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/** The template's header line. */
export const TEMPLATE_HEADER = IMPORT_COLUMNS.map((c) => c.name).join(',');

/** Control characters other than tab and line breaks (which quoted cells may hold). */
function hasControlCharacters(v: string): boolean {
  for (const ch of v) {
    const code = ch.charCodeAt(0);
    if ((code < 32 && ch !== '\t' && ch !== '\n' && ch !== '\r') || code === 127) return true;
  }
  return false;
}
