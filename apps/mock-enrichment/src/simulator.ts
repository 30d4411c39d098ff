import { setTimeout as sleepFor } from 'node:timers/promises';
import { InvalidRequestError, ProviderUnavailableError, RateLimitedError, RecordNotFoundError, UnknownProviderError } from './errors';
import { applyKnobsPatch, KNOBS_HEADER, parseKnobsHeader, toIssues, type Issue, type Knobs, type KnobsOverride, type KnobsPatch } from './knobs';
import type { MockProvider, ProviderResponse } from './providers';
import { RecordHash } from './record-hash';
import { TokenBuckets, type BucketLevel, type TakeResult } from './token-bucket';

/**
 * The caller's API key. Any value is accepted; as on a vendor's usage dashboard, `/admin/stats?api_key=`
 * counts that key's calls alone, so a test can count its own calls on a server other suites share.
 */
export const API_KEY_HEADER = 'x-api-key';

/** How a lookup ended, as counted by `/admin/stats`. */
export const OUTCOMES = ['ok', 'not_found', 'rate_limited', 'failed', 'invalid'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export type OutcomeCounts = Record<Outcome, number>;

/** One provider as `/admin/providers` lists it. */
export interface ProviderView {
  name: string;
  provider: string;
  path: string;
  /** Server defaults, then this provider's configured knobs, then its admin overrides. */
  knobs: Knobs;
  /** What `PUT /admin/providers/:name/knobs` has changed. */
  overrides: KnobsOverride;
}

/**
 * Anything the knobs apply to besides the providers: the simulated real vendors (`src/vendors`),
 * which answer in their own wire format but take the same knobs, by the same names.
 */
export interface KnobTarget {
  /** Knob and admin name, e.g. `pdl-person`. */
  name: string;
  /** What `/admin/providers` shows as `provider`. */
  label: string;
  path: string;
}

/** A token taken for one call, and the bucket's level after it (none when the rate is unlimited). */
export interface TokenTaken {
  token: TakeResult;
  level: BucketLevel | undefined;
}

/** Collaborators of the simulator; tests swap the random source and the clock. */
export interface SimulatorOptions {
  providers: readonly MockProvider[];
  /** Simulated vendors: knobs, the `x-mock-knobs` header and the admin knob route accept their names too. */
  vendors?: readonly KnobTarget[];
  seed: string;
  defaultKnobs: Knobs;
  /** Knobs of single providers on top of `defaultKnobs` (configuration: they survive a reset). */
  providerKnobs?: Readonly<Record<string, KnobsOverride>>;
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
  /** Providers and vendors: everything knobs can be set for, by name. */
  private readonly targets: ReadonlyMap<string, KnobTarget>;
  private readonly vendorNames: readonly string[];
  private readonly overrides = new Map<string, KnobsOverride>();
  private readonly counts = new Map<string, OutcomeCounts>();
  /** Counts by API key, then provider: what one caller's calls were, whoever else shares the server. */
  private readonly countsByKey = new Map<string, Map<string, OutcomeCounts>>();
  private readonly buckets: TokenBuckets;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: SimulatorOptions) {
    this.registry = new Map(options.providers.map((provider) => [provider.name, provider]));
    const vendors = options.vendors ?? [];
    const clash = vendors.filter((vendor) => this.registry.has(vendor.name)).map((vendor) => vendor.name);
    if (clash.length > 0) throw new Error(`vendor name(s) ${clash.join(', ')} are also provider names`);
    this.vendorNames = vendors.map((vendor) => vendor.name);
    this.targets = new Map<string, KnobTarget>([...options.providers, ...vendors].map((target) => [target.name, target]));
    const unknown = Object.keys(options.providerKnobs ?? {}).filter((name) => !this.targets.has(name));
    if (unknown.length > 0) {
      throw new Error(`knobs are configured for unknown provider(s) ${unknown.join(', ')} (known: ${this.knobTargetNames.join(', ')})`);
    }
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

  /** Names of everything knobs can be set for: providers, then vendors. */
  get knobTargetNames(): string[] {
    return [...this.targets.keys()];
  }

  /** The provider or vendor named `name`. @throws {@link UnknownProviderError} naming both kinds */
  knobTarget(name: string): KnobTarget {
    const target = this.targets.get(name);
    if (!target) throw new UnknownProviderError(name, this.knobTargetNames);
    return target;
  }

  /**
   * Answers one provider call (a lookup, search, crawl or extraction).
   *
   * Order matters: invalid input is refused at once (as real APIs do, without latency); then a token
   * is taken on arrival, the latency is served, and the outcome is 429, 503, 404 or 200 in that order.
   *
   * @param knobsHeader raw `x-mock-knobs` value: per-request overrides, and the rate-limit bucket key.
   * @param apiKey the caller's `x-api-key`, if any: its calls are also counted on their own.
   * @throws {@link HttpError} subclasses for every non-200 outcome.
   */
  async lookup(name: string, body: unknown, knobsHeader?: string, apiKey?: string): Promise<ProviderResponse> {
    const provider = this.provider(name);
    const requestKnobs = this.requestKnobs(name, knobsHeader);
    if (!requestKnobs.success) {
      this.record(name, 'invalid', apiKey);
      throw new InvalidRequestError(requestKnobs.issues, 'The x-mock-knobs header is invalid.');
    }
    const prepared = provider.prepare(body ?? {});
    if (!prepared.success) {
      this.record(name, 'invalid', apiKey);
      throw new InvalidRequestError(toIssues(prepared.error), 'The request body is invalid.');
    }

    const { knobs } = requestKnobs;
    const { token } = this.takeToken(name, knobsHeader, knobs.rateLimitPerSecond);
    await this.waitLatency(knobs);

    if (!token.allowed) {
      this.record(name, 'rate_limited', apiKey);
      throw new RateLimitedError(provider.label, token.retryAfterSeconds);
    }
    if (this.fails(knobs)) {
      this.record(name, 'failed', apiKey);
      throw new ProviderUnavailableError(provider.label);
    }
    const hash = RecordHash.of(this.options.seed, name, prepared.lookup.key);
    // A property of the record, not of the request: the same record is always (or never) unknown.
    if (hash.fraction('not_found') < knobs.notFoundRate) {
      this.record(name, 'not_found', apiKey);
      throw new RecordNotFoundError(provider.label);
    }
    const answer = prepared.lookup.answer(hash);
    // Nothing at that address (e.g. a crawl of an unknown host): a 404 decided by the request itself.
    if (answer === undefined) {
      this.record(name, 'not_found', apiKey);
      throw new RecordNotFoundError(provider.label);
    }
    this.record(name, 'ok', apiKey);
    return answer;
  }

  /**
   * The knobs of one call of provider or vendor `name`: its effective knobs, then the `x-mock-knobs`
   * header's knobs for every provider, then the header's knobs for `name` alone.
   */
  requestKnobs(name: string, knobsHeader: string | undefined): { success: true; knobs: Knobs } | { success: false; issues: Issue[] } {
    const parsed = this.parseRequestKnobs(knobsHeader);
    if (!parsed.success) return parsed;
    const { providers: perProvider, ...everyProvider } = parsed.knobs;
    return { success: true, knobs: { ...this.knobs(name), ...everyProvider, ...perProvider?.[name] } };
  }

  /**
   * Takes a token on arrival from the bucket of `name` and this `x-mock-knobs` value (parallel test
   * suites sending different values do not share a bucket).
   */
  takeToken(name: string, knobsHeader: string | undefined, ratePerSecond: number): TokenTaken {
    const key = `${name}\0${knobsHeader ?? ''}`;
    const token = this.buckets.take(key, ratePerSecond);
    return { token, level: this.buckets.level(key, ratePerSecond) };
  }

  /** Serves the latency of one call: `latencyMs` plus uniform(0, `jitterMs`). */
  async waitLatency(knobs: Knobs): Promise<void> {
    const delay = knobs.latencyMs + (knobs.jitterMs > 0 ? this.random() * knobs.jitterMs : 0);
    if (delay > 0) await this.sleep(delay);
  }

  /** Whether this call is a simulated transient failure (random, with probability `failureRate`). */
  fails(knobs: Knobs): boolean {
    return knobs.failureRate > 0 && this.random() < knobs.failureRate;
  }

  /** Effective knobs of one provider or vendor: defaults, then its configured knobs, then admin overrides. */
  knobs(name: string): Knobs {
    const target = this.knobTarget(name).name;
    return { ...this.options.defaultKnobs, ...this.options.providerKnobs?.[target], ...this.overrides.get(target) };
  }

  /** Applies an admin patch to one provider's (or vendor's) overrides and returns its new view. */
  updateKnobs(name: string, patch: KnobsPatch): ProviderView {
    this.knobTarget(name);
    this.overrides.set(name, applyKnobsPatch(this.overrides.get(name) ?? {}, patch));
    return this.view(name);
  }

  /** Every provider with its effective knobs. */
  list(): ProviderView[] {
    return this.providerNames.map((name) => this.view(name));
  }

  /** Every simulated vendor with its effective knobs (same shape as {@link list}). */
  listVendors(): ProviderView[] {
    return this.vendorNames.map((name) => this.view(name));
  }

  /** The server-wide default knobs. */
  get defaults(): Knobs {
    return { ...this.options.defaultKnobs };
  }

  /**
   * Outcome counts per provider since start or the last reset: of every call, or only of the calls
   * that carried `apiKey` (zeros for a key never seen).
   */
  stats(apiKey?: string): Record<string, OutcomeCounts> {
    const counts = apiKey === undefined ? this.counts : this.countsByKey.get(apiKey);
    return Object.fromEntries(this.providerNames.map((name) => [name, { ...(counts?.get(name) ?? emptyCounts()) }]));
  }

  /** Knobs back to their configuration, counters and rate-limit buckets cleared. */
  reset(): void {
    this.overrides.clear();
    this.counts.clear();
    this.countsByKey.clear();
    this.buckets.clear();
  }

  /** Counts a request refused before it reached {@link lookup} (e.g. a body that is not JSON). */
  recordInvalid(name: string, apiKey?: string): void {
    if (this.registry.has(name)) this.record(name, 'invalid', apiKey);
  }

  /** The `x-mock-knobs` header, refused when it names a provider that does not exist. */
  private parseRequestKnobs(knobsHeader: string | undefined): ReturnType<typeof parseKnobsHeader> {
    const parsed = parseKnobsHeader(knobsHeader);
    if (!parsed.success) return parsed;
    const unknown = Object.keys(parsed.knobs.providers ?? {}).filter((name) => !this.targets.has(name));
    if (unknown.length === 0) return parsed;
    return {
      success: false,
      issues: unknown.map((name) => ({
        path: `${KNOBS_HEADER}.providers.${name}`,
        message: `no mock provider named "${name}" (known: ${this.knobTargetNames.join(', ')})`,
      })),
    };
  }

  private view(name: string): ProviderView {
    const target = this.knobTarget(name);
    return {
      name,
      provider: target.label,
      path: target.path,
      knobs: this.knobs(name),
      overrides: { ...this.overrides.get(name) },
    };
  }

  private record(name: string, outcome: Outcome, apiKey: string | undefined): void {
    count(this.counts, name, outcome);
    if (apiKey === undefined) return;
    let byProvider = this.countsByKey.get(apiKey);
    if (!byProvider) {
      byProvider = new Map();
      this.countsByKey.set(apiKey, byProvider);
    }
    count(byProvider, name, outcome);
  }
}

function count(counts: Map<string, OutcomeCounts>, name: string, outcome: Outcome): void {
  const entry = counts.get(name) ?? emptyCounts();
  entry[outcome] += 1;
  counts.set(name, entry);
}
