import type { Pool } from 'pg';
import { LIFE_DOMAINS } from '../cases';
import { clientKey, type ImportProblem, type ImportRow } from './parse';

/**
 * The checks an import row needs the database for, read in a handful of statements for the whole
 * file (never one per row): the program (known, active, with a policy), the case manager and
 * supervisor by email (known, active, in those roles, supervising each other), the referral
 * providers by name, the goal domains the program knows, whether the row was imported before
 * (then it is skipped, not a problem) and whether its client is already on record.
 */

export interface ResolvedRow {
  row: ImportRow;
  programId: string;
  timeZone: string;
  caseManagerId: string;
  supervisorId: string;
  /** The client already on record (same names and birth date), reused rather than duplicated. */
  clientId?: string;
  providerIds: string[];
}

export interface CheckedImport {
  ready: ResolvedRow[];
  /** Rows whose import key this program already has: done before, skipped now. */
  alreadyImported: ImportRow[];
  problems: ImportProblem[];
}

interface ProgramFacts {
  id: string;
  name: string;
  active: boolean;
  has_policy: boolean;
  time_zone: string;
  extra_domains: string[];
  program_manager_id: string | null;
}

interface StaffFacts {
  id: string;
  email: string;
  role: string;
  active: boolean;
  supervisor_id: string | null;
}

export async function checkAgainstRecords(pool: Pool, rows: ImportRow[]): Promise<CheckedImport> {
  const lower = (xs: string[]): string[] => [...new Set(xs.map((x) => x.toLowerCase()))];
  const programs = byKey(
    (
      await pool.query<ProgramFacts>(
        `SELECT p.id, p.name, p.active, p.time_zone, p.extra_domains, p.program_manager_id,
                EXISTS (SELECT 1 FROM program_policies pp WHERE pp.program_id = p.id) AS has_policy
           FROM programs p WHERE lower(p.name) = ANY ($1)`,
        [lower(rows.map((r) => r.program))],
      )
    ).rows,
    (p) => p.name.toLowerCase(),
  );
  const staff = byKey(
    (
      await pool.query<StaffFacts>(
        'SELECT id, lower(email) AS email, role, active, supervisor_id FROM staff WHERE lower(email) = ANY ($1)',
        [lower(rows.flatMap((r) => [r.caseManagerEmail, ...(r.supervisorEmail ? [r.supervisorEmail] : [])]))],
      )
    ).rows,
    (s) => s.email,
  );
  const supervisorsOf = byKey(
    (
      await pool.query<StaffFacts>(
        `SELECT id, lower(email) AS email, role, active, supervisor_id FROM staff
          WHERE id = ANY ($1)`,
        [[...staff.values()].map((s) => s.supervisor_id).filter((x): x is string => x !== null)],
      )
    ).rows,
    (s) => s.id,
  );
  const providers = new Map<string, { id: string; active: boolean }[]>();
  for (const p of (
    await pool.query<{ id: string; name: string; active: boolean }>(
      'SELECT id, lower(organisation) AS name, active FROM providers WHERE lower(organisation) = ANY ($1)',
      [lower(rows.flatMap((r) => r.referrals.map((f) => f.provider)))],
    )
  ).rows)
    providers.set(p.name, [...(providers.get(p.name) ?? []), p]);
  const imported = new Set(
    (
      await pool.query<{ k: string }>(
        `SELECT ci.program_id || '/' || ci.import_key AS k FROM case_imports ci
          WHERE ci.import_key = ANY ($1)`,
        [[...new Set(rows.map((r) => r.importKey))]],
      )
    ).rows.map((r) => r.k),
  );
  const clients = await clientsOnRecord(pool, rows);

  const result: CheckedImport = { ready: [], alreadyImported: [], problems: [] };
  for (const row of rows) {
    const problems: ImportProblem[] = [];
    const problem = (column: string, reason: string): void => {
      problems.push({ row: row.row, column, reason });
    };
    const program = programs.get(row.program.toLowerCase());
    if (!program) problem('program', `no program named "${row.program}"`);
    else if (!program.active) problem('program', 'the program is inactive');
    else if (!program.has_policy)
      problem('program', 'the program has no policy yet: set one before importing');
    if (program && imported.has(`${program.id}/${row.importKey}`)) {
      result.alreadyImported.push(row);
      continue;
    }

    const cm = staff.get(row.caseManagerEmail);
    if (!cm) problem('case_manager_email', 'no staff member has this email');
    else if (!cm.active) problem('case_manager_email', 'this staff member is deactivated');
    else if (cm.role !== 'case_manager')
      problem('case_manager_email', `is a ${cm.role.replace('_', ' ')}, not a case manager`);
    let supervisor: StaffFacts | undefined;
    if (row.supervisorEmail) {
      supervisor = staff.get(row.supervisorEmail);
      if (!supervisor) problem('supervisor_email', 'no staff member has this email');
    } else if (cm?.role === 'case_manager' && cm.active) {
      supervisor = cm.supervisor_id ? supervisorsOf.get(cm.supervisor_id) : undefined;
      if (!supervisor) problem('supervisor_email', 'required: the case manager has no supervisor on record');
    }
    if (supervisor && cm) {
      if (!supervisor.active) problem('supervisor_email', 'this staff member is deactivated');
      else if (supervisor.role !== 'supervisor' && supervisor.role !== 'program_manager')
        problem(
          'supervisor_email',
          `is a ${supervisor.role.replace('_', ' ')}, not a supervisor or program manager`,
        );
      else if (cm.supervisor_id !== supervisor.id && program?.program_manager_id !== supervisor.id)
        problem('supervisor_email', "neither supervises the case manager nor manages the case's program");
    }

    const domains = new Set<string>([...LIFE_DOMAINS, ...(program?.extra_domains ?? [])]);
    row.plan?.goals.forEach((g, i) => {
      if (!domains.has(g.domain))
        problem(`goal_${i + 1}_domain`, `"${g.domain}" is not a life domain of this program`);
    });
    const providerIds: string[] = [];
    row.referrals.forEach((f, i) => {
      const found = providers.get(f.provider.toLowerCase()) ?? [];
      const column = `referral_${i + 1}_provider`;
      if (found.length === 0) problem(column, `no provider named "${f.provider}" in the directory`);
      else if (found.length > 1) problem(column, `several providers are named "${f.provider}"`);
      else if (!found[0]!.active) problem(column, 'the provider is inactive');
      else providerIds.push(found[0]!.id);
    });

    let clientId: string | undefined;
    const onRecord = clients.get(clientKey(row.client)) ?? [];
    if (row.client.birthDate && onRecord.length > 1)
      problem(
        'client_family_name',
        `${onRecord.length} clients on record have these names and birth date: resolve before importing`,
      );
    else if (row.client.birthDate && onRecord.length === 1) {
      const c = onRecord[0]!;
      const open = program ? c.open_cases.find((o) => o.program_id === program.id) : undefined;
      if (open)
        problem(
          'client_family_name',
          open.import_key
            ? `the client already has open case ${open.reference} in this program, imported under key "${open.import_key}"`
            : `the client already has open case ${open.reference} in this program`,
        );
      else clientId = c.id;
    }

    if (problems.length || !program || !cm || !supervisor) {
      result.problems.push(...problems);
      continue;
    }
    result.ready.push({
      row,
      programId: program.id,
      timeZone: program.time_zone,
      caseManagerId: cm.id,
      supervisorId: supervisor.id,
      ...(clientId ? { clientId } : {}),
      providerIds,
    });
  }
  return result;
}

interface ClientOnRecord {
  id: string;
  key: string;
  open_cases: { program_id: string; reference: string; import_key: string | null }[];
}

/** Clients on record with the names and birth date of a row (a row without a birth date matches none). */
async function clientsOnRecord(pool: Pool, rows: ImportRow[]): Promise<Map<string, ClientOnRecord[]>> {
  const withBirth = rows.filter((r) => r.client.birthDate);
  const found = (
    await pool.query<ClientOnRecord>(
      `SELECT cl.id,
              lower(regexp_replace(cl.given_name, '\\s+', ' ', 'g')) || '|' ||
              lower(regexp_replace(cl.family_name, '\\s+', ' ', 'g')) || '|' || cl.birth_date::text AS key,
              coalesce((SELECT json_agg(json_build_object('program_id', c.program_id, 'reference', c.reference,
                                                          'import_key', ci.import_key))
                          FROM cases c LEFT JOIN case_imports ci ON ci.case_id = c.id
                         WHERE c.client_id = cl.id AND c.status <> 'closed'), '[]') AS open_cases
         FROM clients cl
         JOIN unnest($1::text[], $2::text[], $3::date[]) AS w(given, family, birth)
           ON lower(cl.given_name) = lower(w.given) AND lower(cl.family_name) = lower(w.family)
          AND cl.birth_date = w.birth`,
      [
        withBirth.map((r) => r.client.givenName),
        withBirth.map((r) => r.client.familyName),
        withBirth.map((r) => r.client.birthDate),
      ],
    )
  ).rows;
  const map = new Map<string, ClientOnRecord[]>();
  for (const c of found)
    if (!map.get(c.key)?.some((x) => x.id === c.id)) map.set(c.key, [...(map.get(c.key) ?? []), c]);
  return map;
}

function byKey<T>(rows: T[], key: (row: T) => string): Map<string, T> {
  return new Map(rows.map((r) => [key(r), r]));
}
