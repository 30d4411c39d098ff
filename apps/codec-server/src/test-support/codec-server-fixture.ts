import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCodecKit, createDataKeyCache, type CodecKit } from '@enrich/codec';
import type { Env } from '@enrich/config';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { Logger } from 'pino';
import { createCodecServerApp } from '../app';
import { codecAuthenticator } from '../auth/authenticator';
import { NamespaceCodecs } from '../codec/namespace-codecs';
import { loadCodecServerConfig, type CodecServerConfig } from '../config';
import { payloadsToJson, type PayloadsJson } from '../codec/payload-json';

/** A random static token, long enough for the config's rules. */
export const newToken = (label: string): string => `${label}-${randomBytes(18).toString('base64url')}`;

/** A fresh directory for a local master-key file, removed by {@link TempKeys.remove}. */
export interface TempKeys {
  /** Pass as `CODEC_LOCAL_KEY_FILE`; the local key provider creates it on first use. */
  keyFile: string;
  remove(): void;
}

export function tempKeys(): TempKeys {
  const dir = mkdtempSync(join(tmpdir(), 'codec-server-keys-'));
  return { keyFile: join(dir, 'master-keys.json'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A codec server listening on loopback. */
export interface RunningCodecServer {
  url: string;
  port: number;
  config: CodecServerConfig;
  close(): Promise<void>;
}

/**
 * Starts the codec server the way `main.ts` does, from a literal environment (the local key
 * provider on a temp key file), on `port` (0 = any free one).
 */
export async function startCodecServer(env: Env, options: { port?: number; logger?: Logger } = {}): Promise<RunningCodecServer> {
  const config = loadCodecServerConfig(env);
  const keys = createDataKeyCache(config.codec);
  const app = createCodecServerApp({
    authenticator: codecAuthenticator(config.auth),
    codecs: new NamespaceCodecs(config.codec, keys),
    corsOrigins: config.cors.origins,
    maxBodyBytes: config.maxBodyBytes,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const server = app.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    config,
    close: async () => {
      await closeServer(server);
      keys.clear();
    },
  };
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

/** What a worker or client of `namespace` uses: same key file as the server, its own key cache. */
export function clientKit(keyFile: string, namespace = 'default'): CodecKit {
  return createCodecKit(loadCodecServerConfig({ CODEC_LOCAL_KEY_FILE: keyFile, CODEC_AUTH_DISABLED: 'true' }).codec, { namespace });
}

/** `value` as a `json/plain` payload, encrypted by `kit` and shaped as a codec request body. */
export async function encryptedBody(kit: CodecKit, ...values: unknown[]): Promise<PayloadsJson> {
  const payloads = values.map((value) => defaultPayloadConverter.toPayload(value));
  return payloadsToJson(await kit.codec.encode(payloads));
}

/** The JSON values inside a codec response's `json/plain` payloads. */
export function jsonValues(body: PayloadsJson): unknown[] {
  return body.payloads.map((payload) => JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8')));
}

/** A payload of a codec response, as Temporal's type. */
export function toPayload(json: PayloadsJson['payloads'][number]): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(json.metadata).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
    data: Buffer.from(json.data, 'base64'),
  };
}

/** A JWT issuer for tests: an ES256 key pair, a JWKS served over HTTP, and a signer. */
export interface TestIssuer {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** A signed JWT: `claims` over defaults (iss, aud, sub, exp in 5 min); `key` signs instead of the published one. */
  sign(claims?: Record<string, unknown>, options?: { key?: KeyObject; alg?: string; kid?: string }): string;
  close(): Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = 'test-key-1';
  const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }] };
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(jwks));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const issuer = 'https://idp.test.enrich';
  const audience = 'codec-server';
  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    issuer,
    audience,
    sign: (claims = {}, options = {}) => {
      const now = Math.floor(Date.now() / 1000);
      const header = { alg: options.alg ?? 'ES256', typ: 'JWT', kid: options.kid ?? kid };
      const payload = { iss: issuer, aud: audience, sub: 'user-1', iat: now, exp: now + 300, ...claims };
      const signingInput = `${b64url(header)}.${b64url(payload)}`;
      const signature =
        header.alg === 'none' ? Buffer.alloc(0) : sign('sha256', Buffer.from(signingInput), { key: options.key ?? privateKey, dsaEncoding: 'ieee-p1363' });
      return `${signingInput}.${signature.toString('base64url')}`;
    },
    close: () => closeServer(server),
  };
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}
