import { readFileSync } from 'node:fs';
import path from 'node:path';
import { IMPORT_COLUMNS } from '../../src/domain/case-import/columns';
import { parseImport, TEMPLATE_HEADER } from '../../src/domain/case-import/parse';
import { parseArgs, problemTable } from '../../src/cli/import';

/** The import file's own checks (no database): every problem with its row, column and reason. */
const docs = path.join(__dirname, '../../docs');
const TODAY = '2026-12-02';
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const HEADER =
  'import_key,program,client_given_name,client_family_name,client_birth_date,case_manager_email,opened_date,last_assessment_date,risk_level,plan_status,plan_date,goal_1_domain,goal_1_text,goal_1_target_date,referral_1_provider,referral_1_service,referral_1_sent_date';
const file = (...rows: string[]): Uint8Array => bytes([HEADER, ...rows].join('\r\n') + '\r\n');
const GOOD =
  'K-1,Housing,Ana,Silva,1990-02-03,cm@agency.org,2026-06-01,2026-06-10,high,approved,2026-06-20,housing,Find a flat,2027-01-31,Acme,housing,2026-11-01';

describe('import file checks', () => {
  it('when the sample file is read, then every one of its rows is good and the template has every column', () => {
    const sample = parseImport(readFileSync(path.join(docs, 'import-sample.csv')), TODAY);
    expect(sample.problems).toEqual([]);
    expect(sample.rows).toHaveLength(12);
    expect(readFileSync(path.join(docs, 'import-template.csv'), 'utf8').trim()).toBe(TEMPLATE_HEADER);
    const guide = readFileSync(path.join(docs, 'importing.md'), 'utf8');
    for (const c of IMPORT_COLUMNS) expect(guide).toContain(`\`${c.name.replace(/_\d+_/, '_N_')}\``);
  });

  it('when a row is good, then it reads as the case, assessment, plan with goals and referral it describes', () => {
    const parsed = parseImport(file(GOOD), TODAY);
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows[0]).toEqual({
      row: 2,
      importKey: 'K-1',
      program: 'Housing',
      client: { givenName: 'Ana', familyName: 'Silva', birthDate: '1990-02-03', consentToShare: false },
      caseManagerEmail: 'cm@agency.org',
      openedDate: '2026-06-01',
      riskLevel: 'high',
      lastAssessmentDate: '2026-06-10',
      plan: {
        status: 'approved',
        date: '2026-06-20',
        summary: '',
        goals: [{ domain: 'housing', text: 'Find a flat', measure: '', targetDate: '2027-01-31' }],
      },
      referrals: [{ provider: 'Acme', service: 'housing', sentDate: '2026-11-01' }],
    });
  });

  it('when the file starts with a byte-order mark and has quoted cells, then it reads the same', () => {
    const text = `\uFEFF${HEADER}\r\n"K-1","Housing","Ana ""Nan""","Silva, Jr",,cm@agency.org,2026-06-01,,,,,,,,,,\r\n\r\n`;
    const parsed = parseImport(bytes(text), TODAY);
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows[0]!.client).toMatchObject({ givenName: 'Ana "Nan"', familyName: 'Silva, Jr' });
  });

  it('when the file is not UTF-8, then it is refused with the row of the first bad byte', () => {
    const latin1 = Buffer.concat([
      Buffer.from(`${HEADER}\r\nK-1,Housing,`),
      Buffer.from([0x4a, 0xf6, 0x72, 0x67]),
      Buffer.from(',X\r\n'),
    ]);
    expect(parseImport(latin1, TODAY)).toEqual({
      rows: [],
      total: 0,
      problems: [{ row: 2, column: '', reason: 'not UTF-8 text: save the file as "CSV UTF-8"' }],
    });
  });

  it('when the file is empty or has only a header, then that is the problem', () => {
    expect(parseImport(bytes(''), TODAY).problems).toEqual([
      { row: 1, column: '', reason: 'the file is empty' },
    ]);
    expect(parseImport(bytes(`${HEADER}\n`), TODAY).problems).toEqual([
      { row: 2, column: '', reason: 'the file has a header but no rows' },
    ]);
  });

  it('when the header is wrong, then each unknown, repeated or missing column is named and no row is read', () => {
    const parsed = parseImport(
      bytes('import_key,program,client_name,program\nK-1,Housing,Ana,Housing\n'),
      TODAY,
    );
    expect(parsed.rows).toEqual([]);
    expect(parsed.problems).toEqual([
      { row: 1, column: 'client_name', reason: 'unknown column (see the template)' },
      { row: 1, column: 'program', reason: 'column appears twice' },
      { row: 1, column: 'client_given_name', reason: 'required column missing' },
      { row: 1, column: 'client_family_name', reason: 'required column missing' },
      { row: 1, column: 'case_manager_email', reason: 'required column missing' },
      { row: 1, column: 'opened_date', reason: 'required column missing' },
    ]);
  });

  it('when cells are bad, then every problem of every row is reported with its row and column', () => {
    const parsed = parseImport(
      file(
        GOOD,
        'K-2,Housing,,Silva,1990-02-30,not-an-email,2027-01-01,,urgent,,,,,,,,',
        'K-3,Housing,Bo,Li,,cm@agency.org,2026-06-01,2026-05-01,,approved,2026-04-01,housing,Goal,2026-01-01,Acme,,2026-05-01',
      ),
      TODAY,
    );
    expect(parsed.rows.map((r) => r.importKey)).toEqual(['K-1']);
    expect(parsed.problems.map((p) => [p.row, p.column, p.reason])).toEqual([
      [3, 'client_given_name', 'required'],
      [3, 'client_birth_date', '"1990-02-30" is not a date (YYYY-MM-DD)'],
      [3, 'case_manager_email', '"not-an-email" is not an email address'],
      [3, 'opened_date', '2027-01-01 is in the future'],
      [3, 'risk_level', 'use low, medium or high'],
      [4, 'last_assessment_date', 'before the case was opened (2026-06-01)'],
      [4, 'plan_date', 'before the last assessment (2026-05-01)'],
      [4, 'goal_1_target_date', 'before the plan (2026-04-01)'],
      [4, 'referral_1_service', 'required'],
      [4, 'referral_1_sent_date', 'before the case was opened (2026-06-01)'],
    ]);
  });

  it('when one case or one client appears twice in a program, then the second row is the problem', () => {
    const parsed = parseImport(
      file(
        GOOD,
        GOOD.replace('K-1,', 'K-9,'),
        GOOD.replace('Ana,Silva', 'Eve,Stone'),
        GOOD.replace(',Housing,', ',Health,'),
      ),
      TODAY,
    );
    expect(parsed.problems).toEqual([
      { row: 3, column: 'client_family_name', reason: 'same client as row 2 in this program' },
      { row: 4, column: 'import_key', reason: 'same import key as row 2 in this program' },
    ]);
    // The same client in another program is another case of theirs.
    expect(parsed.rows.map((r) => r.row)).toEqual([2, 5]);
  });

  it('when the command line is read, then one file and known options are accepted and problems print as a table', () => {
    expect(parseArgs(['cases.csv'])).toEqual({ file: 'cases.csv', commit: false, concurrency: 8 });
    expect(parseArgs(['--commit', 'cases.csv', '--as', 'a@b.org', '--concurrency', '4'])).toEqual({
      file: 'cases.csv',
      commit: true,
      as: 'a@b.org',
      concurrency: 4,
    });
    expect(parseArgs([])).toBe('Name exactly one CSV file.');
    expect(parseArgs(['a.csv', '--force'])).toBe('Unknown or incomplete option: --force');
    expect(problemTable([{ row: 12, column: 'opened_date', reason: 'required' }])).toBe(
      'row  column       reason\n12   opened_date  required\n',
    );
  });
});
