import { ApplicationFailure, Context, heartbeat, log } from '@temporalio/activity';
import { FAILURE_TYPES, mergeEnrichedFields } from '@enrich/domain';
import type { CustomerRefresh, CustomerRepository } from '@enrich/db';
import type { LookupService } from '@enrich/providers';

export interface RefreshCustomersInput {
  /** Customers enriched before this instant (ISO) are stale. */
  staleBefore: string;
  /** Keyset cursor: the last customer id of the previous page. */
  afterId?: string;
  limit: number;
}

export interface RefreshCustomersResult {
  processed: number;
  refreshed: number;
  notFound: number;
  /** Cursor for the next page; undefined when there are no more stale customers. */
  lastId?: string;
}

export interface CustomerActivityDeps {
  customers: CustomerRepository;
  demographics: Pick<LookupService, 'lookupMany'>;
}

export function createCustomerActivities({ customers, demographics }: CustomerActivityDeps) {
  return {
    /**
     * Refreshes one page of stale customers' demographics: each found field is merged with what is
     * stored (the more confident value wins), and every processed customer is stamped so it is not
     * picked again until it is stale. Provider failures fail the page for Temporal to retry.
     */
    async refreshCustomersPage({ staleBefore, afterId, limit: pageSize }: RefreshCustomersInput): Promise<RefreshCustomersResult> {
      const page = await customers.stale(new Date(staleBefore), afterId, pageSize);
      const outcomes = await demographics.lookupMany(
        page.map((c) => ({ email: c.email as string, first_name: c.firstName, last_name: c.lastName, postal_code: c.postalCode })),
        Context.current().cancellationSignal,
      );
      heartbeat();
      const unavailable = outcomes.find((o) => o.kind === 'unavailable');
      // Nothing is written for a page the provider could not fully serve: the retry redoes it, and
      // the answers already paid for come from the lookup cache.
      if (unavailable) throw ApplicationFailure.retryable(`demographics unavailable: ${unavailable.error.message}`, FAILURE_TYPES.PROVIDER_UNAVAILABLE);
      let refreshed = 0;
      let notFound = 0;
      const refreshes: CustomerRefresh[] = page.map((customer, index) => {
        const outcome = outcomes[index];
        if (outcome.kind !== 'found') {
          notFound++;
          return { id: customer.id, refreshedAt: new Date() };
        }
        refreshed++;
        return { id: customer.id, demographics: mergeEnrichedFields(customer.demographics, outcome.fields), refreshedAt: new Date() };
      });
      await customers.saveRefreshes(refreshes);
      log.info('refreshed customers page', { processed: page.length, refreshed, notFound });
      return { processed: page.length, refreshed, notFound, lastId: page.length === pageSize ? page.at(-1)?.id : undefined };
    },
  };
}
