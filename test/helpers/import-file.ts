import { IMPORT_COLUMNS } from '../../src/domain/case-import/columns';

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
