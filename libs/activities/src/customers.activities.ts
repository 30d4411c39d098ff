import { heartbeat, log } from '@temporalio/activity';
import { mergeEnrichedFields } from '@enrich/domain';
import type { CustomerRefresh, CustomerRepository } from '@enrich/db';
import pLimit from 'p-limit';
import type { DemographicsClient } from './providers/demographics.client';

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
  demographics: Pick<DemographicsClient, 'lookup'>;
  concurrency: number;
}

export function createCustomerActivities({ customers, demographics, concurrency }: CustomerActivityDeps) {
  const limit = pLimit(concurrency);
  return {
    /**
     * Refreshes one page of stale customers' demographics: each found field is merged with what is
     * stored (the more confident value wins), and every processed customer is stamped so it is not
     * picked again until it is stale. Provider failures fail the page for Temporal to retry.
     */
    async refreshCustomersPage({ staleBefore, afterId, limit: pageSize }: RefreshCustomersInput): Promise<RefreshCustomersResult> {
      const page = await customers.stale(new Date(staleBefore), afterId, pageSize);
      let refreshed = 0;
      let notFound = 0;
      const refreshes = await Promise.all(
        page.map((customer) =>
          limit(async (): Promise<CustomerRefresh> => {
            const lookup = await demographics.lookup({
              email: customer.email as string,
              first_name: customer.firstName,
              last_name: customer.lastName,
              postal_code: customer.postalCode,
            });
            heartbeat();
            if (lookup.kind === 'not_found') {
              notFound++;
              return { id: customer.id, refreshedAt: new Date() };
            }
            refreshed++;
            return { id: customer.id, demographics: mergeEnrichedFields(customer.demographics, lookup.fields), refreshedAt: new Date() };
          }),
        ),
      );
      await customers.saveRefreshes(refreshes);
      log.info('refreshed customers page', { processed: page.length, refreshed, notFound });
      return { processed: page.length, refreshed, notFound, lastId: page.length === pageSize ? page.at(-1)?.id : undefined };
    },
  };
}
