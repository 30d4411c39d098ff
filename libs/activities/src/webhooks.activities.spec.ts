import type { WebhookRepository, WebhookTarget } from '@enrich/db';
import { EMPTY_COUNTS, FAILURE_TYPES, type Sealed } from '@enrich/domain';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type * as dnsModule from 'node:dns';
import { lookup, promises as dns, type LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { createWebhookActivities } from './webhooks.activities';

// Name resolution is the test's: the check before an attempt and the connection's own lookup may
// be told different addresses, as a rebinding DNS server would tell them.
jest.mock('node:dns', () => {
  const actual = jest.requireActual<typeof dnsModule>('node:dns');
  return { ...actual, lookup: jest.fn(), promises: { ...actual.promises, lookup: jest.fn() } };
});

/**
 * The delivery activity against a receiver on 127.0.0.1 reached by a name, with the resolver
 * scripted: the connection goes only to addresses that pass the webhook URL rule, whatever the
 * name resolved to when it was checked.
 */
describe('deliverWebhook', () => {
  const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
  let receiver: Server;
  const received: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];
  const attempts: unknown[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => receiver.close());
  beforeEach(() => {
    jest.clearAllMocks();
    received.length = 0;
    attempts.length = 0;
  });

  // The activity's expected warnings are not the test's output.
  const environment = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });

  const resolvesTo = (checked: string, connected: string) => {
    jest.mocked(dns.lookup).mockResolvedValue([{ address: checked, family: 4 }] as never);
    jest
      .mocked(lookup)
      .mockImplementation(((_host: string, _options: unknown, callback: (error: null, addresses: LookupAddress[]) => void) =>
        callback(null, [{ address: connected, family: 4 }])) as never);
  };

  const activities = (allowPrivateUrls: boolean) => {
    const { port } = receiver.address() as AddressInfo;
    const target: WebhookTarget = {
      url: `http://hooks.example.test:${port}/in`,
      secret: { $sealed: 1 } as Sealed<string>,
      delivery: {
        id: 'msg_test',
        endpointId: 'e1',
        tenantId: 't1',
        eventType: 'job.completed',
        payload: {
          type: 'job.completed',
          timestamp: '2026-12-01T10:00:00.000Z',
          data: { jobId: 'j1', status: 'COMPLETED', counts: EMPTY_COUNTS, links: { self: '/v1/jobs/j1', results: '/v1/jobs/j1/results' } },
        },
        status: 'PENDING',
        attemptCount: 0,
        createdAt: new Date(),
        deliveredAt: null,
      },
    };
    const webhooks = {
      target: async () => target,
      recordAttempt: async (_id: string, attempt: unknown) => attempts.push(attempt),
    } as unknown as WebhookRepository;
    const dispatcher = { client: {} as never, taskQueue: 'unused' };
    return createWebhookActivities({ webhooks, sealer: { open: async () => SECRET as never }, options: { dispatcher, allowPrivateUrls } });
  };

  it('signs and sends through the connection the rule let through, recording the attempt', async () => {
    resolvesTo('127.0.0.1', '127.0.0.1');
    const delivered = await environment().run(activities(true).deliverWebhook, { deliveryId: 'msg_test' });
    expect(delivered).toEqual({ attempt: 1, statusCode: 200, latencyMs: expect.any(Number) });
    expect(received).toHaveLength(1);
    const [sent] = received;
    expect(new Webhook(SECRET).verify(sent?.body ?? '', sent?.headers as Record<string, string>)).toMatchObject({ type: 'job.completed' });
    expect(attempts).toEqual([expect.objectContaining({ statusCode: 200, error: null, delivered: true })]);
  });

  it('refuses a name rebound to a loopback address after it was checked: nothing is sent, the attempt is recorded, no retry', async () => {
    resolvesTo('93.184.215.14', '127.0.0.1');
    const failure = await environment()
      .run(activities(false).deliverWebhook, { deliveryId: 'msg_test' })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: FAILURE_TYPES.WEBHOOK_URL_REFUSED, nonRetryable: true });
    expect((failure as Error).message).toContain('hooks.example.test resolves to 127.0.0.1, a loopback address');
    expect(received).toHaveLength(0);
    expect(attempts).toEqual([expect.objectContaining({ statusCode: null, delivered: false, error: expect.stringContaining('refused') })]);
  });

  it('refuses a name that resolves to a private address when checked, before any connection', async () => {
    resolvesTo('10.0.0.7', '10.0.0.7');
    const failure = await environment()
      .run(activities(false).deliverWebhook, { deliveryId: 'msg_test' })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ type: FAILURE_TYPES.WEBHOOK_URL_REFUSED, nonRetryable: true });
    expect(jest.mocked(lookup)).not.toHaveBeenCalled();
    expect(received).toHaveLength(0);
  });
});
