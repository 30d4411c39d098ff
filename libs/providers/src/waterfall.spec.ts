import type { CustomerRecord, EnrichedField } from '@enrich/domain';
import type { LookupOutcome } from './lookup-service';
import { runWaterfall, UnknownProviderError } from './waterfall';

const f = (field: string, value: string, confidence: number, provider: string): EnrichedField => ({
  field,
  value,
  confidence,
  provider,
  fetchedAt: '2026-01-01T00:00:00.000Z',
});

/** A stand-in lookup service answering from a table by email, recording who it was asked about. */
function stub(name: string, answers: Record<string, LookupOutcome>) {
  const asked: string[] = [];
  return {
    asked,
    name,
    async lookupMany(records: readonly CustomerRecord[]) {
      asked.push(...records.map((r) => String(r.email)));
      return records.map((r) => answers[String(r.email)] ?? ({ kind: 'not_found', provider: name, fromCache: false } as const));
    },
  };
}

const signal = new AbortController().signal;
const rec = (email: string): CustomerRecord => ({ email });

describe('runWaterfall', () => {
  it('asks the next provider only for fields still missing or below the threshold', async () => {
    const first = stub('first', {
      'sure@x.io': {
        kind: 'found',
        fromCache: false,
        fields: [f('work_email', 'a@x.io', 0.9, 'p1'), f('email_status', 'valid', 0.9, 'p1'), f('phone', '+1', 0.9, 'p1'), f('line_type', 'mobile', 0.9, 'p1')],
      },
      'unsure@x.io': { kind: 'found', fromCache: false, fields: [f('work_email', 'guess@x.io', 0.4, 'p1')] },
    });
    const second = stub('second', {
      'unsure@x.io': { kind: 'found', fromCache: false, fields: [f('work_email', 'right@x.io', 0.8, 'p2')] },
      'nobody@x.io': { kind: 'found', fromCache: false, fields: [f('phone', '+44', 0.3, 'p2')] },
    });
    const outcomes = await runWaterfall(
      [rec('sure@x.io'), rec('unsure@x.io'), rec('nobody@x.io')],
      ['contact'],
      {
        providers: { first, second },
        waterfall: { demographics: [], firmographics: [], contact: ['first', 'second'], web: [] },
        threshold: 0.6,
      },
      signal,
    );
    expect(first.asked).toEqual(['sure@x.io', 'unsure@x.io', 'nobody@x.io']);
    expect(second.asked).toEqual(['unsure@x.io', 'nobody@x.io']);
    expect(outcomes[1]).toEqual({ kind: 'done', outcome: { kind: 'enriched', fields: [f('work_email', 'right@x.io', 0.8, 'p2')] } });
    // Nothing better came: the low-confidence value is still recorded, with its confidence.
    expect(outcomes[2]).toEqual({ kind: 'done', outcome: { kind: 'enriched', fields: [f('phone', '+44', 0.3, 'p2')] } });
  });

  it('keeps only the fields of the requested group, runs groups side by side, and reports outcomes', async () => {
    const demo = stub('demo', {
      'a@x.io': { kind: 'found', fromCache: true, fields: [f('region', 'north', 0.9, 'd'), f('work_email', 'leak@x.io', 0.9, 'd')] },
      'down@x.io': { kind: 'unavailable', error: new Error('503') },
      'bad@x.io': { kind: 'rejected', reason: '400: email invalid' },
    });
    const firmo = stub('firmo', {});
    const outcomes = await runWaterfall(
      [rec('a@x.io'), rec('down@x.io'), rec('bad@x.io'), rec('none@x.io')],
      ['demographics', 'firmographics'],
      {
        providers: { demo, firmo },
        waterfall: { demographics: ['demo'], firmographics: ['firmo'], contact: [], web: [] },
        threshold: 0.6,
      },
      signal,
    );
    expect(outcomes[0]).toEqual({ kind: 'done', outcome: { kind: 'enriched', fields: [f('region', 'north', 0.9, 'd')] } });
    expect(outcomes[1]).toEqual({ kind: 'unavailable', error: new Error('503') });
    expect(outcomes[2]).toEqual({ kind: 'done', outcome: { kind: 'failed', reason: '400: email invalid' } });
    expect(outcomes[3]).toEqual({ kind: 'done', outcome: { kind: 'not_found', provider: 'demo, firmo' } });
    expect(firmo.asked).toEqual(['a@x.io', 'down@x.io', 'bad@x.io', 'none@x.io']);
  });

  it('refuses a waterfall naming a provider it has no client for', async () => {
    await expect(
      runWaterfall(
        [rec('a@x.io')],
        ['contact'],
        { providers: {}, waterfall: { demographics: [], firmographics: [], contact: ['ghost'], web: [] }, threshold: 0.6 },
        signal,
      ),
    ).rejects.toBeInstanceOf(UnknownProviderError);
  });
});
