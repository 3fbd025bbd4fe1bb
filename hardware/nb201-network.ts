/**
 * The hardware network of a NAS-Bench-201 cell (the benchmark's CIFAR network, lib/space/nb201-network.ts), so any
 * hardware model can cost the nb201 space: `hwnas map --arch 'nb201:|nor_conv_3x3~0|+|…|' --model asic`.
 */
import type { Nb201Op } from '../lib/space/presets/nb201.js';
import { nb201Layers, parseNb201Arch, formatNb201Arch, type Nb201NetworkOptions } from '../lib/space/nb201-network.js';
import type { PresetBits } from './architectures.js';
import type { HwLayer, HwNetwork, Word } from './network.js';

/** The network of an architecture string (`nb201:` prefix optional) or six operations, with the given word formats. */
export function nb201Network(arch: string | readonly Nb201Op[], bits: PresetBits, o: Nb201NetworkOptions = {}): HwNetwork {
  const ops = typeof arch === 'string' ? parseNb201Arch(arch) : arch;
  const layers = nb201Layers(ops, o);
  let current: Word = bits.input;
  const hw: HwLayer[] = layers.map((l, i) => {
    const last = i === layers.length - 1;
    const input = current;
    current = bits.activation;
    if (l.kind === 'dense') {
      return { kind: 'dense', name: l.name, inShape: l.inShape, outShape: l.outShape, input, weight: bits.weight, relu: false, output: last && bits.activation !== 'float32' ? 'wide' : bits.activation };
    }
    return {
      kind: 'conv', name: l.name, inShape: l.inShape, outShape: l.outShape, input, output: bits.activation,
      kernel: l.kernel, stride: l.stride, groups: 1, weight: bits.weight, relu: true,
    };
  });
  return { name: `nb201:${formatNb201Arch(ops)}`, input: o.input ?? [32, 32, 3], layers: hw };
}
