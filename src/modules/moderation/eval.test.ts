import { describe, expect, it } from 'vitest';
import { missedTargets, readSamples, scoreSamples } from './eval/score.ts';
import { createModerator } from './moderate.ts';

describe('labelled evaluation set', () => {
  const samples = readSamples();

  it('holds at least 250 samples, ordinary posts among them', () => {
    expect(samples.length).toBeGreaterThanOrEqual(250);
    expect(samples.filter((s) => s.label === 'ok').length).toBeGreaterThanOrEqual(100);
  });

  it('meets the targets: recall ≥ 0.95 on gambling and ads, ≥ 0.99 of ordinary posts allowed', () => {
    const report = scoreSamples(createModerator(), samples);
    expect(missedTargets(report)).toEqual([]);
  });
});
