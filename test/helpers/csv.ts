import { parse } from 'csv-parse/sync';

/**
 * Reads a CSV download back as a spreadsheet would, with a real CSV parser (csv-parse: RFC 4180
 * quoting, doubled quotes, CRLF line ends, newlines inside quoted cells), dropping the UTF-8 byte
 * order mark the downloads start with; so tests check cells rather than text.
 */
export function parseCsv(text: string | Buffer): string[][] {
  return parse(text, { bom: true });
}

/** The download's bytes: `Response.text()` would drop a byte order mark, which the tests check. */
export async function csvBytes(res: Response): Promise<Buffer> {
  return Buffer.from(await res.arrayBuffer());
}

export const UTF8_BOM_BYTES = Buffer.from([0xef, 0xbb, 0xbf]);
