/**
 * Reads a CSV download back as a spreadsheet would (RFC 4180: quoted cells, doubled quotes,
 * CRLF or LF line ends), so tests check cells rather than text.
 */
export { parseCsvCells as parseCsv } from '../../src/domain/case-import/csv-text';
