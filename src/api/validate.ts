import type { z } from 'zod';
import { ValidationError, type FieldProblem } from '../core/errors';

const NUL = '\u0000';

/**
 * Paths of every string (value or key) holding U+0000. PostgreSQL cannot store it in text, and no
 * person types it, so it is refused at the edge for every body, query and path field alike.
 */
function nulFields(value: unknown, path: string[]): string[] {
  if (typeof value === 'string') return value.includes(NUL) ? [path.join('.')] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => nulFields(v, [...path, String(i)]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) =>
      k.includes(NUL) ? [[...path, k.replaceAll(NUL, '\\u0000')].join('.')] : nulFields(v, [...path, k]),
    );
  }
  return [];
}

/** Parses one part of a request with a strict schema; every issue becomes a named field problem. */
export function parseInput<T extends z.ZodType>(
  part: 'body' | 'query' | 'params' | 'headers',
  schema: T,
  value: unknown,
): z.infer<T> {
  const withNul = nulFields(value, [part]);
  if (withNul.length) {
    throw new ValidationError(
      `The ${part} has ${withNul.length} field(s) containing U+0000.`,
      withNul.map((field) => ({ field, reason: 'must not contain the NUL character (U+0000)' })),
    );
  }
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const fields: FieldProblem[] = result.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: [part, ...issue.path.map(String), key].join('.'),
        reason: 'is not a known field',
      }));
    }
    return [{ field: [part, ...issue.path.map(String)].join('.'), reason: issue.message }];
  });
  throw new ValidationError(`The ${part} has ${fields.length} problem(s).`, fields);
}
