/**
 * Issue 15 item 4: compression counts on the tiled accelerator only when the hardware genes enable its
 * support (hardware/compression.ts), the support costs BRAM, and a timing constraint in ms decides feasibility.
 * Cycle counts are hand-computed from hotNAS's template (MODELS.md §4.1).
 */
import { describe, expect, it } from 'vitest';
import { compressItems, supportBramBlocks } from '../../hardware/compression.js';
import { evaluateDesign } from '../../hardware/design-model.js';
import { DEVICES } from '../../hardware/device.js';
import { evaluateGenome, parseHardwareSpec } from '../../hardware/model.js';
import { tiledLatency, type TileLayer } from '../../hardware/tiling.js';
import type { Compression, CompressionSupport } from '../../lib/space/decode-compression.js';
import type { HardwareDesign } from '../../lib/space/decode-hardware.js';
import { PATTERN_SETS } from '../../lib/space/presets/hotnas.js';
import { presetSpace } from '../../lib/space/index.js';
import type { Genome } from '../../lib/space/genome.js';
import { Rng } from '../../lib/rng.js';

const BLOCK = DEVICES.xczu9eg.bramBlockBits; // 18,432 bits
const L1: TileLayer = { M: 16, N: 8, R: 14, C: 14, K: 3, Ro: 14, Co: 14 };
const FC: TileLayer = { M: 10, N: 14 * 14 * 16, R: 1, C: 1, K: 1 };
const items = [
  { layer: L1, name: 'L1', precision: 4, weightBits: 4 },
  { layer: FC, name: 'fc', precision: 4, weightBits: 4 },
];
const base: HardwareDesign = {
  layers: [
    { layer: 'L1', Tm: 8, Tn: 4, Tr: 14, Tc: 14 },
    { layer: 'fc', Tm: 2, Tn: 8, Tr: 1, Tc: 1 },
  ],
  ports: { wp: 2, ip: 6, op: 2 },
  fpgas: 1,
  partition: { kind: 'single' },
};
const ctx = { device: DEVICES.xczu9eg, clockMHz: 100, linkWordsPerCycle: 2 };
const compression = (support: CompressionSupport, keptFilters = 16): Compression => ({
  layers: [{ layer: 'L1', kernel: 3, filters: 16, keptFilters, pattern: { name: 'hotnas6', set: PATTERN_SETS.hotnas6, kept: 6 } }],
  support,
});
const OFF = { patterns: false, packing: false };

describe('the pattern term', () => {
  it('counts kept weights instead of K² in tComp (hand-computed)', () => {
    const t = { Tm: 8, Tn: 4, Tr: 14, Tc: 14 };
    const ports = { wp: 2, ip: 6, op: 2 };
    const bits = { weightBits: 16, portBits: 16 };
    // tComp = 9·14·14 = 1764 > tW = 8·4·9/2 = 144, tI = 4·196/6, tO = 8·196/2 = 784;
    // lat2 = ⌈8/4⌉·1764 = 3528; tiles = ⌈16/8⌉ = 2 → 7056 cycles.
    expect(tiledLatency(L1, t, ports, bits).cycles).toBe(7056);
    // 6 of 9 weights: tComp = 6·196 = 1176 → 2·2·1176 = 4704.
    expect(tiledLatency({ ...L1, kept: 6 }, t, ports, bits).cycles).toBe(4704);
  });
});

describe('compression on the design, only with support', () => {
  it('without support: pattern pruning buys nothing and weights take a 16-bit word each', () => {
    const plain = evaluateDesign(items, base, ctx);
    const r = evaluateDesign(items, { ...base, compression: compression(OFF) }, ctx);
    expect(r.layers[0].cycles).toBe(7056);
    // fc, unpacked: tW = 2·8/⌊2·16/16⌋ = 8 → lat2 = ⌈3136/8⌉·8 = 3136, 5 tiles → 15,680 cycles.
    expect(r.layers[1].cycles).toBe(15680);
    // The plain coexplore design packs its 4-bit weights (8 per two port words): the fc is 4× faster there.
    expect(plain.layers[1].cycles).toBe(3920);
    expect(r.bramBlocksPerFpga).toEqual(plain.bramBlocksPerFpga);
  });

  it('pattern support: the pattern term counts, and costs duplicated input buffers and a pattern index', () => {
    const off = evaluateDesign(items, { ...base, compression: compression(OFF) }, ctx);
    const on = evaluateDesign(items, { ...base, compression: compression({ patterns: true, packing: false }) }, ctx);
    expect(on.layers[0].cycles).toBe(4704);
    expect(on.layers[1].cycles).toBe(off.layers[1].cycles);
    // 2·Tn·⌈14·14·4/18432⌉ = 8 blocks + ⌈2·8·4·2/18432⌉ = 1 block on the 3×3 engine; nothing on the fc engine.
    expect(on.bramBlocksPerFpga[0] - off.bramBlocksPerFpga[0]).toBe(9);
    expect(supportBramBlocks(FC, { Tm: 2, Tn: 8, Tr: 1, Tc: 1 }, 4, base.ports, BLOCK, { patterns: true, packing: false })).toBe(0);
  });

  it('packing support: ⌊W_p·16/q⌋ weights per port word, one FIFO block per weight lane on every engine', () => {
    const off = evaluateDesign(items, { ...base, compression: compression(OFF) }, ctx);
    const on = evaluateDesign(items, { ...base, compression: compression({ patterns: false, packing: true }) }, ctx);
    // fc: ⌊2·16/4⌋ = 8 weights per cycle, tW = 16/8 = 2 → lat2 = 392·2 = 784, 5 tiles → 3920.
    expect(on.layers[1].cycles).toBe(3920);
    expect(on.layers[0].cycles).toBe(7056);
    expect(on.bramBlocksPerFpga[0] - off.bramBlocksPerFpga[0]).toBe(2 * base.ports.wp);
  });

  it('channel pruning needs no support: fewer filters here, fewer inputs in the next layer', () => {
    const c = compression(OFF, 8);
    const [l1, fc] = compressItems(items, c);
    expect(l1.layer.M).toBe(8);
    expect(fc.layer.N).toBe(14 * 14 * 8);
    const r = evaluateDesign(items, { ...base, compression: c }, ctx);
    // One Tm tile instead of two: 3528 cycles.
    expect(r.layers[0].cycles).toBe(3528);
  });
});

describe('through a hotnas-mnist genome and the fnas-tiling model, with a timing constraint in ms', () => {
  const space = presetSpace('hotnas-mnist');
  const genome = (patternSupport: boolean, packing: boolean): Genome =>
    space.canonical({
      depth: 1,
      'L1.filters': 16, 'L1.kernel': 3, 'L1.pool': false,
      'L1.wInt': 1, 'L1.wFrac': 3, 'L1.aInt': 2, 'L1.aFrac': 4,
      'L1.pattern': 'patdnn4', 'L1.keep': 1,
      'L1.Tm': 8, 'L1.Tn': 1, 'L1.Tr': 28, 'L1.Tc': 28,
      'fc.wInt': 1, 'fc.wFrac': 3, 'fc.Tm': 2, 'fc.Tn': 8,
      'hw.Wp': 2, 'hw.Ip': 2, 'hw.Op': 2,
      'hw.patternSupport': patternSupport, 'hw.packing': packing,
      ...Object.fromEntries(space.genes.filter((g) => !g.name.startsWith('L1.') && g.name.startsWith('L')).map((g) => [g.name, (g as { choices?: unknown[] }).choices?.[0] ?? (g.kind === 'bool' ? false : (g as { min: number }).min)])),
    } as Genome);

  it('the same compressed genome is faster only with the support, and the support costs BRAM', () => {
    const spec = parseHardwareSpec({ device: 'zcu102' });
    const none = evaluateGenome(space, genome(false, false), spec, 'fnas-tiling');
    const pat = evaluateGenome(space, genome(true, false), spec, 'fnas-tiling');
    const pack = evaluateGenome(space, genome(false, true), spec, 'fnas-tiling');
    const both = evaluateGenome(space, genome(true, true), spec, 'fnas-tiling');
    expect(pat.latencyMs).toBeLessThan(none.latencyMs);
    expect(pack.latencyMs).toBeLessThan(none.latencyMs);
    expect(both.latencyMs).toBeLessThan(Math.min(pat.latencyMs, pack.latencyMs));
    expect(pat.bramBits).toBeGreaterThan(none.bramBits);
    expect(pack.bramBits).toBeGreaterThan(none.bramBits);
    expect(pat.dsps).toBe(none.dsps);
    // The engine that skips pruned weights performs (and pays the energy of) only the kept MACs.
    expect(pat.energy!.macMj).toBeLessThan(none.energy!.macMj);
    expect(pat.energy!.energyMj).toBeLessThan(none.energy!.energyMj);
    // L1: 16 filters, 1 input channel, 28×28, 3×3 with 4 kept: tComp = 4·784 = 3136 vs 9·784 = 7056, ⌈16/8⌉ = 2 tiles.
    const l1 = (r: typeof none) => r.stages?.[0].cycles;
    expect(l1(evaluateGenome(space, genome(false, false), spec, 'fnas-tiling', { detail: true }))).toBe(2 * 7056);
    expect(l1(evaluateGenome(space, genome(true, false), spec, 'fnas-tiling', { detail: true }))).toBe(2 * 3136);
  });

  it('a latency bound in ms between the two makes only the supported design feasible', () => {
    const spec0 = parseHardwareSpec({ device: 'zcu102' });
    const slow = evaluateGenome(space, genome(false, false), spec0, 'fnas-tiling').latencyMs;
    const fast = evaluateGenome(space, genome(true, true), spec0, 'fnas-tiling').latencyMs;
    const spec = parseHardwareSpec({ device: 'zcu102', maxLatencyMs: (slow + fast) / 2 });
    const a = evaluateGenome(space, genome(false, false), spec, 'fnas-tiling');
    const b = evaluateGenome(space, genome(true, true), spec, 'fnas-tiling');
    expect(a.feasible).toBe(false);
    expect(a.violations.latencyMs).toBeGreaterThan(0);
    expect(b.feasible).toBe(true);
  });

  it('hotnas-cifar10 genomes evaluate too, and turning a support on never slows a design down', () => {
    const cifar = presetSpace('hotnas-cifar10');
    const spec = parseHardwareSpec({ device: 'zcu102' });
    const rng = Rng.fromSeed('cifar');
    for (let i = 0; i < 10; i++) {
      const g = cifar.sample(rng);
      const off = evaluateGenome(cifar, { ...g, 'hw.patternSupport': false, 'hw.packing': false }, spec, 'fnas-tiling');
      const on = evaluateGenome(cifar, { ...g, 'hw.patternSupport': true, 'hw.packing': true }, spec, 'fnas-tiling');
      expect(on.latencyMs).toBeLessThanOrEqual(off.latencyMs);
      expect(on.bramBits).toBeGreaterThan(off.bramBits);
    }
  });
});
