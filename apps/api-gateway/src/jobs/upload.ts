import busboy from 'busboy';
import type { Request } from 'express';
import { EncodingSniffer } from '@enrich/domain';
import { type Readable, Transform } from 'node:stream';
import { badRequest, HttpError } from '@enrich/http';

export interface Upload {
  /**
   * The file's content, to be consumed exactly once (or drained with `resume()`). It fails with an
   * {@link HttpError} when the file is over the limit (413), the multipart body is malformed or cut
   * short (400), or the client goes away mid-upload; its consumer sees that error, never a file
   * that merely ends early.
   */
  file: Readable;
  filename: string;
  /**
   * Text form fields (multipart) or query parameters (raw upload). A raw upload's `charset` (of
   * its Content-Type) is given as `encoding` unless the query names one.
   */
  fields: Record<string, string>;
  /** Has seen every byte of `file` once it has been read to its end: `finish()` tells its encoding. */
  sniffer: EncodingSniffer;
  /**
   * Settles once the whole request body has been read: rejects (with an {@link HttpError}) when it
   * turns out malformed or cut short after the file part itself was complete. Await it before
   * keeping anything: a file whose request never completed is not an upload.
   */
  complete: Promise<void>;
}

/**
 * Accepts a CSV either as `multipart/form-data` (a `file` part, fields before it) or as a raw
 * `text/csv` body, streaming it without buffering the whole file. Limits abort with 413.
 */
export async function receiveUpload(req: Request, maxBytes: number): Promise<Upload> {
  const type = req.headers['content-type'] ?? '';
  const query = Object.fromEntries(Object.entries(req.query).filter((e): e is [string, string] => typeof e[1] === 'string'));
  if (type.startsWith('text/csv') || type.startsWith('application/csv') || type.startsWith('application/octet-stream')) {
    const sniffer = new EncodingSniffer();
    const file = fileStream(maxBytes, sniffer);
    req.pipe(file);
    onClientGone(req, (error) => file.destroy(error));
    const charset = /;\s*charset="?([^";\s]+)"?/i.exec(type)?.[1];
    // The file is the body: once it has ended, the request is complete.
    return {
      file,
      filename: query['name'] ?? 'upload.csv',
      fields: { ...(charset ? { encoding: charset } : {}), ...query },
      sniffer,
      complete: Promise.resolve(),
    };
  }
  if (type.startsWith('multipart/form-data')) return receiveMultipart(req, maxBytes, query);
  throw new HttpError(415, 'unsupported_media_type', 'send the CSV as multipart/form-data (field "file") or with Content-Type: text/csv');
}

function receiveMultipart(req: Request, maxBytes: number, query: Record<string, string>): Promise<Upload> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = { ...query };
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes, fields: 20, fieldSize: 64 * 1024 } });
    } catch (error) {
      reject(malformed(error));
      return;
    }
    let file: Readable | undefined;
    let bodyDone!: { resolve: () => void; reject: (error: Error) => void };
    const complete = new Promise<void>((resolve, reject) => (bodyDone = { resolve, reject }));
    // Nobody may be waiting for it yet (a refused request): never an unhandled rejection.
    complete.catch(() => undefined);
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, part, info) => {
      if (name !== 'file' || file) {
        part.on('error', () => undefined).resume();
        return;
      }
      // Our own stream in front of busboy's, so every way the part can fail reaches the reader as
      // an HttpError: busboy fails the part with a plain Error when the body ends before its
      // closing boundary ("Unexpected end of form").
      const sniffer = new EncodingSniffer();
      const own = fileStream(maxBytes, sniffer);
      file = own;
      part.on('limit', () => own.destroy(tooLarge(maxBytes)));
      part.on('error', (error) => own.destroy(malformed(error)));
      part.pipe(own);
      resolve({ file: own, filename: info.filename || 'upload.csv', fields, sniffer, complete });
    });
    // Before the file part: the request fails. After it: the file does, and so does the body.
    parser.on('error', (cause) => {
      const error = malformed(cause);
      bodyDone.reject(error);
      if (file) file.destroy(error);
      else reject(error);
    });
    parser.on('close', () => {
      bodyDone.resolve();
      if (!file) reject(badRequest('invalid_request', 'file: a multipart part named "file" is required'));
    });
    req.pipe(parser);
    onClientGone(req, (error) => parser.destroy(error));
  });
}

/**
 * The upload as its reader sees it: at most `maxBytes` bytes (then it fails with 413), each shown
 * to the encoding sniffer on the way, and failures kept for the reader ({@link errorsKeptForConsumer}).
 */
function fileStream(maxBytes: number, sniffer: EncodingSniffer): Transform {
  let seen = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > maxBytes) return done(tooLarge(maxBytes));
      sniffer.push(chunk);
      done(null, chunk);
    },
  });
  return errorsKeptForConsumer(stream);
}

/** Calls `fail` when the request ends before its body is complete (the client went away). */
function onClientGone(req: Request, fail: (error: HttpError) => void): void {
  req.on('error', () => fail(clientGone()));
  req.on('close', () => {
    if (!req.complete) fail(clientGone());
  });
}

/**
 * An upload stream may fail before anyone reads it (a limit hit or a client gone while the blob
 * store opens its file): without a listener that 'error' event would take the whole process down.
 * The error is not lost: a stream destroyed with an error keeps it (`errored`), and the consumer's
 * `pipeline` rejects with it.
 */
function errorsKeptForConsumer<T extends Readable>(stream: T): T {
  stream.on('error', () => undefined);
  return stream;
}

const tooLarge = (maxBytes: number) => new HttpError(413, 'payload_too_large', `the file is larger than ${maxBytes} bytes`);
const malformed = (error: unknown) =>
  error instanceof HttpError ? error : badRequest('invalid_request', `malformed multipart request: ${error instanceof Error ? error.message : String(error)}`);
const clientGone = () => badRequest('upload_incomplete', 'the request body ended before the upload was complete');
