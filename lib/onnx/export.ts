/**
 * A trained network (lu2019-family chains, MobileNet-like edge networks) → an ONNX model that computes what we
 * trained (DESIGN §6).
 *
 * Graph (input `input`: float32 NCHW [N, C, H, W], pixels k/255 as training sees them; output `logits` [N, classes]):
 *
 *   conv layer:  DequantizeLinear(int weights) → Conv(strides s, pads as TF 'same', group) → Add(bias)
 *                → [BatchNorm: Sub, Mul, Cast, Div, Add, Cast] → Relu (not for a linear convolution)
 *                → [Clip(genome range)] → QuantizeLinear → DequantizeLinear
 *                (float weights: Conv(weights and bias with BatchNorm folded in) → Relu (not for a linear one))
 *   maxpool:     MaxPool 2×2 / 2 (floor, as tfjs 'valid')
 *   add:         Add(previous layer's output, output of layer `from`) (a residual connection; nothing follows)
 *   globalpool:  GlobalAveragePool → [N, C, 1, 1]
 *   dense:       Conv(DequantizeLinear(int weights), kernel = the whole H×W map) → Flatten → Add(float bias)
 *                (float weights: Flatten → Gemm)
 *
 * Convolution padding is TensorFlow's 'same' made explicit: output side ⌈in/s⌉, total padding
 * max((out − 1)·s + K − in, 0) per side pair, the smaller half before and the odd pixel after (for stride 2 over
 * an even side with K = 3 that is 0 before, 1 after) — {@link samePads}. Depthwise convolutions (groups =
 * input channels = filters) are Conv with `group` = C.
 *
 * Layout: the graph takes NCHW, ONNX's native layout, so it has no Transpose node; callers holding NHWC
 * images (tfjs) transpose them (for 1-channel images that is a reshape; {@link nhwcToNchw}). Conv kernels are
 * permuted HWIO [K, K, Cin, Cout] → OIHW [Cout, Cin, K, K]; a depthwise kernel, [K, K, C, 1] in tfjs, becomes
 * [C, 1, K, K] (output channel c reads input channel c). The dense weight's rows, in tfjs's (h, w, c)
 * flatten order, are laid out as ONNX's (c, h, w): [units, C, H, W] for the full-window convolution, rows
 * permuted for a float Gemm (after global pooling H = W = 1 and both orders are the channel order).
 *
 * Quantization (lib/train/fake-quant.ts, the one quantizer): a format with I integer and F fraction bits has
 * scale 2^−F and zero point 0. Weights are stored as their integer codes (initializers), activations pass a
 * QuantizeLinear/DequantizeLinear pair. Containers: int8 for signed formats of ≤ 8 bits, uint8 for
 * unsigned (post-ReLU) formats of ≤ 8 bits (their codes reach 255, which int8 cannot hold), int16 above
 * (uint16 for a 16-bit unsigned format). When the genome's range is narrower than the container's, a Clip
 * to the genome's range precedes QuantizeLinear, so ONNX saturates exactly where training did; the bounds
 * are on the grid, so clip-then-round equals our round-then-clip. QuantizeLinear rounds half to even, as
 * our quantizer does ({@link ROUNDING}). Never ConvInteger: the convolutions stay float over dequantized
 * values, which is exact for products of grid values (see verify.ts for what is and is not exact).
 * Biases stay float32 ({@link BIAS_QUANTIZATION}).
 *
 * BatchNorm (inference form, moving statistics) of a fixed-point layer is NOT folded: after the exact
 * convolution and the bias Add come Sub(μ), Mul(γ), Div(√(σ²+ε)), Add(β) in the arithmetic of our own
 * inference (the last two in double, one rounding), so the activation quantizer sees bit-identical values
 * (see batchNormNodes for the measurements that ruled folding out). The weights keep their integer codes
 * and the pure scale 2^−F. Float genomes export as plain float graphs, BatchNorm folded into the float
 * weights and the Conv bias as usual.
 *
 * Two shapes are chosen because onnxruntime's default graph optimizations would otherwise change the
 * function (found by the verification): a float bias is a separate Add, not Conv's third input (ORT turns a
 * float bias of a Conv over dequantized inputs into int32 on the grid 2^−(Fa+Fw)); and the dense layer is a
 * full-window Conv, not MatMul/Gemm (ORT rewrites DequantizeLinear → MatMul/Gemm into MatMulNBits, which
 * quantizes the activations on the fly and rounds the bias).
 *
 * Opset: 13 (IR 7) when every quantized tensor fits 8 bits; 21 (IR 10) when a 16-bit container is needed
 * (int16 QuantizeLinear/DequantizeLinear exist from opset 21).
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../fs-atomic.js';
import { HwnasError } from '../errors.js';
import { convGroups, convHasRelu, isWeightless, type Architecture, type ConvLayer, type DenseLayer, type FixedPoint, type Shape3 } from '../space/decode.js';
import type { NamedArray, TrainedModel } from '../train/build-model.js';
import { maskWeights } from '../train/masks.js';
import { BIAS_QUANTIZATION, fixedPointRange, isFloatFormat, quantizeToCodes, ROUNDING } from '../train/fake-quant.js';
import {
  AttributeType,
  DataType,
  encodeModel,
  packageVersion,
  type OnnxAttribute,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from './proto.js';

/** Name of the graph input and output. */
export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'logits';

/** Integer container of a quantized tensor. */
export type Container = 'int8' | 'uint8' | 'int16' | 'uint16';

/** One quantized tensor of the export, as recorded in the `hwnas.quantization` metadata. */
export interface QuantizedTensorInfo {
  readonly layer: string;
  readonly tensor: 'weight' | 'activation';
  readonly intBits: number;
  readonly fracBits: number;
  readonly signed: boolean;
  readonly container: Container;
  /** The fixed-point scale 2^−F of its QuantizeLinear/DequantizeLinear nodes. */
  readonly scale: number;
  /** Integer code range of the genome's format. */
  readonly qmin: number;
  readonly qmax: number;
  /** True when a Clip node restricts values to the genome's range (narrower than the container). */
  readonly clipped: boolean;
}

/** Options of {@link buildOnnxModel}. */
export interface ExportOptions {
  /** Graph name (default `hwnas`). */
  readonly name?: string;
  /** Extra metadata properties (key → string value), e.g. genome, hardware report, dataset, accuracy. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Producer version written into the model (default: hwnas's package version when known, else `0`). */
  readonly producerVersion?: string;
  /** Model doc string. */
  readonly docString?: string;
}

/** An exported model: its protobuf object, bytes and what was quantized how. */
export interface OnnxExport {
  readonly model: OnnxModel;
  readonly bytes: Uint8Array;
  readonly opset: number;
  readonly irVersion: number;
  readonly quantized: readonly QuantizedTensorInfo[];
  /** Input shape [C, H, W] (the batch dimension is symbolic, `N`). */
  readonly inputShape: readonly [number, number, number];
  readonly classes: number;
  readonly float: boolean;
}

const CONTAINER_TYPE: Record<Container, number> = {
  int8: DataType.INT8,
  uint8: DataType.UINT8,
  int16: DataType.INT16,
  uint16: DataType.UINT16,
};

/** The integer container of a fixed-point format (see the module comment). */
export function containerFor(f: FixedPoint): Container {
  const bits = f.intBits + f.fracBits;
  if (f.signed) {
    if (bits <= 8) return 'int8';
    if (bits <= 16) return 'int16';
  } else {
    if (bits <= 8) return 'uint8';
    if (bits <= 15) return 'int16';
    if (bits <= 16) return 'uint16';
  }
  throw new HwnasError(
    'INPUT_UNSUPPORTED_FORMAT',
    `a ${f.signed ? 'signed' : 'unsigned'} fixed-point format of ${bits} bits (I=${f.intBits}, F=${f.fracBits}) is wider than ONNX QuantizeLinear's 16-bit types`,
  );
}

function containerRange(c: Container): [number, number] {
  switch (c) {
    case 'int8':
      return [-128, 127];
    case 'uint8':
      return [0, 255];
    case 'int16':
      return [-32768, 32767];
    case 'uint16':
      return [0, 65535];
  }
}

// ---- raw tensor data (little-endian, as the ONNX IR requires for raw_data) ----

function rawFloat32(values: ArrayLike<number>): Uint8Array {
  const buf = new Uint8Array(values.length * 4);
  const dv = new DataView(buf.buffer);
  for (let i = 0; i < values.length; i++) dv.setFloat32(i * 4, values[i], true);
  return buf;
}

function rawInts(values: ArrayLike<number>, c: Container): Uint8Array {
  const wide = c === 'int16' || c === 'uint16';
  const buf = new Uint8Array(values.length * (wide ? 2 : 1));
  const dv = new DataView(buf.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (c === 'int8') dv.setInt8(i, v);
    else if (c === 'uint8') dv.setUint8(i, v);
    else if (c === 'int16') dv.setInt16(i * 2, v, true);
    else dv.setUint16(i * 2, v, true);
  }
  return buf;
}

function floatTensor(name: string, dims: number[], values: ArrayLike<number>, docString?: string): OnnxTensor {
  return { name, dims, dataType: DataType.FLOAT, rawData: rawFloat32(values), ...(docString ? { docString } : {}) };
}

function doubleTensor(name: string, dims: number[], values: ArrayLike<number>, docString?: string): OnnxTensor {
  const buf = new Uint8Array(values.length * 8);
  const dv = new DataView(buf.buffer);
  for (let i = 0; i < values.length; i++) dv.setFloat64(i * 8, values[i], true);
  return { name, dims, dataType: DataType.DOUBLE, rawData: buf, ...(docString ? { docString } : {}) };
}

function intTensor(name: string, dims: number[], values: ArrayLike<number>, c: Container, docString?: string): OnnxTensor {
  return { name, dims, dataType: CONTAINER_TYPE[c], rawData: rawInts(values, c), ...(docString ? { docString } : {}) };
}

function ints(name: string, v: number[]): OnnxAttribute {
  return { name, type: AttributeType.INTS, ints: v };
}

function int(name: string, v: number): OnnxAttribute {
  return { name, type: AttributeType.INT, i: v };
}

function describe(f: FixedPoint): string {
  const r = fixedPointRange(f);
  return `${f.signed ? 'signed' : 'unsigned'} fixed point I=${f.intBits}, F=${f.fracBits}: scale 2^-${f.fracBits}, range [${r.min}, ${r.max}]`;
}

// ---- validation of the trained model ----

function weightsByName(trained: TrainedModel): Map<string, NamedArray> {
  const m = new Map<string, NamedArray>();
  for (const w of trained.weights) m.set(w.name, w);
  return m;
}

function need(weights: Map<string, NamedArray>, name: string, shape: number[]): Float32Array {
  const w = weights.get(name);
  if (!w) throw new HwnasError('INPUT_BAD_MODEL', `the trained model has no weight "${name}"`);
  if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) {
    throw new HwnasError('INPUT_BAD_MODEL', `weight "${name}" has shape [${w.shape}], expected [${shape}]`);
  }
  if (w.data.length !== shape.reduce((a, b) => a * b, 1)) {
    throw new HwnasError('INPUT_BAD_MODEL', `weight "${name}" holds ${w.data.length} values for shape [${shape}]`);
  }
  for (let i = 0; i < w.data.length; i++) {
    if (!Number.isFinite(w.data[i])) throw new HwnasError('INPUT_BAD_MODEL', `weight "${name}" holds a non-finite value at ${i}`);
  }
  return w.data;
}

/**
 * TensorFlow 'same' padding of one spatial side, as [before, after]: output ⌈in/stride⌉, total padding
 * max((out − 1)·stride + kernel − in, 0), the odd pixel at the end (tf.nn.conv2d's documented rule).
 */
export function samePads(inSize: number, kernel: number, stride: number): [number, number] {
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + kernel - inSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, k) => d === b[k]);

/**
 * Throws INPUT_UNSUPPORTED_LAYER unless `arch` is a network this exporter knows (conv — strided, depthwise,
 * linear —, maxpool, residual add, global pooling; dense last), and INPUT_BAD_MODEL when its shapes do not chain.
 */
export function checkExportable(arch: Architecture): void {
  const layers = arch.layers;
  if (layers.length === 0 || layers[layers.length - 1].kind !== 'dense') {
    throw new HwnasError('INPUT_UNSUPPORTED_LAYER', 'the architecture must end with its dense (logits) layer');
  }
  let shape = arch.input;
  const outputs = new Map<string, Shape3>();
  for (let i = 0; i < layers.length; i++) {
    // Loosely typed on purpose: a model file may hold layers this exporter does not know.
    const l = layers[i] as unknown as {
      kind: string;
      name?: string;
      stride?: number;
      size?: number;
      kernel?: number;
      filters?: number;
      groups?: number;
      activation?: string;
      from?: string;
      inShape: Shape3;
      outShape: Shape3;
    };
    const where = `layer ${i} (${l.name ?? '?'})`;
    if (!Array.isArray(l.inShape) || !Array.isArray(l.outShape)) throw new HwnasError('INPUT_BAD_MODEL', `${where}: no inShape/outShape`);
    if (!sameShape(l.inShape, shape)) {
      throw new HwnasError('INPUT_BAD_MODEL', `${where}: input shape [${l.inShape}] does not follow the previous layer's [${shape}]`);
    }
    let expected: readonly number[] | null = null;
    if (l.kind === 'conv') {
      const s = l.stride;
      if (!Number.isInteger(s) || (s as number) < 1) throw new HwnasError('INPUT_UNSUPPORTED_LAYER', `${where}: conv stride ${s} is not supported (a positive integer)`);
      const groups = l.groups ?? 1;
      if (groups !== 1 && !(groups === shape[2] && l.filters === shape[2])) {
        throw new HwnasError('INPUT_UNSUPPORTED_LAYER', `${where}: conv with ${groups} groups over ${shape[2]} channels is not supported (only 1 group, or depthwise: groups = input channels = filters)`);
      }
      if (l.activation !== undefined && l.activation !== 'relu' && l.activation !== 'linear') {
        throw new HwnasError('INPUT_UNSUPPORTED_LAYER', `${where}: conv activation "${l.activation}" is not supported (relu or linear)`);
      }
      expected = [Math.ceil(shape[0] / (s as number)), Math.ceil(shape[1] / (s as number)), l.filters as number];
    } else if (l.kind === 'maxpool') {
      if (l.size !== 2 || l.stride !== 2) {
        throw new HwnasError('INPUT_UNSUPPORTED_LAYER', `${where}: maxpool ${l.size}/${l.stride} is not supported (only 2×2 stride 2)`);
      }
      expected = [Math.floor(shape[0] / 2), Math.floor(shape[1] / 2), shape[2]];
    } else if (l.kind === 'add') {
      const other = l.from === undefined ? undefined : outputs.get(l.from);
      if (!other) throw new HwnasError('INPUT_BAD_MODEL', `${where}: adds the output of "${String(l.from)}", which is not an earlier layer`);
      if (!sameShape(other, shape)) throw new HwnasError('INPUT_BAD_MODEL', `${where}: adds "${l.from}" of shape [${other}] to [${shape}]`);
      expected = shape;
    } else if (l.kind === 'globalpool') {
      expected = [1, 1, shape[2]];
    } else if (l.kind === 'dense') {
      if (i !== layers.length - 1) throw new HwnasError('INPUT_UNSUPPORTED_LAYER', `${where}: a dense layer must be the last layer`);
    } else {
      throw new HwnasError('INPUT_UNSUPPORTED_LAYER', `${where}: layer kind "${l.kind}" cannot be exported`);
    }
    if (expected && !sameShape(l.outShape, expected)) {
      throw new HwnasError('INPUT_BAD_MODEL', `${where}: output shape [${l.outShape}] is not the [${expected}] its ${l.kind} computes from [${shape}]`);
    }
    if (l.name !== undefined) outputs.set(l.name, l.outShape);
    shape = l.outShape;
  }
}

// ---- graph construction ----

class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly inits: OnnxTensor[] = [];
  readonly quantized: QuantizedTensorInfo[] = [];
  needs16 = false;

  node(opType: string, name: string, input: string[], output: string[], attribute: OnnxAttribute[] = [], docString?: string): void {
    this.nodes.push({ name, opType, input, output, ...(attribute.length ? { attribute } : {}), ...(docString ? { docString } : {}) });
  }

  /** Integer weight codes → float via DequantizeLinear (per tensor, scale 2^−F, zero point 0). */
  dequantizedWeight(layer: string, f: FixedPoint, codes: ArrayLike<number>, dims: number[]): string {
    const c = containerFor(f);
    if (c === 'int16' || c === 'uint16') this.needs16 = true;
    const r = fixedPointRange(f);
    const q = `${layer}/weight_q`;
    const s = `${layer}/weight_scale`;
    const z = `${layer}/weight_zero_point`;
    const out = `${layer}/weight`;
    this.inits.push(intTensor(q, dims, codes, c, `integer codes of ${describe(f)}`));
    this.inits.push(floatTensor(s, [], [r.step]), intTensor(z, [], [0], c));
    this.node('DequantizeLinear', `${layer}/weight_dq`, [q, s, z], [out], [], describe(f));
    this.quantized.push({
      layer,
      tensor: 'weight',
      intBits: f.intBits,
      fracBits: f.fracBits,
      signed: f.signed,
      container: c,
      scale: r.step,
      qmin: r.qmin,
      qmax: r.qmax,
      clipped: false,
    });
    return out;
  }

  /** Float value `x` → [Clip] → QuantizeLinear → DequantizeLinear, on the grid and in the range of `f`. */
  quantizedActivation(layer: string, f: FixedPoint, x: string): string {
    const c = containerFor(f);
    if (c === 'int16' || c === 'uint16') this.needs16 = true;
    const r = fixedPointRange(f);
    const [cmin, cmax] = containerRange(c);
    const clipped = r.qmin > cmin || r.qmax < cmax;
    let v = x;
    if (clipped) {
      const lo = `${layer}/act_min`;
      const hi = `${layer}/act_max`;
      this.inits.push(floatTensor(lo, [], [r.min]), floatTensor(hi, [], [r.max]));
      this.node('Clip', `${layer}/act_clip`, [x, lo, hi], [`${layer}/act_clipped`], [], `saturate to the genome's range [${r.min}, ${r.max}]`);
      v = `${layer}/act_clipped`;
    }
    const s = `${layer}/act_scale`;
    const z = `${layer}/act_zero_point`;
    this.inits.push(floatTensor(s, [], [r.step]), intTensor(z, [], [0], c));
    this.node('QuantizeLinear', `${layer}/act_q`, [v, s, z], [`${layer}/act_q`], [], describe(f));
    this.node('DequantizeLinear', `${layer}/act_dq`, [`${layer}/act_q`, s, z], [`${layer}/act`], [], describe(f));
    this.quantized.push({
      layer,
      tensor: 'activation',
      intBits: f.intBits,
      fracBits: f.fracBits,
      signed: f.signed,
      container: c,
      scale: r.step,
      qmin: r.qmin,
      qmax: r.qmax,
      clipped,
    });
    return `${layer}/act`;
  }
}

/** BatchNorm's inference factors k_c = γ/√(σ²+ε) and folded biases (b − μ)·k + β, in float64. */
function foldBatchNorm(trained: TrainedModel, w: Map<string, NamedArray>, layer: ConvLayer, bias: Float32Array) {
  const n = layer.filters;
  const gamma = need(w, `${layer.name}/gamma`, [n]);
  const beta = need(w, `${layer.name}/beta`, [n]);
  const mean = need(w, `${layer.name}/moving_mean`, [n]);
  const variance = need(w, `${layer.name}/moving_variance`, [n]);
  const k = new Float64Array(n);
  const b = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    if (!(variance[c] + trained.bnEpsilon > 0)) {
      throw new HwnasError('INPUT_BAD_MODEL', `${layer.name}: BatchNorm variance + ε is not positive in channel ${c}`);
    }
    k[c] = gamma[c] / Math.sqrt(variance[c] + trained.bnEpsilon);
    b[c] = (bias[c] - mean[c]) * k[c] + beta[c];
  }
  return { k, b };
}

/**
 * BatchNorm of a fixed-point layer, unfolded, in the exact arithmetic of our own inference's kernel (the
 * tfjs wasm backend's FusedBatchNorm): (x − μ)·γ in float32, then ÷ √(σ² + ε) (a float32 per channel) and
 * + β in double, rounded to float32 once — determined by experiment, bit-exact on 160,000 values, where
 * evaluating every step in float32 differed in 27 % of them (by 1 ulp, and more near zero). So the graph is
 * Sub, Mul (float32), Cast to double, Div, Add (double), Cast to float32, and the activation quantizer that
 * follows sees the values training saw. Folding BatchNorm instead (γ/√(σ²+ε) into the weights, or one Mul
 * and Add) rounds differently, and a value that lands on the other side of a rounding boundary moves an
 * activation code by one step (measured: flips in 3 of 20 random BatchNorm nets × 2,000 MNIST images).
 */
function batchNormNodes(g: GraphBuilder, trained: TrainedModel, w: Map<string, NamedArray>, layer: ConvLayer, x: string): string {
  const n = layer.filters;
  const gamma = need(w, `${layer.name}/gamma`, [n]);
  const beta = need(w, `${layer.name}/beta`, [n]);
  const mean = need(w, `${layer.name}/moving_mean`, [n]);
  const variance = need(w, `${layer.name}/moving_variance`, [n]);
  // √(σ² + ε) as the kernel computes it, in float32: fround of the double result is the correctly rounded
  // float32 result for + and √ (double has more than 2·24 + 2 bits).
  const eps = Math.fround(trained.bnEpsilon);
  const std = Float32Array.from(variance, (v, c) => {
    const s = Math.fround(Math.sqrt(Math.fround(v + eps)));
    if (!(s > 0)) throw new HwnasError('INPUT_BAD_MODEL', `${layer.name}: BatchNorm variance + ε is not positive in channel ${c}`);
    return s;
  });
  const p = `${layer.name}/bn`;
  g.inits.push(
    floatTensor(`${p}_mean`, [n, 1, 1], mean, 'BatchNorm moving mean μ'),
    floatTensor(`${p}_gamma`, [n, 1, 1], gamma, 'BatchNorm scale γ'),
    doubleTensor(`${p}_std`, [n, 1, 1], std, 'BatchNorm √(moving variance σ² + ε), a float32 value'),
    doubleTensor(`${p}_beta`, [n, 1, 1], beta, 'BatchNorm offset β, a float32 value'),
  );
  g.node('Sub', `${p}_sub`, [x, `${p}_mean`], [`${p}_centered`]);
  g.node('Mul', `${p}_mul`, [`${p}_centered`, `${p}_gamma`], [`${p}_scaled`]);
  g.node('Cast', `${p}_to_double`, [`${p}_scaled`], [`${p}_scaled_f64`], [int('to', DataType.DOUBLE)]);
  g.node('Div', `${p}_div`, [`${p}_scaled_f64`, `${p}_std`], [`${p}_normalized_f64`]);
  g.node('Add', `${p}_add`, [`${p}_normalized_f64`, `${p}_beta`], [`${p}_out_f64`]);
  g.node('Cast', `${p}_to_float`, [`${p}_out_f64`], [`${p}_out`], [int('to', DataType.FLOAT)], 'BatchNorm output, rounded to float32 once as in training');
  return `${p}_out`;
}

/**
 * A tfjs convolution kernel → ONNX's OIHW layout, each output channel's weights times `scaleOf(o)`: HWIO
 * [K, K, Cin, Cout] → [Cout, Cin, K, K]; a depthwise kernel [K, K, C, 1] → [C, 1, K, K].
 */
function kernelToOihw(values: ArrayLike<number>, K: number, cin: number, cout: number, depthwise: boolean, scaleOf: (o: number) => number): number[] {
  const out = new Array<number>(values.length);
  if (depthwise) {
    for (let c = 0; c < cout; c++) {
      const s = scaleOf(c);
      for (let h = 0; h < K; h++) for (let ww = 0; ww < K; ww++) out[(c * K + h) * K + ww] = values[(h * K + ww) * cout + c] * s;
    }
    return out;
  }
  for (let o = 0; o < cout; o++) {
    const s = scaleOf(o);
    for (let i = 0; i < cin; i++) {
      for (let h = 0; h < K; h++) {
        for (let ww = 0; ww < K; ww++) out[((o * cin + i) * K + h) * K + ww] = values[((h * K + ww) * cin + i) * cout + o] * s;
      }
    }
  }
  return out;
}

function convNode(g: GraphBuilder, trained: TrainedModel, w: Map<string, NamedArray>, layer: ConvLayer, li: number, x: string): string {
  const K = layer.kernel;
  const stride = layer.stride;
  const cin = layer.inShape[2];
  const cout = layer.filters;
  const groups = convGroups(layer);
  const depthwise = groups > 1;
  const q = trained.quantization.layers[li];
  const kernel = need(w, `${layer.name}/kernel`, depthwise ? [K, K, cin, 1] : [K, K, cin, cout]);
  const bias = need(w, `${layer.name}/bias`, [cout]);
  const dims = [cout, depthwise ? 1 : cin, K, K];
  const [top, bottom] = samePads(layer.inShape[0], K, stride);
  const [left, right] = samePads(layer.inShape[1], K, stride);
  const convAttrs = [
    ints('kernel_shape', [K, K]),
    ints('strides', [stride, stride]),
    ints('pads', [top, left, bottom, right]),
    ints('dilations', [1, 1]),
    int('group', groups),
  ];
  const biasName = `${layer.name}/bias`;
  let preact: string;
  if (isFloatFormat(q.weight)) {
    // Float weights: the usual folding, BatchNorm into the weights and the Conv's own bias.
    const folded = trained.batchNorm ? foldBatchNorm(trained, w, layer, bias) : null;
    const weight = `${layer.name}/weight`;
    g.inits.push(floatTensor(weight, dims, kernelToOihw(kernel, K, cin, cout, depthwise, (o) => (folded ? folded.k[o] : 1)), folded ? 'float weights with BatchNorm folded in' : undefined));
    g.inits.push(floatTensor(biasName, [cout], folded ? folded.b : bias, folded ? 'bias with BatchNorm folded in: (b − μ)·γ/√(σ²+ε) + β' : undefined));
    g.node('Conv', `${layer.name}/conv`, [x, weight, biasName], [`${layer.name}/conv`], convAttrs);
    preact = `${layer.name}/conv`;
  } else {
    // Fixed-point weights keep their integer codes and scale 2^−F, so the Conv over grid values is exact.
    // The bias is an Add, not Conv's third input: onnxruntime's optimizer (from level 'basic') rewrites a
    // float Conv bias whose inputs are dequantized into int32 on the grid 2^−(Fa+Fw), which would change
    // what the model computes; our biases are float32 as in training.
    const codes = kernelToOihw(quantizeToCodes(kernel, q.weight), K, cin, cout, depthwise, () => 1);
    const weight = g.dequantizedWeight(layer.name, q.weight, codes, dims);
    g.node('Conv', `${layer.name}/conv`, [x, weight], [`${layer.name}/conv`], convAttrs);
    g.inits.push(floatTensor(biasName, [cout, 1, 1], bias, 'float32 bias'));
    g.node('Add', `${layer.name}/bias_add`, [`${layer.name}/conv`, biasName], [`${layer.name}/biased`]);
    preact = `${layer.name}/biased`;
    if (trained.batchNorm) preact = batchNormNodes(g, trained, w, layer, preact);
  }
  let out = preact;
  if (convHasRelu(layer)) {
    g.node('Relu', `${layer.name}/relu`, [preact], [`${layer.name}/relu`]);
    out = `${layer.name}/relu`;
  }
  if (isFloatFormat(q.activation)) return out;
  return g.quantizedActivation(layer.name, q.activation, out);
}

function denseNode(g: GraphBuilder, trained: TrainedModel, w: Map<string, NamedArray>, layer: DenseLayer, li: number, x: string): string {
  const [H, W, C] = layer.inShape;
  const inSize = H * W * C;
  const units = layer.units;
  const q = trained.quantization.layers[li];
  const kernel = need(w, `${layer.name}/kernel`, [inSize, units]);
  const bias = need(w, `${layer.name}/bias`, [units]);
  if (isFloatFormat(q.weight)) {
    // Float weights: Flatten → Gemm. tfjs flattens NHWC rows in (h, w, c) order, ONNX's Flatten of NCHW in
    // (c, h, w) order: permute the rows.
    const permuted = new Array<number>(kernel.length);
    for (let c = 0; c < C; c++) {
      for (let h = 0; h < H; h++) {
        for (let ww = 0; ww < W; ww++) {
          const ro = (c * H + h) * W + ww;
          const rt = (h * W + ww) * C + c;
          for (let u = 0; u < units; u++) permuted[ro * units + u] = kernel[rt * units + u];
        }
      }
    }
    g.node('Flatten', `${layer.name}/flatten`, [x], [`${layer.name}/flat`], [int('axis', 1)]);
    g.inits.push(floatTensor(`${layer.name}/weight`, [inSize, units], permuted), floatTensor(`${layer.name}/bias`, [units], bias));
    g.node('Gemm', `${layer.name}/gemm`, [`${layer.name}/flat`, `${layer.name}/weight`, `${layer.name}/bias`], [OUTPUT_NAME]);
    return OUTPUT_NAME;
  }
  // Fixed-point weights: the dense layer as its exact equivalent, a convolution whose kernel covers the
  // whole H×W map (weights [units, C, H, W], i.e. tfjs row (h, w, c) → [u, c, h, w]), then Flatten and a
  // float bias Add. Not MatMul/Gemm over dequantized weights: onnxruntime (from level 'extended') rewrites
  // DequantizeLinear → MatMul/Gemm into MatMulNBits, which quantizes the activations on the fly
  // (accuracy level 4) and rounds the bias, so the logits would no longer be what we trained.
  const codes = quantizeToCodes(kernel, q.weight);
  const oihw = new Array<number>(codes.length);
  for (let u = 0; u < units; u++) {
    for (let c = 0; c < C; c++) {
      for (let h = 0; h < H; h++) {
        for (let ww = 0; ww < W; ww++) oihw[((u * C + c) * H + h) * W + ww] = codes[((h * W + ww) * C + c) * units + u];
      }
    }
  }
  const weight = g.dequantizedWeight(layer.name, q.weight, oihw, [units, C, H, W]);
  g.node('Conv', `${layer.name}/dense`, [x, weight], [`${layer.name}/dense`], [
    ints('kernel_shape', [H, W]),
    ints('strides', [1, 1]),
    ints('pads', [0, 0, 0, 0]),
    ints('dilations', [1, 1]),
    int('group', 1),
  ], 'the dense layer: a convolution over the whole feature map');
  g.node('Flatten', `${layer.name}/flatten`, [`${layer.name}/dense`], [`${layer.name}/flat`], [int('axis', 1)]);
  g.inits.push(floatTensor(`${layer.name}/bias`, [units], bias, 'float32 bias'));
  g.node('Add', `${layer.name}/bias_add`, [`${layer.name}/flat`, `${layer.name}/bias`], [OUTPUT_NAME]);
  return OUTPUT_NAME;
}

/**
 * Builds the ONNX model of a trained network (see the module comment). Throws HwnasError with an `INPUT_`
 * code for an unsupported layer or format and for weights that do not match the architecture.
 */
export function buildOnnxModel(trained: TrainedModel, options: ExportOptions = {}): OnnxExport {
  if (trained.format !== 'hwnas-trained-cnn/1') {
    throw new HwnasError('INPUT_BAD_MODEL', `unknown trained-model format "${String(trained.format)}"`);
  }
  if (trained.rounding !== ROUNDING || trained.bias !== BIAS_QUANTIZATION) {
    throw new HwnasError('INPUT_BAD_MODEL', `the model was trained with rounding "${trained.rounding}" / bias "${trained.bias}"; this exporter reproduces "${ROUNDING}" / "${BIAS_QUANTIZATION}"`);
  }
  const arch = trained.architecture;
  checkExportable(arch);
  if (trained.quantization.layers.length !== arch.layers.length) {
    throw new HwnasError('INPUT_BAD_MODEL', 'the quantization does not have one entry per layer');
  }
  // Pruned weights (masks.ts) are exported as zeros, whatever the stored masters hold.
  const w = weightsByName(trained.compression ? { ...trained, weights: maskWeights(arch, trained.compression, trained.weights) } : trained);
  const g = new GraphBuilder();
  let x = INPUT_NAME;
  // Each layer's output tensor, for the residual additions that read an earlier one.
  const outputs = new Map<string, string>();
  arch.layers.forEach((layer, li) => {
    const q = trained.quantization.layers[li];
    if (isWeightless(layer) && (!isFloatFormat(q.weight) || !isFloatFormat(q.activation))) {
      throw new HwnasError('INPUT_UNSUPPORTED_FORMAT', `${layer.name}: a ${layer.kind} layer has no quantizer in training, but the quantization gives it a format`);
    }
    if (layer.kind === 'conv') x = convNode(g, trained, w, layer, li, x);
    else if (layer.kind === 'maxpool') {
      g.node('MaxPool', `${layer.name}/maxpool`, [x], [`${layer.name}`], [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])]);
      x = layer.name;
    } else if (layer.kind === 'add') {
      g.node('Add', `${layer.name}/add`, [x, outputs.get(layer.from)!], [`${layer.name}`], [], `residual: the previous output + ${layer.from}`);
      x = layer.name;
    } else if (layer.kind === 'globalpool') {
      g.node('GlobalAveragePool', `${layer.name}/gap`, [x], [`${layer.name}`]);
      x = layer.name;
    } else x = denseNode(g, trained, w, layer, li, x);
    outputs.set(layer.name, x);
  });
  const [H, W, C] = arch.input;
  const input: OnnxValueInfo = {
    name: INPUT_NAME,
    type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: C }, { dimValue: H }, { dimValue: W }] } } },
    docString: 'images, NCHW float32, pixels k/255 (as in training)',
  };
  const output: OnnxValueInfo = {
    name: OUTPUT_NAME,
    type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: arch.classes }] } } },
    docString: 'class logits (float32)',
  };
  const opset = g.needs16 ? 21 : 13;
  const irVersion = g.needs16 ? 10 : 7;
  const float = g.quantized.length === 0;
  const quantMeta = {
    rounding: ROUNDING,
    bias: BIAS_QUANTIZATION,
    input: 'float32 NCHW, pixels k/255 (not re-quantized)',
    batchNorm: trained.batchNorm ? 'unfolded after fixed-point convolutions (exact order of our inference); folded into float weights' : 'none',
    float,
    tensors: g.quantized,
  };
  const metadata: Record<string, string> = {
    'hwnas.format': 'hwnas-onnx/1',
    'hwnas.layout': 'NCHW input; conv kernels HWIO -> OIHW, depthwise [k,k,C,1] -> [C,1,k,k] (group C); TF same padding as explicit pads; dense rows permuted from tfjs (h,w,c) to ONNX (c,h,w) flatten order',
    'hwnas.quantization': JSON.stringify(quantMeta),
    ...(options.metadata ?? {}),
  };
  const model: OnnxModel = {
    irVersion,
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'hwnas',
    producerVersion: options.producerVersion ?? packageVersion(),
    docString: options.docString ?? (float ? 'hwnas float network' : 'hwnas fixed-point network (QDQ)'),
    graph: {
      name: options.name ?? 'hwnas',
      node: g.nodes,
      initializer: g.inits,
      input: [input],
      output: [output],
    },
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  };
  return {
    model,
    bytes: encodeModel(model),
    opset,
    irVersion,
    quantized: g.quantized,
    inputShape: [C, H, W],
    classes: arch.classes,
    float,
  };
}

/** The same export with more (or replaced) metadata properties, re-encoded. */
export function withMetadata(exp: OnnxExport, extra: Readonly<Record<string, string>>): OnnxExport {
  const props = new Map(exp.model.metadataProps.map((p) => [p.key, p.value]));
  for (const [k, v] of Object.entries(extra)) props.set(k, v);
  const model: OnnxModel = { ...exp.model, metadataProps: [...props].map(([key, value]) => ({ key, value })) };
  return { ...exp, model, bytes: encodeModel(model) };
}

/** Writes an ONNX file atomically (a reader never sees a partial model; errors carry code ONNX_WRITE). */
export function writeOnnxAtomic(file: string, bytes: Uint8Array): void {
  writeFileAtomic(file, bytes, 'ONNX_WRITE');
}

/** NHWC images (tfjs layout) → NCHW (the exported graph's input layout). */
export function nhwcToNchw(images: Float32Array, count: number, [h, w, c]: readonly [number, number, number]): Float32Array {
  if (c === 1) return images.slice(0, count * h * w);
  const out = new Float32Array(count * h * w * c);
  const per = h * w * c;
  for (let n = 0; n < count; n++) {
    const base = n * per;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < c; ch++) out[base + (ch * h + y) * w + x] = images[base + (y * w + x) * c + ch];
      }
    }
  }
  return out;
}
