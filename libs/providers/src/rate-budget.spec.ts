import { RateBudget } from './rate-budget';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RateBudget', () => {
  it('never has more than maxInFlight calls running', async () => {
    const budget = new RateBudget({ requestsPerSecond: 0, maxInFlight: 3 });
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        budget.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await tick(5);
          running--;
        }),
      ),
    );
    expect(peak).toBe(3);
  });

  it('spaces calls to the sustained rate after the burst', async () => {
    const budget = new RateBudget({ requestsPerSecond: 50, maxInFlight: 100, burst: 1 });
    const started: number[] = [];
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 6 }, () => budget.run(async () => started.push(Date.now() - t0))));
    // 1 immediate + 5 at 20 ms intervals: the last starts after ~100 ms.
    expect(Math.max(...started)).toBeGreaterThanOrEqual(90);
  });

  it('holds every caller while the provider asked to be left alone (Retry-After)', async () => {
    const budget = new RateBudget({ requestsPerSecond: 0, maxInFlight: 10 });
    budget.pauseFor(120);
    const t0 = Date.now();
    await budget.run(async () => undefined);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
  });

  it('stops waiting when its signal aborts', async () => {
    const budget = new RateBudget({ requestsPerSecond: 0, maxInFlight: 1 });
    const blocker = budget.run(() => tick(200));
    const controller = new AbortController();
    const waiting = budget.run(async () => 'ran', controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    await blocker;
    expect(budget.pending).toBe(0);
    await expect(budget.run(async () => 'free again')).resolves.toBe('free again');
  });
});
