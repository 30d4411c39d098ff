import { setTimeout as sleepFor } from 'node:timers/promises';
import {
  InvalidRequestError,
  ProviderUnavailableError,
  RateLimitedError,
  RecordNotFoundError,
  UnknownProviderError,
} from './errors';
import { applyKnobsPatch, parseKnobsHeader, toIssues, type Knobs, type KnobsOverride, type KnobsPatch } from './knobs';
import type { MockProvider, ProviderResponse } from './providers';
import { RecordHash } from './record-hash';
import { TokenBuckets } from './token-bucket';

/** How a lookup ended, as counted by `/admin/stats`. */
export const OUTCOMES = ['ok', 'not_found', 'rate_limited', 'failed', 'invalid'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export type OutcomeCounts = Record<Outcome, number>;

/** One provider as `/admin/providers` lists it. */
export interface ProviderView {
  name: string;
  provider: string;
  path: string;
  /** Server defaults with this provider's overrides applied. */
  knobs: Knobs;
  /** What `PUT /admin/providers/:name/knobs` has changed. */
  overrides: KnobsOverride;
}

/** Collaborators of the simulator; tests swap the random source and the clock. */
export interface SimulatorOptions {
  providers: readonly MockProvider[];
  seed: string;
  defaultKnobs: Knobs;
  /** Uniform in [0, 1): drives failures and jitter (never the answers). */
  random?: () => number;
  /** Milliseconds, for the token buckets. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const emptyCounts = (): OutcomeCounts => ({ ok: 0, not_found: 0, rate_limited: 0, failed: 0, invalid: 0 });

/**
 * The mock providers' behaviour: deterministic answers, knobs, token buckets and outcome counters.
 * Routes stay thin; everything the knobs mean lives here.
 */
export class ProviderSimulator {
  private readonly registry: ReadonlyMap<string, MockProvider>;
  private readonly overrides = new Map<string, KnobsOverride>();
  private readonly counts = new Map<string, OutcomeCounts>();
  private readonly buckets: TokenBuckets;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: SimulatorOptions) {
    this.registry = new Map(options.providers.map((provider) => [provider.name, provider]));
    this.buckets = new TokenBuckets(options.now);
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => sleepFor(ms));
  }

  /** The provider named `name`. @throws {@link UnknownProviderError} */
  provider(name: string): MockProvider {
    const provider = this.registry.get(name);
    if (!provider) throw new UnknownProviderError(name, [...this.registry.keys()]);
    return provider;
  }

  /** Every simulated provider, in registry order. */
  get providers(): MockProvider[] {
    return [...this.registry.values()];
  }

  /** Names of every simulated provider. */
  get providerNames(): string[] {
    return [...this.registry.keys()];
  }

  /**
   * Answers one provider call (a lookup, search, crawl or extraction).
   *
   * Order matters: invalid input is refused at once (as real APIs do, without latency); then a token
   * is taken on arrival, the latency is served, and the outcome is 429, 503, 404 or 200 in that order.
   *
   * @param knobsHeader raw `x-mock-knobs` value: per-request overrides, and the rate-limit bucket key.
   * @throws {@link HttpError} subclasses for every non-200 outcome.
   */
  async lookup(name: string, body: unknown, knobsHeader?: string): Promise<ProviderResponse> {
    const provider = this.provider(name);
    const requestKnobs = parseKnobsHeader(knobsHeader);
    if (!requestKnobs.success) {
      this.record(name, 'invalid');
      throw new InvalidRequestError(requestKnobs.issues, 'The x-mock-knobs header is invalid.');
    }
    const prepared = provider.prepare(body ?? {});
    if (!prepared.success) {
      this.record(name, 'invalid');
      throw new InvalidRequestError(toIssues(prepared.error), 'The request body is invalid.');
    }

    const knobs = { ...this.knobs(name), ...requestKnobs.knobs };
    const token = this.buckets.take(`${name}\0${knobsHeader ?? ''}`, knobs.rateLimitPerSecond);
    const delay = knobs.latencyMs + (knobs.jitterMs > 0 ? this.random() * knobs.jitterMs : 0);
    if (delay > 0) await this.sleep(delay);

    if (!token.allowed) {
      this.record(name, 'rate_limited');
      throw new RateLimitedError(provider.label, token.retryAfterSeconds);
    }
    if (knobs.failureRate > 0 && this.random() < knobs.failureRate) {
      this.record(name, 'failed');
      throw new ProviderUnavailableError(provider.label);
    }
    const hash = RecordHash.of(this.options.seed, name, prepared.lookup.key);
    // A property of the record, not of the request: the same record is always (or never) unknown.
    if (hash.fraction('not_found') < knobs.notFoundRate) {
      this.record(name, 'not_found');
      throw new RecordNotFoundError(provider.label);
    }
    const answer = prepared.lookup.answer(hash);
    // Nothing at that address (e.g. a crawl of an unknown host): a 404 decided by the request itself.
    if (answer === undefined) {
      this.record(name, 'not_found');
      throw new RecordNotFoundError(provider.label);
    }
    this.record(name, 'ok');
    return answer;
  }

  /** Effective knobs of one provider: defaults, then admin overrides. */
  knobs(name: string): Knobs {
    return { ...this.options.defaultKnobs, ...this.overrides.get(this.provider(name).name) };
  }

  /** Applies an admin patch to one provider's overrides and returns its new view. */
  updateKnobs(name: string, patch: KnobsPatch): ProviderView {
    this.provider(name);
    this.overrides.set(name, applyKnobsPatch(this.overrides.get(name) ?? {}, patch));
    return this.view(name);
  }

  /** Every provider with its effective knobs. */
  list(): ProviderView[] {
    return this.providerNames.map((name) => this.view(name));
  }

  /** The server-wide default knobs. */
  get defaults(): Knobs {
    return { ...this.options.defaultKnobs };
  }

  /** Outcome counts per provider since start or the last reset. */
  stats(): Record<string, OutcomeCounts> {
    return Object.fromEntries(this.providerNames.map((name) => [name, { ...(this.counts.get(name) ?? emptyCounts()) }]));
  }

  /** Knobs back to defaults, counters and rate-limit buckets cleared. */
  reset(): void {
    this.overrides.clear();
    this.counts.clear();
    this.buckets.clear();
  }

  /** Counts a request refused before it reached {@link lookup} (e.g. a body that is not JSON). */
  recordInvalid(name: string): void {
    if (this.registry.has(name)) this.record(name, 'invalid');
  }

  private view(name: string): ProviderView {
    const provider = this.provider(name);
    return {
      name,
      provider: provider.label,
      path: provider.path,
      knobs: this.knobs(name),
      overrides: { ...this.overrides.get(name) },
    };
  }

  private record(name: string, outcome: Outcome): void {
    const counts = this.counts.get(name) ?? emptyCounts();
    counts[outcome] += 1;
    this.counts.set(name, counts);
  }
}
