import express, { Router, type Request, type RequestHandler } from 'express';
import { PayloadDecodeError } from '@enrich/codec';
import type { Payload } from '@temporalio/common';
import { authenticate, callerOf, type Authenticator } from '../auth/authenticator';
import type { NamespaceCodecs } from '../codec/namespace-codecs';
import { openSealedFields } from '../codec/open-sealed';
import { payloadsFromJson, PayloadsJsonError, payloadsToJson } from '../codec/payload-json';
import { badRequest } from '@enrich/http';

/** What {@link codecRoutes} needs. */
export interface CodecRoutesDeps {
  authenticator: Authenticator;
  codecs: NamespaceCodecs;
  /** Largest accepted body, in bytes. */
  maxBodyBytes: number;
}

/** The namespace when neither the path nor `X-Namespace` names one. */
export const DEFAULT_NAMESPACE = 'default';

// Temporal namespace names: letters, digits, '.', '_' and '-'.
const NAMESPACE = /^[A-Za-z0-9._-]{1,255}$/;

/**
 * `POST /encode`, `POST /decode` and the same under `/{namespace}/`, per Temporal's remote codec
 * protocol (proto3 JSON `Payloads` in and out; the query string, e.g. the Web UI's
 * `?preserveStorageRefs=true`, is ignored). Authentication runs before the body is even read.
 */
export function codecRoutes({ authenticator, codecs, maxBodyBytes }: CodecRoutesDeps): Router {
  const router = Router();
  // Any content type: the CLI and other clients do not all say application/json.
  const body = express.json({ limit: maxBodyBytes, type: () => true, strict: false });
  const auth = authenticate(authenticator);

  const encode: RequestHandler = async (req, res) => {
    const { codec } = codecs.get(namespaceOf(req));
    const payloads = parse(req.body);
    // Encoding never opens anything, whatever the role: an `ops` caller cannot use it to unseal.
    res.json(payloadsToJson(await codec.encode(payloads)));
  };

  const decode: RequestHandler = async (req, res) => {
    const caller = callerOf(req);
    const { codec, sealer } = codecs.get(namespaceOf(req));
    const payloads = parse(req.body);
    const decoded: Payload[] = [];
    let failedSeals = 0;
    for (const [index, payload] of payloads.entries()) {
      let plain = await decodeOne(codec, payload, index);
      if (caller.role === 'pii') {
        const opened = await openSealedFields(plain, sealer);
        plain = opened.payload;
        failedSeals += opened.failed;
      }
      decoded.push(plain);
    }
    if (failedSeals > 0) req.log.warn({ failedSeals }, 'sealed values that did not open were left sealed');
    res.json(payloadsToJson(decoded));
  };

  router.post(['/encode', '/:namespace/encode'], auth, body, encode);
  router.post(['/decode', '/:namespace/decode'], auth, body, decode);
  return router;
}

/** The path's namespace wins over `X-Namespace`; neither means {@link DEFAULT_NAMESPACE}. */
function namespaceOf(req: Request): string {
  const fromPath = (req.params as { namespace?: string }).namespace;
  const fromHeader = req.headers['x-namespace'];
  const namespace = fromPath ?? (typeof fromHeader === 'string' && fromHeader !== '' ? fromHeader : DEFAULT_NAMESPACE);
  if (!NAMESPACE.test(namespace)) throw badRequest('invalid_namespace', 'The namespace must be 1-255 letters, digits, ".", "_" or "-".');
  return namespace;
}

function parse(body: unknown): Payload[] {
  try {
    return payloadsFromJson(body);
  } catch (error) {
    if (error instanceof PayloadsJsonError) throw badRequest('invalid_payloads', `Invalid codec request: ${error.message}.`, {}, { cause: error });
    throw error;
  }
}

/**
 * Decodes one payload, so a failure names its index. The message names keys and reasons (another
 * namespace, tampering, a key not on the allowlist, the key provider failing), never data.
 */
async function decodeOne(codec: { decode(payloads: Payload[]): Promise<Payload[]> }, payload: Payload, index: number): Promise<Payload> {
  try {
    const [decoded] = await codec.decode([payload]);
    return decoded as Payload;
  } catch (error) {
    if (!(error instanceof PayloadDecodeError)) throw error;
    throw badRequest('decode_failed', `payloads[${index}] could not be decoded: ${error.message}`, { index }, { cause: error });
  }
}
