/** The genome's own hardware (design-model.ts) and the FPGA energy model (fpga-energy.ts), issue 18. */
import { describe, expect, it } from 'vitest';
import { DEVICES } from '../../hardware/device.js';
import { evaluateDesign, PORT_WORD_BITS } from '../../hardware/design-model.js';
import { bramWordPj, dramWordPj, FPGA_GAP, HOROWITZ_45NM, imageEnergy, macEnergyPj, pipelineEnergy } from '../../hardware/fpga-energy.js';
import { evaluateGenome, parseHardwareSpec, reportMetrics } from '../../hardware/model.js';
import { xferSplitLatency } from '../../hardware/multi-fpga.js';
import { tiledLatency, tilingBramBlocks, type TileLayer } from '../../hardware/tiling.js';
import type { HardwareDesign } from '../../lib/space/decode-hardware.js';
import { Rng } from '../../lib/rng.js';
import { presetSpace } from '../../lib/space/index.js';

const L1: TileLayer = { M: 16, N: 1, R: 28, C: 28, K: 3, Ro: 28, Co: 28 };
const L2: TileLayer = { M: 8, N: 16, R: 14, C: 14, K: 5, Ro: 14, Co: 14 };
const FC: TileLayer = { M: 10, N: 1568, R: 1, C: 1, K: 1 };
const items = [
  { layer: L1, name: 'L1', precision: 8, weightBits: 8 },
  { layer: L2, name: 'L2', precision: 8, weightBits: 8 },
  { layer: FC, name: 'fc', precision: 8, weightBits: 8 },
];
const design = (partition: HardwareDesign['partition'], fpgas = 1): HardwareDesign => ({
  layers: [
    { layer: 'L1', Tm: 8, Tn: 4, Tr: 14, Tc: 28 },
    { layer: 'L2', Tm: 64, Tn: 4, Tr: 14, Tc: 14 },
    { layer: 'fc', Tm: 2, Tn: 8, Tr: 1, Tc: 1 },
  ],
  ports: { wp: 2, ip: 6, op: 2 },
  fpgas,
  partition,
});
const ctx = { device: DEVICES.xczu9eg, clockMHz: 100, linkWordsPerCycle: 2 };

describe('a design from hardware genes, evaluated as it is', () => {
  it('one FPGA: each layer its own engine, clamped tiles, pipeline interval = slowest engine', () => {
    const r = evaluateDesign(items, design({ kind: 'single' }), ctx);
    const bits = { weightBits: 8, portBits: PORT_WORD_BITS };
    const ports = { wp: 2, ip: 6, op: 2 };
    // Tiles larger than the loop are clamped: L1 has 1 input channel, L2 8 output channels.
    expect(r.layers.map((l) => l.tiling)).toEqual([
      { Tm: 8, Tn: 1, Tr: 14, Tc: 28 },
      { Tm: 8, Tn: 4, Tr: 14, Tc: 14 },
      { Tm: 2, Tn: 8, Tr: 1, Tc: 1 },
    ]);
    const cycles = [
      tiledLatency(L1, { Tm: 8, Tn: 1, Tr: 14, Tc: 28 }, ports, bits).cycles,
      tiledLatency(L2, { Tm: 8, Tn: 4, Tr: 14, Tc: 14 }, ports, bits).cycles,
      tiledLatency(FC, { Tm: 2, Tn: 8, Tr: 1, Tc: 1 }, ports, bits).cycles,
    ];
    expect(r.layers.map((l) => l.cycles)).toEqual(cycles);
    expect(r.intervalCycles).toBe(Math.max(...cycles));
    expect(r.latencyCycles).toBe(cycles[0] + cycles[1] + cycles[2]);
    // 8-bit MACs: one DSP each on a DSP48E2.
    expect(r.dspsPerFpga).toEqual([8 + 32 + 16]);
    expect(r.bramBlocksPerFpga).toEqual([
      tilingBramBlocks(L1, r.layers[0].tiling, 8, DEVICES.xczu9eg.bramBlockBits) +
        tilingBramBlocks(L2, r.layers[1].tiling, 8, DEVICES.xczu9eg.bramBlockBits) +
        tilingBramBlocks(FC, r.layers[2].tiling, 8, DEVICES.xczu9eg.bramBlockBits),
    ]);
    expect(r.portBitsPerFpga).toEqual([3 * 16 * 10]);
  });

  it('two FPGAs: a pipeline cut sends the activations over the link; an XFER split uses xferSplitLatency on both', () => {
    const cut = evaluateDesign(items, design({ kind: 'pipeline', cut: 1 }, 2), ctx);
    expect(cut.devices).toHaveLength(2);
    expect(cut.layers.map((l) => l.fpgas)).toEqual([[0], [1], [1]]);
    // L2's input map, 14×14×16 words, over 2 words/cycle.
    expect(cut.linkCycles).toBe((14 * 14 * 16) / 2);
    expect(cut.dspsPerFpga).toEqual([8, 32 + 16]);
    const x = evaluateDesign(items, design({ kind: 'xfer', level: 'Pm' }, 2), ctx);
    expect(x.layers[1].cycles).toBe(xferSplitLatency(L2, { Tm: 8, Tn: 4, Tr: 14, Tc: 14 }, { Pb: 1, Pr: 1, Pc: 1, Pm: 2 }, { wp: 2, ip: 6, op: 2, ap: 2 }));
    expect(x.layers.every((l) => l.fpgas.length === 2)).toBe(true);
    expect(x.dspsPerFpga[0]).toBe(x.dspsPerFpga[1]);
  });

  it('a genome of coexplore-mnist maps through fnas-tiling with its own tiling; lu2019-pipeline refuses it', () => {
    const s = presetSpace('coexplore-mnist');
    const spec = parseHardwareSpec({ device: 'zcu102', maxLatencyMs: 0.5 });
    const rng = Rng.fromSeed(7);
    let feasible = 0, infeasible = 0;
    for (let k = 0; k < 40; k++) {
      const g = s.sample(rng);
      const r = evaluateGenome(s, g, spec, 'fnas-tiling', { detail: true });
      const m = reportMetrics(r);
      expect(m.gopsPerW).toBeGreaterThan(0);
      expect(m.energyNj).toBeGreaterThan(0);
      expect(r.stages!.find((x) => x.name === 'L1')!.config).toContain(`Tr=${Math.min(g['L1.Tr'] as number, 28)}`);
      expect(r.feasible).toBe(r.latencyMs <= 0.5 && r.violations.dsps <= 0 && r.violations.bramBits <= 0);
      if (r.feasible) feasible++;
      else infeasible++;
    }
    expect(feasible).toBeGreaterThan(0);
    expect(infeasible).toBeGreaterThan(0);
    expect(() => evaluateGenome(s, s.sample(rng), parseHardwareSpec({ device: 'zcu102' }), 'lu2019-pipeline')).toThrow(/cannot read them/);
  });
});

describe('FPGA energy model', () => {
  it('per-access energies follow the sourced constants', () => {
    // 16-bit MAC on a DSP: (3.1·(16/32)² + 0.1) pJ × 7 (hard-block gap).
    expect(macEnergyPj(16, 'dsp')).toBeCloseTo((3.1 / 4 + 0.1) * FPGA_GAP.hardBlock, 12);
    expect(macEnergyPj(8, 'lut')).toBeCloseTo((3.1 / 16 + 0.1) * FPGA_GAP.softLogic, 12);
    expect(macEnergyPj('float32', 'dsp')).toBeCloseTo((3.7 + 0.9) * 7, 12);
    expect(bramWordPj(64)).toBeCloseTo(HOROWITZ_45NM.sram8kb64bitPj * 7, 12);
    expect(dramWordPj(64)).toBe(HOROWITZ_45NM.dram64bitPj);
  });

  it('energy per image = MACs + on-chip + off-chip + static; GOPS/W = ops / energy', () => {
    const t = { Tm: 8, Tn: 1, Tr: 28, Tc: 28 };
    const ports = { wp: 2, ip: 2, op: 2 };
    const lat = tiledLatency(L1, t, ports);
    const macs = 16 * 28 * 28 * 9;
    const sec = lat.cycles / 1e8;
    const e = imageEnergy([{ layer: L1, tiling: t, latency: lat, precision: 16, ports }], [DEVICES.xczu9eg], sec, 0.5);
    expect(e.macMj).toBeCloseTo(macs * macEnergyPj(16, 'dsp') * 1e-9, 15);
    expect(e.onChipMj).toBeCloseTo(macs * (1 + 1 / 8 + 2) * bramWordPj(16) * 1e-9, 15);
    expect(e.staticMj).toBeCloseTo(0.5 * sec * 1e3, 12);
    expect(e.energyMj).toBeCloseTo(e.macMj + e.onChipMj + e.offChipMj + e.staticMj, 15);
    expect(e.gopsPerW).toBeCloseTo((2 * macs) / (e.energyMj * 1e-3) / 1e9, 9);
    expect(e.powerW).toBeCloseTo((e.energyMj * 1e-3) / sec, 12);
    // Off-chip words: every tile's inputs and weights per input step, and its outputs.
    const words = lat.tiles * (1 * (lat.tI * 2 + lat.tW * 2) + lat.tO * 2);
    expect(e.offChipMj).toBeCloseTo(words * dramWordPj(16) * 1e-9, 15);
  });
});

describe('energy of the LUT pipeline (lu2019-pipeline)', () => {
  it('LUT MACs at the soft-logic gap, weights and inputs from block RAM, no off-chip traffic, static over 1/throughput', () => {
    const e = pipelineEnergy([{ macs: 1000, bits: 6, mult: 'lut', tm: 4 }, { macs: 0, bits: 8, mult: 'lut', tm: 1 }], DEVICES.ep4ce115, 1e-3, 0.1);
    expect(e.macMj).toBeCloseTo(1000 * macEnergyPj(6, 'lut') * 1e-9, 15);
    expect(e.onChipMj).toBeCloseTo(1000 * 1.25 * bramWordPj(6) * 1e-9, 15);
    expect(e.offChipMj).toBe(0);
    expect(e.staticMj).toBeCloseTo(0.1, 12);
    const spec = parseHardwareSpec({ device: 'ep4ce115', lutBudget: 30000, minThroughput: 1000 });
    const r = evaluateGenome(presetSpace('lu2019-cifar10'), presetSpace('lu2019-cifar10').sample(Rng.fromSeed(2)), spec, 'lu2019-pipeline');
    expect(reportMetrics(r).gopsPerW).toBeGreaterThan(0);
  });
});

describe('hwnas map on a genome with hardware genes', () => {
  it('evaluates the genome’s own design (per-layer Tm/Tn/Tr/Tc from its genes) and prints its energy', async () => {
    const { Command } = await import('commander');
    const { register } = await import('../../lib/cli/map.js');
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const s = presetSpace('coexplore-mnist');
    const g = s.canonical({ ...s.sample(Rng.fromSeed(11)), depth: 1, 'L1.Tm': 8, 'L1.Tn': 1, 'L1.Tr': 14, 'L1.Tc': 28, 'hw.fpgas': 1 });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-map-')), 'g.json');
    fs.writeFileSync(file, JSON.stringify({ space: 'coexplore-mnist', genome: g }));
    const program = new Command('hwnas').exitOverride();
    register(program);
    let out = '';
    const write = process.stdout.write;
    process.stdout.write = ((c: string) => ((out += c), true)) as typeof process.stdout.write;
    try {
      await program.parseAsync(['node', 'hwnas', 'map', '--arch', file, '--model', 'fnas-tiling', '--device', 'zcu102']);
    } finally {
      process.stdout.write = write;
    }
    expect(out).toMatch(/L1 +conv .*Tm=8 Tn=1 Tr=14 Tc=28 on FPGA 0/);
    expect(out).toMatch(/energy per image [\d.]+ mJ .* GOPS\/W/);
  });
});
