/** The co-exploration spaces and the hardware decoder (issue 18). */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { decodeArchitecture, decodeHardware, decodeQuantization, hasHardwareGenes, presetSpace, restrictSpace } from '../../lib/space/index.js';

describe('coexplore spaces', () => {
  it('carry architecture, quantization and hardware genes in one genome, ordered ARCH ∥ QUANT ∥ HW per layer', () => {
    const s = presetSpace('coexplore-cifar10');
    expect(hasHardwareGenes(s)).toBe(true);
    expect(hasHardwareGenes(presetSpace('lu2019-mnist'))).toBe(false);
    const l1 = s.genes.filter((g) => g.name.startsWith('L1.')).map((g) => `${g.group}:${g.name.slice(3)}`);
    expect(l1).toEqual(['arch:kernel', 'arch:filters', 'quant:wInt', 'quant:wFrac', 'quant:aInt', 'quant:aFrac', 'hw:Tm', 'hw:Tn', 'hw:Tr', 'hw:Tc']);
    // The Co-Explore tokens (MODELS.md §3.2) and the rl_interface/hotNAS hardware ranges (§3.4, §4.1).
    expect(s.gene('L1.kernel')).toMatchObject({ choices: [1, 3, 5, 7] });
    expect(s.gene('L1.filters')).toMatchObject({ choices: [24, 36, 48, 64] });
    expect(s.gene('L1.Tm')).toMatchObject({ choices: [8, 16, 24, 32, 40, 48] });
    expect(s.gene('hw.Wp')).toMatchObject({ choices: [2, 6, 10, 14, 18] });
    expect(s.genesOf('hw').map((g) => g.name)).toEqual(expect.arrayContaining(['hw.device', 'hw.fpgas', 'hw.xfer', 'hw.cut', 'fc.Tm', 'fc.Tn']));
  });

  it('decodes the network as a lu2019 genome and the hardware per MAC layer, aligned by name', () => {
    const s = presetSpace('coexplore-mnist');
    const rng = Rng.fromSeed(4);
    for (let k = 0; k < 50; k++) {
      const g = s.sample(rng);
      const arch = decodeArchitecture(s, g);
      const q = decodeQuantization(s, g);
      expect(q.layers).toHaveLength(arch.layers.length);
      const hw = decodeHardware(s, g);
      expect(hw.layers.map((l) => l.layer)).toEqual(arch.layers.filter((l) => l.kind !== 'maxpool').map((l) => l.name));
      for (const l of hw.layers) {
        const dense = l.layer === 'fc';
        expect(l.Tm).toBe(g[`${l.layer}.Tm`]);
        expect(l.Tr).toBe(dense ? 1 : g[`${l.layer}.Tr`]);
      }
      expect(hw.ports).toEqual({ wp: g['hw.Wp'], ip: g['hw.Ip'], op: g['hw.Op'] });
      if (g['hw.fpgas'] === 1) expect(hw.partition).toEqual({ kind: 'single' });
      else if (g['hw.xfer'] === 'none') expect(hw.partition).toEqual({ kind: 'pipeline', cut: Math.min(g['hw.cut'] as number, g.depth as number) });
      else expect(hw.partition).toEqual({ kind: 'xfer', level: g['hw.xfer'] });
    }
  });

  it('inactive hardware genes (deeper layers, the partition of one FPGA) are canonicalised away', () => {
    const s = presetSpace('coexplore-mnist');
    const g = s.canonical({ ...s.sample(Rng.fromSeed(1)), depth: 1, 'hw.fpgas': 1, 'L3.Tm': 24, 'hw.cut': 3, 'hw.xfer': 'Pm' });
    expect(g['L3.Tm']).toBe(1);
    expect(g['hw.cut']).toBe(1);
    expect(g['hw.xfer']).toBe('none');
    expect(s.key(g)).not.toMatch(/L3\.|hw\.cut|hw\.xfer/);
  });

  it('a space with its hardware pinned (the fixed-hardware baseline) still decodes the same design', () => {
    const s = presetSpace('coexplore-mnist');
    const pinned = restrictSpace(s, { 'hw.Wp': 2, 'hw.Ip': 2, 'hw.Op': 2, 'hw.fpgas': 1 }, 'pinned');
    const g = pinned.sample(Rng.fromSeed(3));
    expect(decodeHardware(pinned, g).ports).toEqual({ wp: 2, ip: 2, op: 2 });
    expect(() => decodeHardware(presetSpace('nb201'), {})).toThrow(/no hardware genes/);
  });
});
