/**
 * A CSV file's bytes as rows of cells (RFC 4180: quoted cells, doubled quotes, CRLF or LF), the way
 * spreadsheet programs save them: a UTF-8 byte-order mark is dropped, and bytes that are not UTF-8
 * (a file saved as "CSV" in a legacy code page) are refused with the row they are on.
 */

export type CsvText = { ok: true; rows: string[][] } | { ok: false; row: number; reason: string };

export function readCsv(bytes: Uint8Array): CsvText {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const lossy = new TextDecoder('utf-8').decode(bytes);
    const at = lossy.indexOf('\uFFFD');
    const row = lossy.slice(0, Math.max(0, at)).split('\n').length;
    return { ok: false, row, reason: 'not UTF-8 text: save the file as "CSV UTF-8"' };
  }
  const rows = parseCsvCells(text);
  // Spreadsheets often end with blank lines: they are not rows.
  while (rows.length && rows[rows.length - 1]!.every((c) => c.trim() === '')) rows.pop();
  return { ok: true, rows };
}

/** RFC 4180 cells, as a spreadsheet reads them (tests read CSV downloads back with it too). */
export function parseCsvCells(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      if (c === '\r') i++;
      rows.push([...row, cell]);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}
