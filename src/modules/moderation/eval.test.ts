import { describe, expect, it } from 'vitest';
import { missedTargets, readSamples, scoreSamples } from './eval/score.ts';
import { createModerator } from './moderate.ts';

describe('labelled evaluation set', () => {
  const samples = readSamples();

  it('holds at least 600 samples: 150 ordinary look-alikes, every kind of spam, a held-out batch', () => {
    expect(samples.length).toBeGreaterThanOrEqual(600);
    expect(
      samples.filter((s) => s.label === 'ok' && s.lookalike === true).length,
    ).toBeGreaterThanOrEqual(150);
    for (const kind of ['click-farming', 'loan', 'bank-card', 'invoice']) {
      expect(
        samples.filter((s) => s.label === 'fraud' && s.kind === kind).length,
        kind,
      ).toBeGreaterThanOrEqual(10);
    }
    expect(samples.filter((s) => s.batch?.startsWith('held-out')).length).toBeGreaterThanOrEqual(
      100,
    );
    expect(samples.filter((s) => s.lookalike === true && s.label !== 'ok')).toEqual([]);
  });

  it('meets the targets on the tuning set: recall ≥ 0.95 per category and overall, ≤ 1% of look-alikes blocked', () => {
    const tuning = samples.filter((s) => !s.batch?.startsWith('held-out'));
    const report = scoreSamples(createModerator(), tuning);
    expect(missedTargets(report)).toEqual([]);
  });
});
