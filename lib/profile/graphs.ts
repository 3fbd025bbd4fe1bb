/**
 * ONNX graphs to time: one per operator, in the node pattern lib/onnx/export.ts gives that layer (so a table
 * entry times what the exported network runs), and whole networks built by the exporter itself from a decoded
 * architecture with random weights (the validation measures exactly what `hwnas export` writes).
 */
import { buildOnnxModel, INPUT_NAME, OUTPUT_NAME } from '../onnx/export.js';
import { AttributeType, DataType, encodeModel, type OnnxAttribute, type OnnxModel, type OnnxNode, type OnnxTensor } from '../onnx/proto.js';
import type { Rng } from '../rng.js';
import { decodeArchitecture, decodeQuantization, type Architecture, type Quantization } from '../space/decode.js';
import { presetSpace } from '../space/presets/index.js';
import type { TrainedModel, NamedArray } from '../train/build-model.js';
import { BIAS_QUANTIZATION, ROUNDING } from '../train/fake-quant.js';
import type { OpSpec } from '../../hardware/predictor/ops.js';

/** A graph ready to time: its bytes and the input shape (NCHW or [1, n]). */
export interface TimedGraphSpec {
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly inputShape: readonly number[];
}

const ints = (name: string, v: number[]): OnnxAttribute => ({ name, type: AttributeType.INTS, ints: v });
const int = (name: string, v: number): OnnxAttribute => ({ name, type: AttributeType.INT, i: v });

function floatInit(name: string, dims: number[], rng: Rng, scale = 0.1): OnnxTensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const buf = new Uint8Array(n * 4);
  const dv = new DataView(buf.buffer);
  for (let i = 0; i < n; i++) dv.setFloat32(i * 4, rng.uniform(-scale, scale), true);
  return { name, dims, dataType: DataType.FLOAT, rawData: buf };
}

function scalarFloat(name: string, v: number): OnnxTensor {
  const buf = new Uint8Array(4);
  new DataView(buf.buffer).setFloat32(0, v, true);
  return { name, dims: [], dataType: DataType.FLOAT, rawData: buf };
}

function intInit(name: string, dims: number[], wide: boolean, signed: boolean, rng: Rng | null): OnnxTensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const buf = new Uint8Array(n * (wide ? 2 : 1));
  const dv = new DataView(buf.buffer);
  for (let i = 0; i < n; i++) {
    const v = rng ? rng.int(-31, 31) : 0;
    if (wide) dv.setInt16(i * 2, v, true);
    else if (signed) dv.setInt8(i, v);
    else dv.setUint8(i, Math.abs(v));
  }
  const dataType = wide ? DataType.INT16 : signed ? DataType.INT8 : DataType.UINT8;
  return { name, dims, dataType, rawData: buf };
}

/** TensorFlow 'same' padding for side n, kernel k, stride s: [before, after]. */
function samePads(n: number, k: number, s: number): [number, number] {
  const total = Math.max((Math.ceil(n / s) - 1) * s + k - n, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

function model(nodes: OnnxNode[], inits: OnnxTensor[], inputShape: number[], outputShape: number[], opset: number): Uint8Array {
  const m: OnnxModel = {
    irVersion: opset >= 21 ? 10 : 7,
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'hwnas-profile',
    producerVersion: '0',
    docString: 'hwnas latency profile graph',
    graph: {
      name: 'profile',
      node: nodes,
      initializer: inits,
      input: [{ name: INPUT_NAME, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: inputShape.map((d) => ({ dimValue: d })) } } } }],
      output: [{ name: OUTPUT_NAME, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: outputShape.map((d) => ({ dimValue: d })) } } } }],
    },
    metadataProps: [],
  };
  return encodeModel(m);
}

/** The empty graph (Identity): its time is the per-run overhead subtracted from every operator. */
export function emptyGraph(): TimedGraphSpec {
  const shape = [1, 1, 28, 28];
  return { key: 'empty', bytes: model([{ name: 'id', opType: 'Identity', input: [INPUT_NAME], output: [OUTPUT_NAME] }], [], shape, shape, 13), inputShape: shape };
}

/** The graph of one operator (see the module comment), with random weights from `rng`. */
export function opGraph(o: OpSpec, key: string, rng: Rng): TimedGraphSpec {
  const nodes: OnnxNode[] = [];
  const inits: OnnxTensor[] = [];
  const node = (opType: string, name: string, input: string[], output: string[], attribute: OnnxAttribute[] = []): void => {
    nodes.push({ name, opType, input, output, ...(attribute.length ? { attribute } : {}) });
  };
  switch (o.op) {
    case 'conv': {
      const inShape = [1, o.cin, o.h, o.w];
      const oh = Math.ceil(o.h / o.stride);
      const ow = Math.ceil(o.w / o.stride);
      const [pt, pb] = samePads(o.h, o.k, o.stride);
      const [pl, pr] = samePads(o.w, o.k, o.stride);
      const attrs = [ints('kernel_shape', [o.k, o.k]), ints('strides', [o.stride, o.stride]), ints('pads', [pt, pl, pb, pr]), ints('dilations', [1, 1]), int('group', o.groups)];
      const wdims = [o.cout, o.cin / o.groups, o.k, o.k];
      if (o.precision === 'float') {
        inits.push(floatInit('w', wdims, rng), floatInit('b', [o.cout], rng));
        node('Conv', 'conv', [INPUT_NAME, 'w', 'b'], ['c'], attrs);
        node('Relu', 'relu', ['c'], [OUTPUT_NAME]);
        return { key, bytes: model(nodes, inits, inShape, [1, o.cout, oh, ow], 13), inputShape: inShape };
      }
      const wide = o.precision === 'q16';
      inits.push(intInit('wq', wdims, wide, true, rng), scalarFloat('ws', 1 / 32), intInit('wz', [], wide, true, null));
      node('DequantizeLinear', 'wdq', ['wq', 'ws', 'wz'], ['w']);
      node('Conv', 'conv', [INPUT_NAME, 'w'], ['c'], attrs);
      inits.push(floatInit('b', [o.cout, 1, 1], rng));
      node('Add', 'bias', ['c', 'b'], ['cb']);
      node('Relu', 'relu', ['cb'], ['r']);
      inits.push(scalarFloat('lo', 0), scalarFloat('hi', wide ? 7.9 : 3.9));
      node('Clip', 'clip', ['r', 'lo', 'hi'], ['rc']);
      inits.push(scalarFloat('as', wide ? 1 / 64 : 1 / 16), intInit('az', [], wide, false, null));
      node('QuantizeLinear', 'aq', ['rc', 'as', 'az'], ['q']);
      node('DequantizeLinear', 'adq', ['q', 'as', 'az'], [OUTPUT_NAME]);
      return { key, bytes: model(nodes, inits, inShape, [1, o.cout, oh, ow], wide ? 21 : 13), inputShape: inShape };
    }
    case 'maxpool': {
      const inShape = [1, o.c, o.h, o.w];
      const oh = Math.floor((o.h - o.k) / o.stride) + 1;
      const ow = Math.floor((o.w - o.k) / o.stride) + 1;
      node('MaxPool', 'pool', [INPUT_NAME], [OUTPUT_NAME], [ints('kernel_shape', [o.k, o.k]), ints('strides', [o.stride, o.stride])]);
      return { key, bytes: model(nodes, inits, inShape, [1, o.c, oh, ow], 13), inputShape: inShape };
    }
    case 'dense': {
      const inShape = [1, o.cin, o.h, o.w];
      if (o.precision === 'float') {
        node('Flatten', 'flat', [INPUT_NAME], ['f'], [int('axis', 1)]);
        inits.push(floatInit('w', [o.cin * o.h * o.w, o.units], rng), floatInit('b', [o.units], rng));
        node('Gemm', 'gemm', ['f', 'w', 'b'], [OUTPUT_NAME]);
        return { key, bytes: model(nodes, inits, inShape, [1, o.units], 13), inputShape: inShape };
      }
      const wide = o.precision === 'q16';
      inits.push(intInit('wq', [o.units, o.cin, o.h, o.w], wide, true, rng), scalarFloat('ws', 1 / 32), intInit('wz', [], wide, true, null));
      node('DequantizeLinear', 'wdq', ['wq', 'ws', 'wz'], ['w']);
      node('Conv', 'dense', [INPUT_NAME, 'w'], ['d'], [ints('kernel_shape', [o.h, o.w]), ints('strides', [1, 1]), ints('pads', [0, 0, 0, 0]), ints('dilations', [1, 1]), int('group', 1)]);
      node('Flatten', 'flat', ['d'], ['f'], [int('axis', 1)]);
      inits.push(floatInit('b', [o.units], rng));
      node('Add', 'bias', ['f', 'b'], [OUTPUT_NAME]);
      return { key, bytes: model(nodes, inits, inShape, [1, o.units], wide ? 21 : 13), inputShape: inShape };
    }
    case 'relu':
    case 'sigmoid': {
      const inShape = [1, o.elements];
      node(o.op === 'relu' ? 'Relu' : 'Sigmoid', 'act', [INPUT_NAME], [OUTPUT_NAME]);
      return { key, bytes: model(nodes, inits, inShape, inShape, 13), inputShape: inShape };
    }
  }
}

/** A "trained" model of `arch` with random weights: what the exporter needs to build the network's graph. */
export function randomTrainedModel(arch: Architecture, quant: Quantization, rng: Rng): TrainedModel {
  const weights: NamedArray[] = [];
  const rand = (n: number, s: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform(-s, s));
  for (const l of arch.layers) {
    if (l.kind === 'conv') {
      const cin = l.inShape[2];
      weights.push({ name: `${l.name}/kernel`, shape: [l.kernel, l.kernel, cin, l.filters], data: rand(l.kernel * l.kernel * cin * l.filters, 0.5) });
      weights.push({ name: `${l.name}/bias`, shape: [l.filters], data: rand(l.filters, 0.1) });
    } else if (l.kind === 'dense') {
      const n = l.inShape[0] * l.inShape[1] * l.inShape[2];
      weights.push({ name: `${l.name}/kernel`, shape: [n, l.units], data: rand(n * l.units, 0.5) });
      weights.push({ name: `${l.name}/bias`, shape: [l.units], data: rand(l.units, 0.1) });
    }
  }
  return { format: 'hwnas-trained-cnn/1', architecture: arch, quantization: quant, batchNorm: false, bnEpsilon: 1e-3, rounding: ROUNDING, bias: BIAS_QUANTIZATION, weights };
}

/** The exported graph of a decoded architecture with random weights (exactly what `hwnas export` builds, BatchNorm off). */
export function networkGraph(arch: Architecture, quant: Quantization, key: string, rng: Rng): TimedGraphSpec {
  const exp = buildOnnxModel(randomTrainedModel(arch, quant, rng));
  const [C, H, W] = exp.inputShape;
  return { key, bytes: exp.bytes, inputShape: [1, C, H, W] };
}

/** Networks in the speed reference (see {@link referenceGraphs}). */
export const REFERENCE_NETWORKS = 8;

/**
 * The speed reference: a fixed panel of whole networks (half lu2019-mnist, half lu2019-mnist-float, sampled with
 * `rng`), timed in every chunk so that times taken under different load compare (timing.ts `normalise`: the
 * median over the panel of its figure now / its level). Whole networks rather than single operators: measured
 * with three operator graphs as the reference, normalising two passes over the same 400 networks lowered their
 * agreement within ±10 % from 96 % to 80 %; a panel of eight networks of the chunk kept it at 95 %.
 */
export function referenceGraphs(rng: Rng): TimedGraphSpec[] {
  const spaces = [presetSpace('lu2019-mnist'), presetSpace('lu2019-mnist-float')];
  return Array.from({ length: REFERENCE_NETWORKS }, (_, i) => {
    const s = spaces[i % spaces.length];
    const g = s.sample(rng);
    return networkGraph(decodeArchitecture(s, g), decodeQuantization(s, g), `reference#${i}`, rng);
  });
}
