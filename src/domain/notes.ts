import type { Pool } from 'pg';
import type { Actor } from './actor';
import { audit } from './audit';
import { assertOpen, changeCase, reportedTime } from './case-actions';
import { loadCase, type CaseDeps } from './cases';
import { UnprocessableError } from '../core/errors';

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

export async function listNotes(pool: Pool, actor: Actor, caseId: string): Promise<Note[]> {
  await loadCase(pool, actor, caseId);
  const rows = await pool.query<{
    id: string;
    type: NoteType;
    author_id: string;
    at: Date;
    body: string;
    amends_note_id: string | null;
  }>(
    'SELECT id, type, author_id, at, body, amends_note_id FROM case_notes WHERE case_id = $1 ORDER BY at, created_at',
    [caseId],
  );
  await audit(pool, actor, { action: 'read', entity: 'case_note', caseId, detail: { count: rows.rowCount } });
  return rows.rows.map((r) => ({
    id: r.id,
    type: r.type,
    authorId: r.author_id,
    at: r.at.toISOString(),
    body: r.body,
    amendsNoteId: r.amends_note_id,
  }));
}
