import { API_KEY_PREFIX } from '@enrich/domain';
import type { ApiKeyRepository, VerifiedApiKey } from '@enrich/db';
import { tokenDigest, unauthorized, type CredentialVerifier } from '@enrich/http';
import type { Principal } from './principal';

/** Options of {@link ApiKeyVerifier}. */
export interface ApiKeyVerifierOptions {
  realm: string;
  /**
   * How long an answer about a key is reused: the most a revoked key keeps working, and how often a
   * busy key costs a database read.
   */
  cacheMs: number;
  /** Keys remembered at once (oldest dropped first). */
  cacheSize?: number;
  now?: () => number;
}

type Answer = { principal: Principal } | { refusal: string };

/**
 * The tenants' API keys (`ek_…`), checked against the database and remembered for a few seconds
 * by a digest of the key (never the key), so a request costs no database read in steady use and a
 * revocation takes effect within {@link ApiKeyVerifierOptions.cacheMs}.
 */
export class ApiKeyVerifier implements CredentialVerifier<Principal> {
  private readonly answers = new Map<string, { answer: Answer; until: number }>();
  private readonly now: () => number;

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly options: ApiKeyVerifierOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async verify(token: string): Promise<Principal | undefined> {
    if (!token.startsWith(API_KEY_PREFIX)) return undefined;
    const digest = tokenDigest(token);
    const now = this.now();
    let cached = this.answers.get(digest);
    if (!cached || cached.until <= now) {
      cached = { answer: answerOf(await this.keys.verify(token, new Date(now))), until: now + this.options.cacheMs };
      this.remember(digest, cached);
    }
    if ('refusal' in cached.answer) throw unauthorized(cached.answer.refusal, { realm: this.options.realm });
    return cached.answer.principal;
  }

  private remember(digest: string, entry: { answer: Answer; until: number }): void {
    this.answers.delete(digest);
    this.answers.set(digest, entry);
    const limit = this.options.cacheSize ?? 10_000;
    for (const oldest of this.answers.keys()) {
      if (this.answers.size <= limit) break;
      this.answers.delete(oldest);
    }
  }
}

function answerOf(verified: Awaited<ReturnType<ApiKeyRepository['verify']>>): Answer {
  if ('refused' in verified) {
    const refusals = {
      malformed: 'The API key is malformed: it should look like ek_<12 hex digits>_<43 characters>.',
      unknown: 'The API key is not valid.',
      revoked: `The API key ${verified.id} has been revoked: ask an admin of your tenant for a new one.`,
      expired: `The API key ${verified.id} has expired (it was rotated): use its replacement.`,
    } as const;
    return { refusal: refusals[verified.refused] };
  }
  return { principal: principalOf(verified) };
}

function principalOf({ record, tenant }: VerifiedApiKey): Principal {
  return { via: 'api-key', tenant, scopes: new Set(record.scopes), subject: record.id };
}
