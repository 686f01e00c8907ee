import type { z } from 'zod';
import { ValidationError, type FieldProblem } from '../domain/errors';

/** Parses one part of a request with a strict schema; every issue becomes a named field problem. */
export function parseInput<T extends z.ZodType>(
  part: 'body' | 'query' | 'params' | 'headers',
  schema: T,
  value: unknown,
): z.infer<T> {
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
