import busboy from 'busboy';
import type { RequestHandler } from 'express';
import { PayloadTooLargeError, ValidationError } from '../../core/errors';

/** One uploaded file, read whole into memory (bounded by the limit). */
export interface UploadedFile {
  name: string;
  bytes: Buffer;
}

/**
 * Parses a multipart/form-data form with one file into `req.body` (its text fields, `_csrf`
 * among them, so the usual CSRF check runs after it) and `res.locals.upload`. A file over
 * `maxBytes` is a 413, after the rest of the body has been read (so the browser sees the page).
 */
export function multipartUpload(field: string, maxBytes: number): RequestHandler {
  return (req, res, next) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 4096, parts: 12 },
      });
    } catch {
      return next(new ValidationError('This form must be sent as multipart/form-data with a file.'));
    }
    const fields: Record<string, string> = {};
    const chunks: Buffer[] = [];
    let fileName: string | undefined;
    let tooLarge = false;
    let failed: Error | undefined;
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      if (name !== field) return void stream.resume();
      fileName = info.filename ?? 'upload.csv';
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => {
        tooLarge = true;
        chunks.length = 0;
      });
    });
    parser.on('error', (err: Error) => {
      failed = err;
      req.unpipe(parser);
      req.resume();
      next(new ValidationError('The upload could not be read. Choose the file and send it again.'));
    });
    parser.on('close', () => {
      if (failed) return;
      req.body = fields;
      if (tooLarge)
        return next(
          new PayloadTooLargeError(
            `The file is larger than ${Math.round(maxBytes / 1_000_000)} MB. Split it and import each part.`,
          ),
        );
      if (fileName !== undefined) res.locals.upload = { name: fileName, bytes: Buffer.concat(chunks) };
      next();
    });
    req.pipe(parser);
  };
}
