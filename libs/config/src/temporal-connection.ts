import { readFileSync } from 'node:fs';
import type { TemporalConfig } from './fragments';

/** Options shared by `Connection.connect` (clients) and `NativeConnection.connect` (workers). */
export interface TemporalConnectionOptions {
  address: string;
  tls?: boolean | { clientCertPair: { crt: Buffer; key: Buffer } };
  apiKey?: string;
}

/**
 * Connection options for a Temporal dev server, a self-hosted cluster with mTLS, or Temporal Cloud
 * with an API key (which implies TLS). Reads the certificate files once, at start.
 */
export function temporalConnectionOptions(temporal: TemporalConfig): TemporalConnectionOptions {
  const tls = temporal.tls
    ? { clientCertPair: { crt: readFileSync(temporal.tls.certPath), key: readFileSync(temporal.tls.keyPath) } }
    : temporal.apiKey
      ? true
      : undefined;
  return { address: temporal.address, ...(tls ? { tls } : {}), ...(temporal.apiKey ? { apiKey: temporal.apiKey } : {}) };
}
