import type { FieldSealer } from '@enrich/codec';
import { addVendorUsage, type CustomerRecord, type LookupStats, sealPersonalFields, type StoredEnrichedField } from '@enrich/domain';
import type { CachedAnswer, LookupCacheRepository } from '@enrich/db';
import DataLoader from 'dataloader';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestBody, VendorCost } from './adapter';
import {
  isRetryable,
  ProviderConfigurationError,
  ProviderError,
  ProviderMalformedAnswerError,
  ProviderOutOfCreditsError,
  ProviderRateLimitedError,
} from './errors';
import { lookupKey } from './lookup-key';
import type { RateBudget } from './rate-budget';
import type { ProviderLookup } from './vendor-client';

/**
 * Where a job's calls are billed, durably: `record` resolves once the entry is stored. A call is
 * recorded before its request leaves (so an attempt that dies right after still counts it), and its
 * matches and credits once the answer is back.
 */
export interface CallLedger {
  record(vendor: string, usage: { calls?: number; lookups?: number; matches?: number; credits?: number }): Promise<void>;
}

/** How a request to a vendor ended, as metrics name it. */
export type CallOutcome = 'found' | 'not_found' | 'rate_limited' | 'out_of_credits' | 'refused' | 'malformed' | 'rejected' | 'unavailable' | 'aborted';

/** What a lookup service tells the process's metrics, as it happens (every method is cheap and synchronous). */
export interface LookupObserver {
  /** A request to `vendor` ended after `seconds`. */
  called(vendor: string, outcome: CallOutcome, seconds: number): void;
  /** A lookup was served from the cache (`true`) or had to go to the vendor (`false`). */
  cached(vendor: string, hit: boolean): void;
  /** The vendor's budget now: calls holding a slot, the most that may, calls waiting for one. */
  budget(vendor: string, usage: { inFlight: number; maxInFlight: number; waiting: number }): void;
}

/** What a provider client must offer to be looked up through {@link LookupService}. */
export interface ProviderClient {
  readonly name: string;
  /** The request for `record`, or undefined when the record lacks what the provider needs. */
  request(record: CustomerRecord): RequestBody | undefined;
  lookup(record: CustomerRecord, signal?: AbortSignal): Promise<ProviderLookup>;
}

/**
 * The outcome for one record; `unavailable` means try again later (the row stays pending). The
 * values of personal fields found are sealed (`PERSONAL_ENRICHED_FIELDS`), fresh or cached.
 */
export type LookupOutcome =
  | { kind: 'found'; fields: StoredEnrichedField[]; fromCache: boolean }
  | { kind: 'not_found'; provider: string; fromCache: boolean }
  | { kind: 'rejected'; reason: string }
  | { kind: 'unavailable'; error: Error };

export interface LookupServiceOptions {
  provider: ProviderClient;
  /** Shared by every activity of the process: rate and concurrency towards this provider. */
  budget: RateBudget;
  /** Answers already paid for; none = every lookup calls the provider. */
  cache?: Pick<LookupCacheRepository, 'getMany' | 'putMany'>;
  /**
   * Seals the personal values of an answer as it arrives, before it is cached or handed on: the
   * cache, the page activity and the results table only ever see them sealed.
   */
  sealer: Pick<FieldSealer, 'sealRecord'>;
  cacheTtlMs: number;
  /**
   * Attempts of one call before the record is reported unavailable (default 4). A row left
   * unavailable fails its whole page attempt into Temporal's backoff, so quick retries here are
   * cheaper: at a provider failing 10 % of calls, one row in 10,000 exhausts four attempts.
   */
  callAttempts?: number;
  /** First backoff between attempts; doubles each time (Retry-After wins when longer). */
  callBackoffMs?: number;
  /** What the vendor charges; counted per vendor in the stats as calls are answered. */
  cost?: VendorCost;
  /** Told of every request, cache lookup and budget change (metrics); none: nobody. */
  observer?: LookupObserver;
  now?: () => number;
}

/**
 * Looks records up at one provider: answers cached within their TTL are used as they are, equal
 * requests (in one batch, or from pages running at once) share one call, and the rest go to the
 * provider through the shared rate budget with a few quick retries. New answers, found or not, are
 * cached so no contact is paid for twice. Cache reads and writes of lookups made at about the same
 * time (one turn of the event loop) go to the database together, so rows can be looked up one by one
 * without a query each. Personal values are sealed as soon as the provider answers, so they are
 * cached sealed and passed on sealed (a cache hit is never opened).
 */
export class LookupService {
  /** Calls in flight in this process by key: concurrent pages asking for one contact share a call. */
  private readonly inFlight = new Map<string, Promise<LookupOutcome>>();
  /** Set when the vendor refused our credentials: it is not called again by this process. */
  private disabled?: ProviderConfigurationError;
  /** Set while the vendor is out of credits: no call until `pausedUntil`. */
  private outOfCredits?: ProviderOutOfCreditsError;
  private pausedUntil = 0;
  private readonly now: () => number;
  private readonly cacheReads?: DataLoader<string, CachedAnswer | undefined>;
  private readonly cacheWrites?: DataLoader<{ key: string } & CachedAnswer, void>;

  constructor(private readonly options: LookupServiceOptions) {
    this.now = options.now ?? Date.now;
    const { cache, provider, cacheTtlMs } = options;
    if (cache) {
      // Batched per turn of the event loop (after its I/O callbacks), not per tick: answers arriving
      // together start their rows' next lookups together.
      const batching = { cache: false, maxBatchSize: 500, batchScheduleFn: (run: () => void) => setImmediate(run) };
      this.cacheReads = new DataLoader(async (keys) => {
        const found = await cache.getMany(provider.name, keys);
        return keys.map((key) => found.get(key));
      }, batching);
      this.cacheWrites = new DataLoader(async (answers) => {
        await cache.putMany(provider.name, answers, cacheTtlMs);
        return answers.map(() => undefined);
      }, batching);
    }
  }

  get providerName(): string {
    return this.options.provider.name;
  }

  async lookupMany(records: readonly CustomerRecord[], signal: AbortSignal, stats?: LookupStats, ledger?: CallLedger): Promise<LookupOutcome[]> {
    const { provider, sealer } = this.options;
    const keys = records.map((record) => {
      const body = provider.request(record);
      return body ? lookupKey(provider.name, body) : undefined;
    });
    const cached = await Promise.all(keys.map((key) => (key === undefined ? undefined : this.cacheReads?.load(key))));
    const calls = new Map<string, Promise<LookupOutcome>>();
    return Promise.all(
      records.map((record, index) => {
        const key = keys[index];
        // Nothing to ask this provider with: no call, no cost, nothing cached.
        if (key === undefined) return Promise.resolve<LookupOutcome>({ kind: 'not_found', provider: provider.name, fromCache: false });
        const hit = cached[index];
        if (this.cacheReads) this.options.observer?.cached(provider.name, hit !== undefined);
        if (hit) {
          if (stats) stats.cacheHits++;
          return fromCache(provider.name, hit, sealer);
        }
        let call = calls.get(key);
        if (call) {
          // The same contact earlier in this batch.
          if (stats) stats.sharedCalls++;
        } else {
          const shared = this.inFlight.get(key);
          if (shared) {
            // Another lookup of this process is paying for it right now (and caches it).
            if (stats) stats.sharedCalls++;
            call = shared;
          } else {
            if (stats) stats.providerCalls++;
            call = this.callAndCache(key, record, signal, stats, ledger).finally(() => this.inFlight.delete(key));
            this.inFlight.set(key, call);
          }
          calls.set(key, call);
        }
        return call;
      }),
    );
  }

  /** One paid lookup: the call, its personal values sealed, the answer cached before anyone else may ask again. */
  private async callAndCache(key: string, record: CustomerRecord, signal: AbortSignal, stats?: LookupStats, ledger?: CallLedger): Promise<LookupOutcome> {
    let outcome = await this.call(record, signal, stats, ledger);
    if (outcome.kind === 'found') outcome = { ...outcome, fields: await sealPersonalFields(this.options.sealer, outcome.fields) };
    if (outcome.kind === 'found') await this.cacheWrites?.load({ key, found: true, fields: outcome.fields, fetchedAt: new Date() });
    if (outcome.kind === 'not_found') await this.cacheWrites?.load({ key, found: false, fields: [], fetchedAt: new Date() });
    return outcome;
  }

  /** The outcome of every call while the vendor is switched off or out of credits; undefined when it may be called. */
  private held(): LookupOutcome | undefined {
    if (this.disabled) return { kind: 'rejected', reason: this.disabled.message };
    if (this.outOfCredits && this.now() < this.pausedUntil) return { kind: 'unavailable', error: this.outOfCredits };
    return undefined;
  }

  private async call(record: CustomerRecord, signal: AbortSignal, stats?: LookupStats, ledger?: CallLedger): Promise<LookupOutcome> {
    const { provider, budget, callAttempts = 4, callBackoffMs = 200 } = this.options;
    for (let attempt = 1; ; attempt++) {
      try {
        // Checked once the budget lets the call go: the vendor may have been switched off or paused
        // by a call that ended while this one waited. Billed before the request leaves.
        const answer = await budget.run(async () => {
          const held = this.held();
          if (held) return held;
          await ledger?.record(provider.name, { calls: 1, lookups: attempt === 1 ? 1 : 0 });
          return this.observed(() => provider.lookup(record, signal));
        }, signal);
        this.reportBudget();
        if (answer.kind === 'rejected' || answer.kind === 'unavailable') return answer;
        await this.count(stats, ledger, { calls: 1, answered: 1, matches: answer.kind === 'found' ? 1 : 0 });
        return answer.kind === 'found'
          ? { kind: 'found', fields: answer.fields, fromCache: false }
          : { kind: 'not_found', provider: answer.provider, fromCache: false };
      } catch (error) {
        this.reportBudget();
        // An abort, or a bug: not the vendor's answer.
        if (!(error instanceof ProviderError)) throw error;
        await this.count(stats, ledger, { calls: 1, answered: error instanceof ProviderMalformedAnswerError ? 1 : 0, matches: 0 });
        if (error instanceof ProviderConfigurationError) {
          this.disabled ??= error;
          return { kind: 'rejected', reason: error.message };
        }
        if (error instanceof ProviderOutOfCreditsError) {
          this.outOfCredits = error;
          this.pausedUntil = Math.max(this.pausedUntil, this.now() + error.retryAfterMs);
          return { kind: 'unavailable', error };
        }
        if (!isRetryable(error)) return { kind: 'rejected', reason: error.message };
        if (error instanceof ProviderRateLimitedError) budget.pauseFor(error.retryAfterMs);
        if (attempt >= callAttempts || signal.aborted) return { kind: 'unavailable', error };
        await sleep(callBackoffMs * 2 ** (attempt - 1) * (0.5 + Math.random()), undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /** Runs one request, telling the observer how it ended and how long it took, and how full the budget is. */
  private async observed(request: () => Promise<ProviderLookup>): Promise<ProviderLookup> {
    const { observer, provider } = this.options;
    if (!observer) return request();
    const started = performance.now();
    this.reportBudget();
    let outcome: CallOutcome = 'aborted';
    try {
      const answer = await request();
      outcome = answer.kind;
      return answer;
    } catch (error) {
      outcome = callOutcome(error);
      throw error;
    } finally {
      observer.called(provider.name, outcome, (performance.now() - started) / 1000);
    }
  }

  /** How full the vendor's budget is now, for the observer. */
  private reportBudget(): void {
    const { observer, provider, budget } = this.options;
    observer?.budget(provider.name, { ...budget.usage, waiting: budget.pending });
  }

  /** Adds one call's usage and cost to the vendor's figures, and its matches and credits to the ledger (its call is there already). */
  private async count(
    stats: LookupStats | undefined,
    ledger: CallLedger | undefined,
    { calls, answered, matches }: { calls: number; answered: number; matches: number },
  ): Promise<void> {
    const { perCall = 0, perMatch = 0 } = this.options.cost ?? {};
    const credits = answered * perCall + matches * perMatch;
    if (stats) addVendorUsage(stats, this.options.provider.name, { calls, matches, credits });
    if (ledger && (matches > 0 || credits > 0)) await ledger.record(this.options.provider.name, { matches, credits });
  }
}

/** How a failed request ended, as metrics name it. */
function callOutcome(error: unknown): CallOutcome {
  if (error instanceof ProviderRateLimitedError) return 'rate_limited';
  if (error instanceof ProviderOutOfCreditsError) return 'out_of_credits';
  if (error instanceof ProviderConfigurationError) return 'refused';
  if (error instanceof ProviderMalformedAnswerError) return 'malformed';
  if (error instanceof ProviderError) return isRetryable(error) ? 'unavailable' : 'rejected';
  return 'aborted';
}

/**
 * A cached answer as an outcome. Its personal values stay sealed as they were cached; an answer
 * cached before enriched values were sealed has them in plaintext, and they are sealed here so
 * nothing downstream tells the two apart (the cache entry itself expires with its TTL).
 */
async function fromCache(provider: string, hit: CachedAnswer, sealer: Pick<FieldSealer, 'sealRecord'>): Promise<LookupOutcome> {
  if (!hit.found) return { kind: 'not_found', provider, fromCache: true };
  const fields = await sealPersonalFields(
    sealer,
    hit.fields.map((f) => ({ ...f, fromCache: true })),
  );
  return { kind: 'found', fields, fromCache: true };
}
