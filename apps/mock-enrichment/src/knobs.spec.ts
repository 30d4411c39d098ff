import { applyKnobsPatch, parseKnobsHeader } from './knobs';

describe('parseKnobsHeader', () => {
  it('treats an absent or blank header as no override', () => {
    expect(parseKnobsHeader(undefined)).toEqual({ success: true, knobs: {} });
    expect(parseKnobsHeader('  ')).toEqual({ success: true, knobs: {} });
  });

  it('parses partial knobs', () => {
    expect(parseKnobsHeader('{"failureRate":0.2,"latencyMs":5}')).toEqual({
      success: true,
      knobs: { failureRate: 0.2, latencyMs: 5 },
    });
  });

  it('parses knobs of single providers under providers', () => {
    expect(parseKnobsHeader('{"notFoundRate":0,"providers":{"demographics":{"notFoundRate":0.3}}}')).toEqual({
      success: true,
      knobs: { notFoundRate: 0, providers: { demographics: { notFoundRate: 0.3 } } },
    });
    const bad = parseKnobsHeader('{"providers":{"demographics":{"notFoundRate":3,"typo":1}}}');
    expect(!bad.success && bad.issues.map((issue) => issue.path)).toEqual([
      'x-mock-knobs.providers.demographics.notFoundRate',
      'x-mock-knobs.providers.demographics',
    ]);
  });

  it('names the header when it is not JSON', () => {
    expect(parseKnobsHeader('{failureRate: 1')).toEqual({
      success: false,
      issues: [{ path: 'x-mock-knobs', message: expect.stringContaining('JSON') }],
    });
  });

  it('names the knob when a value is out of range or unknown', () => {
    const outOfRange = parseKnobsHeader('{"failureRate":1.5}');
    expect(outOfRange.success).toBe(false);
    expect(!outOfRange.success && outOfRange.issues.map((issue) => issue.path)).toEqual(['x-mock-knobs.failureRate']);

    const typo = parseKnobsHeader('{"failurerate":1}');
    expect(typo.success).toBe(false);
    expect(!typo.success && typo.issues[0]?.message).toMatch(/failurerate/);

    expect(parseKnobsHeader('[1]').success).toBe(false);
    expect(parseKnobsHeader('{"latencyMs":1.5}').success).toBe(false);
  });
});

describe('applyKnobsPatch', () => {
  it('merges values and drops nulls', () => {
    expect(applyKnobsPatch({ failureRate: 1, latencyMs: 3 }, { failureRate: null, notFoundRate: 0.5 })).toEqual({
      latencyMs: 3,
      notFoundRate: 0.5,
    });
  });
});
