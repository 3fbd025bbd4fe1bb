import { describe, expect, it } from 'vitest';
import { median } from '../../hardware/predictor/fit.js';
import { affineNormalise, normalise, type GraphTiming } from '../../lib/profile/timing.js';

const levels = [0.1746, 0.0373, 0.0938, 0.0538, 0.0745, 0.0286, 0.13, 0.0273];
const timing = (ms: number, references: readonly number[]): GraphTiming => ({ key: 'g', ms, spread: 0, samples: [], references });
// A slowdown that is partly a fixed cost per run (issue 14): now = 1.14 · level + 13 µs.
const slow = (x: number): number => 1.14 * x + 0.013;
const medianRatio = (refs: readonly number[], lv: readonly number[]): number => median(refs.map((r, i) => r / lv[i]));

describe('normalise (speed reference)', () => {
  it('undoes a slowdown with a fixed part per run, which one ratio cannot', () => {
    const refs = levels.map(slow);
    for (const x of [0.03, 0.15]) {
      expect(normalise(timing(slow(x), refs), levels)).toBeCloseTo(x, 6);
      // The old rule (the median ratio over the panel) is off by more than 5 % at either end (+17 %, −8 %).
      expect(Math.abs(slow(x) / medianRatio(refs, levels) / x - 1)).toBeGreaterThan(0.05);
    }
  });

  it('ignores one reference caught in a burst', () => {
    const refs = levels.map(slow);
    refs[0] *= 3.7;
    expect(normalise(timing(slow(0.05), refs), levels)).toBeCloseTo(0.05, 4);
  });

  it('is the identity at the profile level', () => {
    expect(normalise(timing(0.042, levels), levels)).toBeCloseTo(0.042, 6);
  });

  it('falls back to the median ratio without a usable line', () => {
    // Three references: too few for a line.
    expect(affineNormalise(0.1, [0.2, 0.4, 0.6], [0.1, 0.2, 0.3])).toBeNull();
    expect(normalise(timing(0.1, [0.2, 0.4, 0.6]), [0.1, 0.2, 0.3])).toBeCloseTo(0.05, 9);
    // Every reference equally slow whatever its level: no positive slope.
    const flat = levels.map(() => 0.08);
    expect(affineNormalise(0.05, flat, levels)).toBeNull();
    expect(normalise(timing(0.05, flat), levels)).toBeCloseTo(0.05 / medianRatio(flat, levels), 9);
  });
});
