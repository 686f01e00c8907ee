import type { Pool } from 'pg';
import { IMPORT_COLUMNS } from '../../src/domain/case-import/columns';
import { createProgram, createProvider } from './fixtures';

/** An import file from rows given by column name (every template column in the header). */
export function importFile(rows: Record<string, string>[]): Uint8Array {
  const names = IMPORT_COLUMNS.map((c) => c.name);
  const quote = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [names.join(','), ...rows.map((r) => names.map((n) => quote(r[n] ?? '')).join(','))];
  return new TextEncoder().encode(`${lines.join('\r\n')}\r\n`);
}

/** YYYY-MM-DD of an instant `days` before `from` (UTC). */
export const daysBefore = (from: number, days: number): string =>
  new Date(from - days * 86_400_000).toISOString().slice(0, 10);

/** The staff, program and provider docs/import-sample.csv names (as `npm run dev`'s demo data has them). */
export async function sampleFileRecords(pool: Pool): Promise<void> {
  const person = async (email: string, role: string, supervisorId: string | null = null): Promise<string> =>
    (
      await pool.query<{ id: string }>(
        'INSERT INTO staff (email, full_name, role, supervisor_id) VALUES ($1, $1, $2, $3) RETURNING id',
        [email, role, supervisorId],
      )
    ).rows[0]!.id;
  const sam = await person('sam.supervisor@demo.caseloop.local', 'supervisor');
  await person('casey.manager@demo.caseloop.local', 'case_manager', sam);
  await person('dana.digest@demo.caseloop.local', 'case_manager', sam);
  await createProgram(pool, { name: 'Housing Stability' });
  await createProvider(pool, 'Northside Employment Hub');
}
