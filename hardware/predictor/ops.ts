/**
 * The operators a measured latency predictor knows, and how a network splits into them. One operator = the
 * node pattern one layer becomes in the exported ONNX graph (lib/onnx/export.ts): a fixed-point conv is
 * DequantizeLinear(weights) → Conv → Add(bias) → Relu → Clip → QuantizeLinear → DequantizeLinear, a float conv
 * is Conv(+bias) → Relu, and so on; so a table entry is the time of that whole block, as nn-Meter's "kernels"
 * (Zhang et al., MobiSys 2021) are fused units rather than single ONNX nodes.
 */
import { HwnasError } from '../../lib/errors.js';
import type { HwLayer, HwNetwork, Word } from '../network.js';

/** Numeric form of a layer in the graph: float32, or QDQ with 8-bit / 16-bit integer containers. */
export type OpPrecision = 'float' | 'q8' | 'q16';

/** A convolution block (depthwise when `groups` = cin = cout); 'same' padding. */
export interface ConvOp {
  readonly op: 'conv';
  readonly cin: number;
  readonly cout: number;
  readonly k: number;
  readonly stride: number;
  /** Input height and width. */
  readonly h: number;
  readonly w: number;
  readonly groups: number;
  readonly precision: OpPrecision;
}

/** Max pooling (floor, no padding). */
export interface PoolOp {
  readonly op: 'maxpool';
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly k: number;
  readonly stride: number;
}

/** The dense (logits) layer on a flattened h×w×cin map. */
export interface DenseOp {
  readonly op: 'dense';
  readonly cin: number;
  readonly h: number;
  readonly w: number;
  readonly units: number;
  readonly precision: OpPrecision;
}

/** A standalone activation over `elements` values. */
export interface ActOp {
  readonly op: 'relu' | 'sigmoid';
  readonly elements: number;
}

/** One operator. */
export type OpSpec = ConvOp | PoolOp | DenseOp | ActOp;

/** Operator kinds. */
export const OP_KINDS = ['conv', 'maxpool', 'dense', 'relu', 'sigmoid'] as const;
export type OpKind = (typeof OP_KINDS)[number];

/** Canonical key of an operator (the predictor table's key). */
export function opKey(o: OpSpec): string {
  switch (o.op) {
    case 'conv':
      return `conv:${o.cin}>${o.cout}:k${o.k}:s${o.stride}:${o.h}x${o.w}:g${o.groups}:${o.precision}`;
    case 'maxpool':
      return `maxpool:${o.c}:k${o.k}:s${o.stride}:${o.h}x${o.w}`;
    case 'dense':
      return `dense:${o.cin}x${o.h}x${o.w}>${o.units}:${o.precision}`;
    case 'relu':
    case 'sigmoid':
      return `${o.op}:${o.elements}`;
  }
}

/** Output side of a 'same' convolution. */
const sameOut = (n: number, s: number): number => Math.ceil(n / s);

/**
 * Regression features of an operator: [1, MACs/1e6, input+output elements/1e4, weights/1e4]. The regression that
 * stands in for table entries the profile did not measure is linear in these, per kind and precision.
 */
export function opFeatures(o: OpSpec): number[] {
  switch (o.op) {
    case 'conv': {
      const oh = sameOut(o.h, o.stride);
      const ow = sameOut(o.w, o.stride);
      const weights = (o.cout * o.cin * o.k * o.k) / o.groups;
      const macs = weights * oh * ow;
      return [1, macs / 1e6, (o.h * o.w * o.cin + oh * ow * o.cout) / 1e4, weights / 1e4];
    }
    case 'maxpool': {
      const oh = Math.floor((o.h - o.k) / o.stride) + 1;
      const ow = Math.floor((o.w - o.k) / o.stride) + 1;
      return [1, (oh * ow * o.c * o.k * o.k) / 1e6, (o.h * o.w * o.c + oh * ow * o.c) / 1e4, 0];
    }
    case 'dense': {
      const weights = o.cin * o.h * o.w * o.units;
      return [1, weights / 1e6, (o.cin * o.h * o.w + o.units) / 1e4, weights / 1e4];
    }
    case 'relu':
    case 'sigmoid':
      return [1, 0, (2 * o.elements) / 1e4, 0];
  }
}

/** The regression group of an operator: kind plus precision (a q8 conv and a float conv are different lines). */
export function opGroup(o: OpSpec): string {
  return o.op === 'conv' || o.op === 'dense' ? `${o.op}:${o.precision}${o.op === 'conv' && o.groups > 1 && o.groups === o.cin ? ':dw' : ''}` : o.op;
}

function precisionOf(words: readonly (Word | 'wide')[]): OpPrecision {
  const ws = words.filter((w): w is Word => w !== 'wide');
  if (ws.length === 0 || ws.some((w) => w === 'float32')) return 'float';
  return Math.max(...(ws as number[])) > 8 ? 'q16' : 'q8';
}

/** The operator of one hardware layer (as the ONNX export builds it). */
export function layerOp(l: HwLayer): OpSpec {
  const [h, w, cin] = l.inShape;
  switch (l.kind) {
    case 'conv':
      return { op: 'conv', cin, cout: l.outShape[2], k: l.kernel, stride: l.stride, h, w, groups: l.groups, precision: precisionOf([l.weight, l.output]) };
    case 'maxpool':
      return { op: 'maxpool', c: cin, h, w, k: l.size, stride: l.size };
    case 'dense':
      return { op: 'dense', cin, h, w, units: l.outShape[2], precision: precisionOf([l.weight]) };
    default:
      throw new HwnasError('HW_UNKNOWN_LAYER', `no latency operator for layer kind "${(l as { kind: string }).kind}"`);
  }
}

/** The operators of a network, in order. */
export function networkOps(net: HwNetwork): OpSpec[] {
  return net.layers.map(layerOp);
}
