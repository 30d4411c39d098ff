import busboy from 'busboy';
import type { Request } from 'express';
import { Readable } from 'node:stream';
import { badRequest, HttpError } from '@enrich/http';

export interface Upload {
  /** The file's content, to be consumed exactly once. */
  file: Readable;
  filename: string;
  /** Text form fields (multipart) or query parameters (raw upload). */
  fields: Record<string, string>;
}

/**
 * Accepts a CSV either as `multipart/form-data` (a `file` part, fields before it) or as a raw
 * `text/csv` body, streaming it without buffering the whole file. Limits abort with 413.
 */
export async function receiveUpload(req: Request, maxBytes: number): Promise<Upload> {
  const type = req.headers['content-type'] ?? '';
  const query = Object.fromEntries(Object.entries(req.query).filter((e): e is [string, string] => typeof e[1] === 'string'));
  if (type.startsWith('text/csv') || type.startsWith('application/csv') || type.startsWith('application/octet-stream')) {
    return { file: limitBytes(req, maxBytes), filename: query['name'] ?? 'upload.csv', fields: query };
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
      reject(badRequest('invalid_request', `malformed multipart request: ${(error as Error).message}`));
      return;
    }
    let settled = false;
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, file, info) => {
      if (name !== 'file') {
        file.resume();
        return;
      }
      file.on('limit', () => file.destroy(new HttpError(413, 'payload_too_large', `the file is larger than ${maxBytes} bytes`)));
      settled = true;
      resolve({ file, filename: info.filename || 'upload.csv', fields });
    });
    parser.on('error', (error) => (settled ? undefined : reject(badRequest('invalid_request', `malformed multipart request: ${(error as Error).message}`))));
    parser.on('close', () => {
      if (!settled) reject(badRequest('invalid_request', 'file: a multipart part named "file" is required'));
    });
    req.pipe(parser);
  });
}

function limitBytes(source: Readable, maxBytes: number): Readable {
  let seen = 0;
  // Pull-based: the source resumes whenever the consumer asks for more.
  const limited = new Readable({ read: () => source.resume() });
  source.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > maxBytes) {
      source.unpipe();
      limited.destroy(new HttpError(413, 'payload_too_large', `the file is larger than ${maxBytes} bytes`));
      return;
    }
    if (!limited.push(chunk)) source.pause();
  });
  source.on('end', () => limited.push(null));
  source.on('error', (error) => limited.destroy(error));
  return limited;
}
