import { DEFAULT_CONFIDENCE_THRESHOLD, DEFAULT_WATERFALL, type EnrichmentGroup, GROUP_FIELDS, RESEARCH_GROUPS } from '@enrich/domain';
import { z } from 'zod';
import type { ProviderAdapter, VendorCost } from './adapter';
import { ADAPTERS } from './adapters';
import type { BudgetSettings } from './budgets';

/** Groups answered by lookup vendors (the research groups go to the web research workflow instead). */
const LOOKUP_GROUPS = (Object.keys(GROUP_FIELDS) as EnrichmentGroup[]).filter((group) => !RESEARCH_GROUPS.includes(group));

const vendorName = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'a vendor name is lowercase letters, digits and dashes');

const vendorSchema = z
  .object({
    adapter: z.string().describe(`Adapter kind: ${Object.keys(ADAPTERS).join(', ')}.`),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe("The vendor's API root; default: the adapter's public URL."),
    apiKey: z
      .union([z.object({ env: z.string().min(1) }).strict(), z.object({ file: z.string().min(1) }).strict()])
      .optional()
      .describe('Where the credential is read from at start: an environment variable or a secret file. Never written to the config itself.'),
    budget: z
      .object({ requestsPerSecond: z.number().min(0), maxInFlight: z.number().int().min(1) })
      .partial()
      .strict()
      .optional()
      .describe('Requests per second (0 = unlimited) and in flight, per worker process.'),
    cost: z
      .object({ perCall: z.number().min(0), perMatch: z.number().min(0) })
      .partial()
      .strict()
      .optional()
      .describe("Credits per answered call and per match; default: the adapter's documented billing."),
    timeoutMs: z.number().int().min(1).max(120_000).optional(),
    outOfCreditsPauseSeconds: z.number().int().min(1).max(86_400).optional(),
  })
  .strict();

/** The vendors config file: which vendors, with which credentials, budgets and costs, asked in which order per group. */
export const vendorsFileSchema = z
  .object({
    vendors: z.record(vendorName, vendorSchema),
    waterfall: z
      .object(Object.fromEntries(LOOKUP_GROUPS.map((group) => [group, z.array(z.string()).optional()])))
      .strict()
      .describe('Per looked-up group, the vendors asked in order.'),
    confidenceThreshold: z.number().min(0).max(1).optional(),
  })
  .strict();

export type VendorsFile = z.input<typeof vendorsFileSchema>;

/** One vendor ready to be called: its adapter, where, with which credential, budget and cost. */
export interface ResolvedVendor {
  name: string;
  adapter: ProviderAdapter;
  baseUrl: string;
  /** Read from the environment or a secret file at start; never logged. */
  apiKey?: string;
  /** Its own budget figures, where the config sets them (the rest come from the worker's defaults). */
  budget: Partial<BudgetSettings>;
  cost: VendorCost;
  timeoutMs?: number;
  outOfCreditsPauseMs?: number;
}

export interface VendorsConfig {
  vendors: ResolvedVendor[];
  waterfall: Record<EnrichmentGroup, string[]>;
  threshold: number;
}

/** What resolving a vendors config needs from the outside world. */
export interface VendorsEnvironment {
  env: Readonly<Record<string, string | undefined>>;
  /** Reads a secret file (trimmed by the caller); throws when it cannot. */
  readFile(path: string): string;
  /** Base URL of the platform's own providers (mock-enrichment), for adapters without a public URL. */
  platformBaseUrl: string;
}

/** A config problem, with the path of the entry it is about (`vendors.pdl.apiKey`). */
export interface VendorsConfigIssue {
  path: string;
  message: string;
}

/**
 * Validates a vendors config (parsed JSON) and resolves it: adapters by kind, credentials read,
 * waterfall names checked against the declared vendors and against the fields each can answer.
 * Every problem is reported, each naming its entry.
 */
export function resolveVendorsConfig(
  input: unknown,
  environment: VendorsEnvironment,
): { ok: true; config: VendorsConfig } | { ok: false; issues: VendorsConfigIssue[] } {
  const parsed = vendorsFileSchema.safeParse(input);
  if (!parsed.success) {
    return { ok: false, issues: parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(file)', message: issue.message })) };
  }
  const issues: VendorsConfigIssue[] = [];
  const vendors: ResolvedVendor[] = [];
  for (const [name, entry] of Object.entries(parsed.data.vendors)) {
    const vendor = resolveVendor(name, entry, environment, issues);
    if (vendor) vendors.push(vendor);
  }
  const waterfall = Object.fromEntries(LOOKUP_GROUPS.map((group) => [group, [] as string[]])) as Record<EnrichmentGroup, string[]>;
  waterfall.web = [];
  for (const [group, names = []] of Object.entries(parsed.data.waterfall) as Array<[EnrichmentGroup, string[] | undefined]>) {
    names.forEach((name, index) => {
      const problem = waterfallProblem(group, name, parsed.data.vendors[name]?.adapter, names.indexOf(name) !== index, Object.keys(parsed.data.vendors));
      if (problem) issues.push({ path: `waterfall.${group}.${index}`, message: problem });
      else waterfall[group].push(name);
    });
  }
  const unused = vendors.filter((vendor) => !Object.values(waterfall).some((names) => names.includes(vendor.name)));
  for (const vendor of unused) issues.push({ path: `vendors.${vendor.name}`, message: 'declared but in no waterfall group: add it to one or remove it' });
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, config: { vendors, waterfall, threshold: parsed.data.confidenceThreshold ?? DEFAULT_CONFIDENCE_THRESHOLD } };
}

/** What is wrong with naming `name` in `group`'s waterfall, if anything. */
function waterfallProblem(group: EnrichmentGroup, name: string, kind: string | undefined, repeated: boolean, declared: string[]): string | undefined {
  if (kind === undefined) return `"${name}" is not a declared vendor (declared: ${declared.join(', ') || 'none'})`;
  const adapter = ADAPTERS[kind];
  if (adapter && !adapter.fields.some((field) => GROUP_FIELDS[group].includes(field))) {
    return `"${name}" (${adapter.kind}) answers none of the ${group} fields (${GROUP_FIELDS[group].join(', ')})`;
  }
  return repeated ? `"${name}" is listed twice` : undefined;
}

function resolveVendor(
  name: string,
  entry: z.output<typeof vendorSchema>,
  { env, readFile, platformBaseUrl }: VendorsEnvironment,
  issues: VendorsConfigIssue[],
): ResolvedVendor | undefined {
  const adapter = ADAPTERS[entry.adapter];
  if (!adapter) {
    issues.push({ path: `vendors.${name}.adapter`, message: `unknown adapter "${entry.adapter}" (known: ${Object.keys(ADAPTERS).join(', ')})` });
    return undefined;
  }
  let apiKey: string | undefined;
  if (entry.apiKey && 'env' in entry.apiKey) {
    apiKey = env[entry.apiKey.env]?.trim() || undefined;
    if (!apiKey) issues.push({ path: `vendors.${name}.apiKey.env`, message: `${entry.apiKey.env} is not set: export the vendor's API key in it` });
  } else if (entry.apiKey) {
    const { file } = entry.apiKey;
    try {
      apiKey = readFile(file).trim() || undefined;
      if (!apiKey) issues.push({ path: `vendors.${name}.apiKey.file`, message: `${file} is empty` });
    } catch (error) {
      issues.push({
        path: `vendors.${name}.apiKey.file`,
        message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      });
    }
  } else if (adapter.auth.in !== 'none' && adapter.publicBaseUrl) {
    issues.push({ path: `vendors.${name}.apiKey`, message: `${adapter.kind} needs an API key: set {"env": "<VARIABLE>"} or {"file": "<path>"}` });
  }
  return {
    name,
    adapter,
    baseUrl: (entry.baseUrl ?? adapter.publicBaseUrl ?? platformBaseUrl).replace(/\/+$/, ''),
    apiKey,
    budget: entry.budget ?? {},
    cost: entry.cost ?? adapter.defaultCost,
    timeoutMs: entry.timeoutMs,
    outOfCreditsPauseMs: entry.outOfCreditsPauseSeconds === undefined ? undefined : entry.outOfCreditsPauseSeconds * 1_000,
  };
}

/** Without a vendors config: the platform's own providers on mock-enrichment, in the default waterfall. */
export function defaultVendorsConfig(platformBaseUrl: string): VendorsConfig {
  const names = new Set(Object.values(DEFAULT_WATERFALL).flat());
  return {
    vendors: [...names].map((name) => ({ name, adapter: ADAPTERS[name], baseUrl: platformBaseUrl, budget: {}, cost: ADAPTERS[name].defaultCost })),
    waterfall: Object.fromEntries(Object.entries(DEFAULT_WATERFALL).map(([group, list]) => [group, [...list]])) as Record<EnrichmentGroup, string[]>,
    threshold: DEFAULT_CONFIDENCE_THRESHOLD,
  };
}
