import type { z } from 'zod';
import { AppError } from '../../core/errors';
import { fieldErrorsFromZod, type FieldErrors } from './forms';

/**
 * The steps every case form shares after the person presses the button: parse with the JSON
 * route's own schema (so there is one set of rules), and turn a domain refusal into something the
 * form can show next to its fields instead of an error page.
 */
export type Parsed<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors };

/**
 * Parses what the form mapped to the API's shape. `labels` name the fields in the words on the
 * page; `better` replaces zod's sentence for a field where a plainer one helps (by field name).
 */
export function parseForm<S extends z.ZodType>(
  schema: S,
  input: unknown,
  labels: Record<string, string>,
  better: (name: string, message: string) => string = (_name, message) => message,
): Parsed<z.infer<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, data: result.data };
  const errors = fieldErrorsFromZod(result.error, labels);
  for (const name of Object.keys(errors)) errors[name] = better(name, errors[name]!);
  return { ok: false, errors };
}

/** What a refused change shows on the form: the status to answer with, a message, field errors. */
export interface Refusal {
  status: number;
  problem?: string;
  errors: FieldErrors;
}

const REASONS: Record<string, (label: string) => string> = {
  'in the future': (l) => `${l} cannot be in the future.`,
  'before intake': (l) => `${l} cannot be before the case was opened.`,
  'before the plan date': (l) => `${l} cannot be before today.`,
  'not found': (l) => `${l}: choose one from the list.`,
  inactive: (l) => `${l} is no longer active: choose another.`,
  deactivated: (l) => `${l} is no longer active: choose another.`,
  'no policy': (l) => `${l} has no policy yet: ask its program manager.`,
  'unknown life domain': (l) => `This program does not score ${l.charAt(0).toLowerCase()}${l.slice(1)}.`,
};

/**
 * A domain refusal the form can show (the record's state does not allow it, 409, or it cannot
 * apply, 422), or undefined for anything else, which the page's error handler answers. Field
 * problems (`body.goals.1.targetDate`) go next to their field (`goals-1-targetDate`, after
 * `rename`); the rest is the form's problem.
 */
export function refusalOf(
  err: unknown,
  labels: Record<string, string>,
  rename: (name: string) => string = (name) => name,
): Refusal | undefined {
  if (!(err instanceof AppError) || (err.status !== 409 && err.status !== 422)) return undefined;
  const errors: FieldErrors = {};
  for (const f of err.fields) {
    const name = rename(
      f.field
        .replace(/^body\./, '')
        .split('.')
        .join('-'),
    );
    const label = labels[name];
    if (!label || errors[name]) continue;
    errors[name] = (REASONS[f.reason] ?? ((l: string) => `${l}: ${f.reason}.`))(label);
  }
  return Object.keys(errors).length
    ? { status: err.status, errors }
    : { status: err.status, problem: err.message, errors };
}

/** Blank form text means "not given": the API's optional fields are then left out. */
export const given = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value;
