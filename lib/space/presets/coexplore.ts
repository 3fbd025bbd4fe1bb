/**
 * The co-exploration spaces (Jiang et al., TCAD'20; MODELS.md §3): architecture, quantization and hardware
 * tokens in one genome. Per layer, as FGNAS orders its tokens (ARCH ∥ QUANT ∥ HW) [code: FGNAS:search.py]:
 *   kernel, filters (the Co-Explore layer tokens [code: Co-Explore-NAS:Cifar-10/FixedStride/OptHW/model.txt])
 *   (pool), wInt, wFrac, aInt, aFrac (FGNAS QUANT_SPACE [code: FGNAS:space.py])
 *   Tm, Tn, Tr, Tc (the layer's own tiled engine; ranges after rl_interface's HW tokens, MODELS.md §3.4)
 * then the accelerator's genes: port widths W_p, I_p, O_p in words/cycle (hotNAS's {2,6,…,18}, MODELS.md §4.1),
 * optionally the device, and the multi-FPGA partition: the number of FPGAs, the pipeline cut, and XFER's split
 * level (MODELS.md §3.3). Family `lu2019` with `meta.hardware = 'genes'`: the lu2019 decoders, training and
 * ONNX export read the network part unchanged; `decodeHardware` (decode-hardware.ts) reads the rest.
 * Strides: the FixedStride variant (stride 1 everywhere): our training kernels and ONNX export are stride-1.
 */
import type { Gene } from '../gene.js';
import { SearchSpace } from '../search-space.js';

/** XFER split levels one layer can be split over two FPGAs by [code: XFER_FPGA PARA.py]; `none`: pipeline cut. */
export const XFER_LEVELS = ['none', 'Pm', 'Pr', 'Pc'] as const;

/** Options of a co-exploration space. */
export interface CoexploreOptions {
  readonly name: string;
  readonly input: readonly [number, number, number];
  readonly classes: number;
  readonly minDepth: number;
  readonly maxDepth: number;
  readonly filters: readonly number[];
  readonly kernels: readonly number[];
  /** Searchable 2×2 max pooling after each layer (the reduced MNIST space; the CIFAR-10 nets have none). */
  readonly pool: boolean;
  readonly intBits: readonly [number, number];
  readonly fracBits: readonly [number, number];
  readonly tm: readonly number[];
  readonly tn: readonly number[];
  readonly tr: readonly number[];
  readonly tc: readonly number[];
  /** Port widths (words/cycle), one list for W_p, I_p and O_p. */
  readonly ports: readonly number[];
  /** Device gene choices (catalog names); absent: the spec's device. */
  readonly devices?: readonly string[];
  /** Most FPGAs of a partition (1: no partition genes). */
  readonly maxFpgas: 1 | 2;
}

/** CIFAR-10: the Co-Explore tokens (kernel {1,3,5,7}, filters {24,36,48,64}), 2–6 layers, two FPGAs at most. */
export const COEXPLORE_CIFAR10: CoexploreOptions = {
  name: 'coexplore-cifar10',
  input: [32, 32, 3],
  classes: 10,
  minDepth: 2,
  maxDepth: 6,
  filters: [24, 36, 48, 64],
  kernels: [1, 3, 5, 7],
  pool: false,
  intBits: [1, 3],
  fracBits: [0, 6],
  // rl_interface: Tm ∈ {8,…,48}, Tn ∈ {1..8}, Tr, Tc ∈ {32, 64} [code]; Tr, Tc below 32 added so tiling matters on 32×32 maps [inferred].
  tm: [8, 16, 24, 32, 40, 48],
  tn: [1, 2, 3, 4, 5, 6, 7, 8],
  tr: [8, 16, 32],
  tc: [8, 16, 32],
  ports: [2, 6, 10, 14, 18],
  devices: ['xc7z020', 'xczu9eg'],
  maxFpgas: 2,
};

/** MNIST, reduced so a child trains in seconds: 1–3 narrow layers with pooling, tiles scaled to 28×28 maps [inferred]. */
export const COEXPLORE_MNIST: CoexploreOptions = {
  name: 'coexplore-mnist',
  input: [28, 28, 1],
  classes: 10,
  minDepth: 1,
  maxDepth: 3,
  filters: [4, 8, 16, 24],
  kernels: [1, 3, 5],
  pool: true,
  intBits: [1, 3],
  fracBits: [0, 6],
  tm: [1, 2, 4, 8, 16, 24],
  tn: [1, 2, 4, 8],
  tr: [7, 14, 28],
  tc: [7, 14, 28],
  ports: [2, 6, 10],
  maxFpgas: 2,
};

/** Builds a co-exploration space. Layer i's genes (hardware included) are active when depth ≥ i. */
export function coexploreSpace(o: CoexploreOptions): SearchSpace {
  const genes: Gene[] = [{ name: 'depth', group: 'arch', kind: 'int', min: o.minDepth, max: o.maxDepth }];
  const tiling = (p: string, when: object, rc: boolean): Gene[] => [
    { name: `${p}.Tm`, group: 'hw', kind: 'choice', choices: o.tm, ...when },
    { name: `${p}.Tn`, group: 'hw', kind: 'choice', choices: o.tn, ...when },
    ...(rc
      ? ([
          { name: `${p}.Tr`, group: 'hw', kind: 'choice', choices: o.tr, ...when },
          { name: `${p}.Tc`, group: 'hw', kind: 'choice', choices: o.tc, ...when },
        ] as Gene[])
      : []),
  ];
  for (let i = 1; i <= o.maxDepth; i++) {
    const when = i > o.minDepth ? { when: { gene: 'depth', min: i } } : {};
    const p = `L${i}`;
    genes.push(
      { name: `${p}.kernel`, group: 'arch', kind: 'choice', choices: o.kernels, ...when },
      { name: `${p}.filters`, group: 'arch', kind: 'choice', choices: o.filters, ...when },
      ...(o.pool ? [{ name: `${p}.pool`, group: 'arch', kind: 'bool', ...when } as Gene] : []),
      { name: `${p}.wInt`, group: 'quant', kind: 'bits', min: o.intBits[0], max: o.intBits[1], ...when },
      { name: `${p}.wFrac`, group: 'quant', kind: 'bits', min: o.fracBits[0], max: o.fracBits[1], ...when },
      { name: `${p}.aInt`, group: 'quant', kind: 'bits', min: o.intBits[0], max: o.intBits[1], ...when },
      { name: `${p}.aFrac`, group: 'quant', kind: 'bits', min: o.fracBits[0], max: o.fracBits[1], ...when },
      ...tiling(p, when, true),
    );
  }
  genes.push(
    { name: 'fc.wInt', group: 'quant', kind: 'bits', min: o.intBits[0], max: o.intBits[1] },
    { name: 'fc.wFrac', group: 'quant', kind: 'bits', min: o.fracBits[0], max: o.fracBits[1] },
    ...tiling('fc', {}, false),
    { name: 'hw.Wp', group: 'hw', kind: 'choice', choices: o.ports },
    { name: 'hw.Ip', group: 'hw', kind: 'choice', choices: o.ports },
    { name: 'hw.Op', group: 'hw', kind: 'choice', choices: o.ports },
  );
  if (o.devices && o.devices.length > 0) genes.push({ name: 'hw.device', group: 'hw', kind: 'choice', choices: o.devices });
  if (o.maxFpgas > 1) {
    const two = { when: { gene: 'hw.fpgas', min: 2 } };
    genes.push(
      { name: 'hw.fpgas', group: 'hw', kind: 'int', min: 1, max: o.maxFpgas },
      { name: 'hw.xfer', group: 'hw', kind: 'choice', choices: XFER_LEVELS, ...two },
      { name: 'hw.cut', group: 'hw', kind: 'int', min: 1, max: o.maxDepth, ...two },
    );
  }
  return new SearchSpace({
    name: o.name,
    genes,
    meta: { family: 'lu2019', input: o.input, classes: o.classes, quantization: 'search', hardware: 'genes' },
  });
}
