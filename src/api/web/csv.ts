import type { Response } from 'express';

/**
 * CSV downloads (RFC 4180, CRLF lines). A cell a spreadsheet would run as a formula (starting with
 * = + - @, or a tab or carriage return) gets a leading apostrophe, so opening an export runs nothing.
 */
export function csvCell(value: string | number | null): string {
  let text = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvLine = (cells: readonly (string | number | null)[]): string =>
  `${cells.map(csvCell).join(',')}\r\n`;

/**
 * The UTF-8 byte order mark. Excel reads a CSV without it in the computer's legacy code page
 * (Windows-1252 and the like), so "Zoë Müller" arrives as "ZoÃ« MÃ¼ller"; with it, Excel, LibreOffice,
 * Numbers and Google Sheets all read UTF-8. CSV parsers drop it (csv-parse's `bom` option).
 */
export const UTF8_BOM = '\uFEFF';

/** A file name for content-disposition: letters, digits, dot, dash and underscore only. */
const safeFileName = (name: string): string => name.replace(/[^A-Za-z0-9._-]+/g, '-');

/**
 * Starts a CSV download: the headers every export carries (an attachment, never cached: it holds
 * client data), the byte order mark and the header row. Rows follow with `writeCsvRows`.
 */
export function startCsv(res: Response, fileName: string, header: readonly string[]): void {
  res.status(200).set({
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${safeFileName(fileName)}"`,
    'cache-control': 'no-store',
  });
  res.write(UTF8_BOM + csvLine(header));
}

/** How long a download may stall (its reader taking nothing) before it is cut: it holds a connection. */
export const STALLED_DOWNLOAD_MS = 120_000;

/** Writes rows, waiting while the client is slower than the database (a full socket buffer). */
export async function writeCsvRows(
  res: Response,
  rows: readonly (readonly (string | number | null)[])[],
  stalledAfterMs = STALLED_DOWNLOAD_MS,
): Promise<void> {
  // The client went away (closed the tab, cancelled the download): stop reading the database.
  if (res.destroyed) throw new Error('The download was cancelled.');
  if (rows.length === 0) return;
  if (res.write(rows.map(csvLine).join(''))) return;
  await new Promise<void>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(() => {
      res.off('drain', done);
      res.off('close', done);
      res.destroy();
      reject(new Error('The download stalled.'));
    }, stalledAfterMs);
    res.on('drain', done);
    res.on('close', done);
  });
}

/** A small table (a report's figures) as one CSV download. */
export function sendCsv(
  res: Response,
  fileName: string,
  header: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
): void {
  startCsv(res, fileName, header);
  res.end(rows.map(csvLine).join(''));
}
