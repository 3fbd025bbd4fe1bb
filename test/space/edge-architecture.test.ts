/**
 * The MobileNet-like edge spaces decode to the one Architecture every consumer reads: strided, depthwise and
 * linear convolutions, residual additions and global pooling, laid out exactly as the edge workloads' layers.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { decodeArchitecture, decodeQuantization, type Architecture } from '../../lib/space/decode.js';
import { decodeEdgeMbnet, edgeMbnetSpace, EDGE_MBNET, EDGE_MBNET_REDUCED } from '../../lib/space/index.js';
import { fromArchitecture, layerMacs, requireLayerKinds } from '../../hardware/network.js';
import { edgeLayersOf } from '../../hardware/edge-model.js';
import { edgeLayerMacs } from '../../hardware/edge-accelerator.js';
import { mobilenetLikeLayers } from '../../hardware/edge-workloads.js';
import { HwnasError } from '../../lib/errors.js';

function checkChain(arch: Architecture): void {
  let shape = arch.input;
  const outputs = new Map<string, readonly number[]>();
  for (const l of arch.layers) {
    expect(l.inShape).toEqual(shape);
    if (l.kind === 'conv') {
      expect(l.outShape).toEqual([Math.ceil(shape[0] / l.stride), Math.ceil(shape[1] / l.stride), l.filters]);
      if ((l.groups ?? 1) > 1) expect(l.groups).toBe(l.inShape[2]);
    }
    if (l.kind === 'add') expect(outputs.get(l.from)).toEqual(l.outShape);
    outputs.set(l.name, l.outShape);
    shape = l.outShape;
  }
  expect(shape).toEqual([1, 1, arch.classes]);
}

describe('edge-mbnet architectures', () => {
  for (const options of [EDGE_MBNET_REDUCED, EDGE_MBNET]) {
    it(`${options.name}: shapes chain, and the hardware view equals the edge workload's layers`, () => {
      const space = edgeMbnetSpace(options);
      const rng = Rng.fromSeed(7);
      for (let i = 0; i < 40; i++) {
        const g = space.sample(rng);
        const arch = decodeArchitecture(space, g);
        checkChain(arch);
        const quant = decodeQuantization(space, g);
        expect(quant.float).toBe(true);
        const net = fromArchitecture(arch, quant);
        const edge = edgeLayersOf(net);
        expect(edge).toEqual(mobilenetLikeLayers(decodeEdgeMbnet(space, g)));
        expect(net.layers.reduce((s, l) => s + layerMacs(l), 0)).toBe(edge.reduce((s, l) => s + edgeLayerMacs(l), 0));
      }
    });
  }

  it('adds a residual exactly where a block keeps stride 1 and its channels, from the block input', () => {
    const space = edgeMbnetSpace(EDGE_MBNET_REDUCED);
    const g = { ...space.sample(Rng.fromSeed(1)), 'S5.blocks': 2, 'S5.op': 'ibn', 'S5.expansion': 3, 'S4.blocks': 1 };
    const arch = decodeArchitecture(space, g);
    const adds = arch.layers.filter((l) => l.kind === 'add');
    expect(adds.map((a) => a.name)).toContain('s5b2.add');
    const add = arch.layers.find((l) => l.name === 's5b2.add');
    // s5b1 changes the channels, so it has no residual: s5b2's input is s5b1's projection.
    expect(add?.kind === 'add' && add.from).toBe('s5b1.project');
    // The first block of a stage that changes channels or strides has no residual.
    expect(arch.layers.some((l) => l.name === 's5b1.add')).toBe(false);
    const dw = arch.layers.find((l) => l.name === 's5b2.dw');
    expect(dw?.kind === 'conv' && dw.groups).toBe(dw?.inShape[2]);
    const project = arch.layers.find((l) => l.name === 's5b2.project');
    expect(project?.kind === 'conv' && project.activation).toBe('linear');
  });

  it('FPGA models refuse residual and global-pooling layers by name', () => {
    const space = edgeMbnetSpace(EDGE_MBNET_REDUCED);
    const g = space.sample(Rng.fromSeed(3));
    const net = fromArchitecture(decodeArchitecture(space, g), decodeQuantization(space, g));
    expect(() => requireLayerKinds(net, 'lu2019-pipeline', ['conv', 'maxpool', 'dense'])).toThrow(HwnasError);
    expect(() => requireLayerKinds(net, 'lu2019-pipeline', ['conv', 'maxpool', 'dense'])).toThrow(/globalpool/);
  });
});
