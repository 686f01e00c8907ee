import type { Pool } from 'pg';
import type { Actor } from './actor';
import { audit, auditEach } from './audit';
import { assertOpen, changeCase, reportedTime } from './case-actions';
import { loadCase, type CaseDeps } from './cases';
import { NotFoundError, UnprocessableError } from '../core/errors';

export type NoteType = 'contact' | 'progress' | 'supervision' | 'closing';

export interface NoteInput {
  type: NoteType;
  body: string;
  at?: string;
  amendsNoteId?: string;
}

export interface Note {
  id: string;
  type: NoteType;
  authorId: string;
  at: string;
  body: string;
  amendsNoteId: string | null;
  /** The notes that correct this one, oldest first. */
  amendedBy?: string[];
}

/** Notes are append-only: an amendment is a new note pointing at the one it corrects. */
export async function addNote(
  deps: CaseDeps,
  actor: Actor,
  caseId: string,
  input: NoteInput,
  now = deps.clock?.() ?? new Date(),
) {
  const at = reportedTime(input.at, now);
  return changeCase(deps, actor, caseId, async (db, row) => {
    assertOpen(row);
    if (at.getTime() < row.opened_at.getTime() - 365 * 86_400_000) {
      throw new UnprocessableError('at is long before the case was opened.', [
        { field: 'body.at', reason: 'before intake' },
      ]);
    }
    if (input.amendsNoteId) {
      const target = await db.query('SELECT 1 FROM case_notes WHERE id = $1 AND case_id = $2', [
        input.amendsNoteId,
        caseId,
      ]);
      if (target.rowCount === 0) {
        throw new UnprocessableError('amendsNoteId does not name a note on this case.', [
          { field: 'body.amendsNoteId', reason: 'not found' },
        ]);
      }
    }
    const id = (
      await db.query<{ id: string }>(
        `INSERT INTO case_notes (case_id, type, author_id, at, body, amends_note_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [caseId, input.type, actor.id, at, input.body, input.amendsNoteId ?? null],
      )
    ).rows[0]!.id;
    await audit(db, actor, { action: 'create', entity: 'case_note', entityId: id, caseId });
    return {
      result: {
        id,
        type: input.type,
        authorId: actor.id,
        at: at.toISOString(),
        body: input.body,
        amendsNoteId: input.amendsNoteId ?? null,
      },
      event: { type: 'note_added', noteType: input.type, at: at.toISOString() },
    };
  });
}

/** Where the next page of notes starts: the last note shown, by the order the list is in. */
interface NoteCursor {
  at: string;
  createdAt: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Exactly what listNotes writes: a UTC instant with PostgreSQL's microseconds. */
const ISSUED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const issuedTime = (t: unknown): t is string =>
  typeof t === 'string' && ISSUED_TIME.test(t) && !Number.isNaN(new Date(t).getTime());

const encodeCursor = (c: NoteCursor): string =>
  Buffer.from(JSON.stringify({ a: c.at, c: c.createdAt, id: c.id })).toString('base64url');

/** A cursor is client-held text: only the exact shape this API issues is let near SQL (422 otherwise). */
function decodeCursor(text: string): NoteCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const { a, c, id, ...rest } = parsed as Record<string, unknown>;
      if (
        Object.keys(rest).length === 0 &&
        issuedTime(a) &&
        issuedTime(c) &&
        typeof id === 'string' &&
        UUID.test(id)
      )
        return { at: a, createdAt: c, id };
    }
  } catch {
    // fall through
  }
  throw new UnprocessableError('The cursor is not one this API issued.', [
    { field: 'query.cursor', reason: 'invalid cursor' },
  ]);
}

export interface NotePage {
  items: Note[];
  nextCursor: string | null;
}

const PG_INSTANT = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

/**
 * The case's notes, oldest first (by when they happened, then when they were written), or newest
 * first when asked (the case page), a page at a time. Each note lists the notes that amend it, so a correction is found from the original.
 * Every note shown is audited.
 */
export async function listNotes(
  pool: Pool,
  actor: Actor,
  caseId: string,
  page: { limit?: number; cursor?: string; newestFirst?: boolean } = {},
): Promise<NotePage> {
  const limit = page.limit ?? 25;
  // The cursor names the last note shown; the next page is the notes past it in the same order.
  const [past, direction] = page.newestFirst ? ['<', 'DESC'] : ['>', 'ASC'];
  const after = page.cursor ? decodeCursor(page.cursor) : undefined;
  await loadCase(pool, actor, caseId);
  const rows = (
    await pool.query<{
      id: string;
      type: NoteType;
      author_id: string;
      at: Date;
      body: string;
      amends_note_id: string | null;
      amended_by: string[];
      at_text: string;
      created_text: string;
    }>(
      `SELECT n.id, n.type, n.author_id, n.at, n.body, n.amends_note_id,
              ARRAY(SELECT a.id FROM case_notes a WHERE a.amends_note_id = n.id ORDER BY a.at, a.created_at, a.id) AS amended_by,
              to_char(n.at AT TIME ZONE 'UTC', ${PG_INSTANT}) AS at_text,
              to_char(n.created_at AT TIME ZONE 'UTC', ${PG_INSTANT}) AS created_text
         FROM case_notes n
        WHERE n.case_id = $1
          AND ($2::timestamptz IS NULL OR (n.at, n.created_at, n.id) ${past} ($2::timestamptz, $3::timestamptz, $4::uuid))
        ORDER BY n.at ${direction}, n.created_at ${direction}, n.id ${direction}
        LIMIT $5`,
      [caseId, after?.at ?? null, after?.createdAt ?? null, after?.id ?? null, limit + 1],
    )
  ).rows;
  const shown = rows.slice(0, limit);
  await auditEach(
    pool,
    actor,
    { action: 'read', entity: 'case_note' },
    shown.map((r) => ({ entityId: r.id, caseId })),
  );
  const last = shown.at(-1);
  return {
    items: shown.map((r) => ({
      id: r.id,
      type: r.type,
      authorId: r.author_id,
      at: r.at.toISOString(),
      body: r.body,
      amendsNoteId: r.amends_note_id,
      amendedBy: r.amended_by,
    })),
    nextCursor:
      rows.length > limit && last
        ? encodeCursor({ at: last.at_text, createdAt: last.created_text, id: last.id })
        : null,
  };
}

/** One note of the case with the notes that amend it, oldest first; each note shown is audited. */
export async function getNote(
  pool: Pool,
  actor: Actor,
  caseId: string,
  noteId: string,
): Promise<{ note: Note; amendments: Note[] }> {
  await loadCase(pool, actor, caseId);
  const rows = (
    await pool.query<{
      id: string;
      type: NoteType;
      author_id: string;
      at: Date;
      body: string;
      amends_note_id: string | null;
    }>(
      `SELECT id, type, author_id, at, body, amends_note_id FROM case_notes
        WHERE case_id = $1 AND (id = $2 OR amends_note_id = $2)
        ORDER BY (id = $2) DESC, at, created_at, id`,
      [caseId, noteId],
    )
  ).rows;
  const [first, ...rest] = rows;
  if (!first || first.id !== noteId) throw new NotFoundError(`No note ${noteId} on this case.`);
  await auditEach(
    pool,
    actor,
    { action: 'read', entity: 'case_note' },
    rows.map((r) => ({ entityId: r.id, caseId })),
  );
  const toNote = (r: (typeof rows)[number]): Note => ({
    id: r.id,
    type: r.type,
    authorId: r.author_id,
    at: r.at.toISOString(),
    body: r.body,
    amendsNoteId: r.amends_note_id,
  });
  return { note: { ...toNote(first), amendedBy: rest.map((r) => r.id) }, amendments: rest.map(toNote) };
}
