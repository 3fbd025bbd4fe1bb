import { describe, expect, it } from 'vitest';
import { ConfigError, HwnasError } from '../../lib/errors.js';
import { DEVICES, dspsPerMultiplier, resolveDevice } from '../../hardware/device.js';
import { adderTreeLuts, allStageOptions, layerFigures, stageOptions, unrollCandidates } from '../../hardware/layer-cost.js';
import { adderLuts, ceilLog2, max2Luts, multiplierLuts, reluLuts, truncatorCost } from '../../hardware/operator-costs.js';
import { chainFromTokens, layerParams, type HwConv, type HwNetwork } from '../../hardware/network.js';
import { COEXPLORE_FIXED_10, COEXPLORE_OPTHW_6, COEXPLORE_OPTSW_14 } from '../../hardware/architectures.js';

describe('operator costs (FGNAS table, MODELS.md §1.4)', () => {
  it('soft multipliers by the two widths', () => {
    expect(multiplierLuts(8, 6)).toBe(40);
    expect(multiplierLuts(6, 8)).toBe(40);
    expect(multiplierLuts(4, 4)).toBe(11);
    expect(multiplierLuts(3, 3)).toBe(12);
    expect(multiplierLuts(2, 3)).toBe(8);
    expect(multiplierLuts(10, 2)).toBe(62);
    expect(multiplierLuts(1, 5)).toBe(21);
    expect(multiplierLuts(1, 1)).toBe(1);
    // Beyond the table: the fit 0.62·n².
    expect(multiplierLuts(12, 4)).toBe(Math.round(0.62 * 144));
    expect(adderLuts(8)).toBe(16);
    expect(adderLuts(2)).toBe(11);
    expect(adderLuts(24)).toBe(32);
    expect(reluLuts(9)).toBe(21);
    expect(max2Luts(8)).toBe(19);
    expect(truncatorCost(6).luts).toBe(232);
    expect(ceilLog2(1)).toBe(0);
    expect(ceilLog2(18)).toBe(5);
    expect(ceilLog2(64)).toBe(6);
  });

  it('widths outside [1, 16] are typed errors, never NaN', () => {
    for (const bad of [0, 17, 2.5, NaN, -3]) {
      expect(() => multiplierLuts(bad, 4)).toThrow(HwnasError);
      try {
        multiplierLuts(bad, 4);
      } catch (e) {
        expect((e as HwnasError).code).toBe('HW_BITS_RANGE');
      }
    }
  });
});

describe('devices', () => {
  it('catalog entries and aliases; custom devices are validated', () => {
    expect(resolveDevice('EP4CE115').bramBits).toBe(432 * 9216);
    expect(resolveDevice('vc707').dsps).toBe(2800);
    expect(resolveDevice('zcu102').bramBlocks).toBe(1824);
    expect(() => resolveDevice('ep4ce999')).toThrow(ConfigError);
    expect(() => resolveDevice('ep4ce999')).toThrow(/unknown device "ep4ce999"; known: ep4ce6/);
    const custom = resolveDevice({ name: 'mine', luts: 1000, ffs: 1000, dsps: 4, bramBlocks: 10, bramBlockBits: 1024 });
    expect(custom.bramBits).toBe(10_240);
    expect(custom.clockMHz).toBe(100);
    try {
      resolveDevice({ name: 'bad', luts: -5, ffs: 1, dsps: 0, bramBlocks: 1, bramBlockBits: 1 } as never);
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).issues[0].path).toBe('device.luts');
    }
    // Cyclone IV: two 9×9 multipliers per block; Xilinx DSP48: one.
    expect(dspsPerMultiplier(DEVICES.ep4ce115, 8, 9)).toBe(0.5);
    expect(dspsPerMultiplier(DEVICES.ep4ce115, 12, 9)).toBe(1);
    expect(dspsPerMultiplier(DEVICES.xc7z020, 8, 8)).toBe(1);
  });
});

describe('layer cost (hand-computed)', () => {
  const conv: HwConv = {
    kind: 'conv', name: 'c', inShape: [4, 4, 2], outShape: [4, 4, 4], input: 8, output: 6, kernel: 3, stride: 1, groups: 1, weight: 4, relu: true,
  };

  it('MACs, parameters and on-chip bits', () => {
    const f = layerFigures(conv);
    expect(f.macs).toBe(4 * 2 * 9 * 16);
    expect(f.params).toBe(4 * 2 * 9 + 4);
    expect(f.weightBits).toBe(76 * 4);
    // Line buffer: (K − 1) rows × W × N × input bits.
    expect(f.lineBufferBits).toBe(2 * 4 * 2 * 8);
  });

  it('cycles and LUTs of one option', () => {
    const o = allStageOptions(conv, DEVICES.ep4ce115).find((x) => x.tm === 2 && x.tn === 2)!;
    expect(o.cycles).toBe(Math.ceil(4 / 2) * Math.ceil(2 / 2) * 4 * 4 * 9);
    // Per lane: 2 multipliers 8×4 (40 each), an adder tree of one 13-bit adder (21), a 17-bit accumulator
    // (12-bit products + ⌈log2 18⌉ = 5 bits: 25), ReLU(6) = 16, truncator 232 → 374. Two lanes = 748.
    // Counters: tilesM = 2 (1 bit: 13), R = C = 4 (2 bits: 11 each), K = 3 twice (2 bits: 11 each) → 57.
    const lane = 2 * 40 + adderLuts(13) + adderLuts(17) + reluLuts(6) + 232;
    expect(lane).toBe(374);
    expect(o.luts).toBe(2 * lane + 13 + 4 * 11);
    expect(o.dsps).toBe(0);
    expect(adderTreeLuts(5, 10, false)).toBe(2 * adderLuts(11) + adderLuts(12) + adderLuts(13));
  });

  it('DSP-mapped multipliers move the multipliers out of the LUTs', () => {
    const lut = allStageOptions(conv, DEVICES.ep4ce115, { multipliers: 'lut', maxUnroll: 64 }).find((x) => x.tm === 4 && x.tn === 2)!;
    const dsp = allStageOptions(conv, DEVICES.ep4ce115, { multipliers: 'dsp', maxUnroll: 64 }).find((x) => x.tm === 4 && x.tn === 2)!;
    expect(lut.luts - dsp.luts).toBe(8 * 40);
    expect(dsp.dsps).toBe(4); // 8 multipliers, two 9×9 per Cyclone IV block
  });

  it('float layers use the float32 operators (92 LUT + 3 DSP multiplier, 262 LUT + 2 DSP adder)', () => {
    const f = { ...conv, input: 'float32' as const, weight: 'float32' as const, output: 'float32' as const };
    const o = allStageOptions(f, DEVICES.ep4ce115).find((x) => x.tm === 1 && x.tn === 2)!;
    // Counters: tilesM = 4 (2 bits: 11), R, C, K, K (2 bits each: 11) → 55.
    expect(o.luts).toBe(2 * 92 + 262 + 262 + 82 + 5 * 11);
    expect(o.dsps).toBe(2 * 3 + 2 + 2);
  });

  it('unroll candidates: smallest factor per tile count; powers of two beyond the cap', () => {
    expect(unrollCandidates(10, 64)).toEqual([1, 2, 3, 4, 5, 10]);
    expect(unrollCandidates(64, 64)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 13, 16, 22, 32, 64]);
    expect(unrollCandidates(65536, 64)).toEqual([1, 2, 4, 8, 16, 32, 64]);
  });

  it('Pareto-pruned options are exactly the non-dominated ones, by cycles ascending', () => {
    const all = allStageOptions(conv, DEVICES.ep4ce115);
    const kept = stageOptions(conv, DEVICES.ep4ce115);
    for (let i = 1; i < kept.length; i++) {
      expect(kept[i].cycles).toBeGreaterThan(kept[i - 1].cycles);
      expect(kept[i].luts).toBeLessThan(kept[i - 1].luts);
    }
    for (const o of all) {
      const inKept = kept.some((k) => k.cycles === o.cycles && k.luts === o.luts);
      const dominated = all.some((p) => p.cycles <= o.cycles && p.luts <= o.luts && (p.cycles < o.cycles || p.luts < o.luts));
      expect(inKept).toBe(!dominated);
    }
  });
});

describe('reference networks: shapes and parameters match the authors’ Keras logs (MODELS.md §1.2, §3.2)', () => {
  const bits = { weight: 8, activation: 8, input: 8 } as const;
  // Keras counts BatchNorm's 4 parameters per channel too.
  const kerasParams = (net: HwNetwork): number =>
    net.layers.reduce((s, l) => s + layerParams(l) + (l.kind === 'conv' ? 4 * l.outShape[2] : 0), 0);
  it.each([
    ['coexplore-opthw-6', COEXPLORE_OPTHW_6, 286_518, [16, 16, 64]],
    ['coexplore-fixed-10', COEXPLORE_FIXED_10, 604_626, [32, 32, 36]],
    ['coexplore-optsw-14', COEXPLORE_OPTSW_14, 609_754, [4, 4, 36]],
  ] as const)('%s', (name, tokens, params, finalMap) => {
    const net = chainFromTokens(name, [32, 32, 3], tokens, 10, bits);
    expect(kerasParams(net)).toBe(params);
    expect(net.layers[net.layers.length - 1].inShape).toEqual(finalMap);
  });
});
