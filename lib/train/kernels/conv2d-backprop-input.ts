/**
 * Conv2DBackpropInput for the wasm backend as ONE forward convolution (XNNPACK) instead of tfjs-wasm's scalar
 * loop: the gradient of a correlation is a full correlation of dy with the spatially flipped filter whose in/out
 * channels are swapped:
 *
 *   dx[n,i,j,c] = Σ_{k,l,m} dyd[n, i + top − (KH−1) + k', j + left − (KW−1) + l', m] · W[KH−1−k', KW−1−l', c, m]
 *
 * where dyd is dy with (stride − 1) zeros inserted between its pixels (only when stride > 1).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { flipTransposeFilter } from './filter-layout.js';
import { captureKernel, release, reshapeView, run, WASM, type WasmBackendLike } from './wasm-util.js';

/** dy with (s−1) zeros after every pixel along height and width: (N, OH·sh, OW·sw, M). */
export function dilate(backend: WasmBackendLike, dy: TensorInfo, sh: number, sw: number): TensorInfo {
  const [n, oh, ow, m] = dy.shape;
  const v = reshapeView(backend, dy, [n, oh, 1, ow, 1, m]);
  const padded = run('PadV2', backend, { x: v }, {
    paddings: [
      [0, 0],
      [0, 0],
      [0, sh - 1],
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ],
    constantValue: 0,
  } as unknown as NamedAttrMap);
  release(backend, v);
  padded.shape = [n, oh * sh, ow * sw, m];
  return padded;
}

function conv2DBackpropInput(args: {
  inputs: { dy?: TensorInfo; filter?: TensorInfo };
  backend: WasmBackendLike;
  attrs: NamedAttrMap;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy!;
  const filter = inputs.filter!;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as {
    strides: number | [number, number];
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    inputShape: [number, number, number, number];
  };
  if (dataFormat === 'NCHW') throw new Error('wasm Conv2DBackpropInput supports NHWC only');
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );

  // Filter (KH,KW,C,M) → flipped, channels swapped (KH,KW,M,C), in one pass (filter-layout.ts).
  const wF = flipTransposeFilter(backend, filter);

  const { src, pt, pb, pl, pr } = gradientSource(backend, dy, info);
  const out = run('Conv2D', backend, { x: src, filter: wF }, {
    strides: [1, 1],
    pad: [
      [0, 0],
      [pt, pb],
      [pl, pr],
      [0, 0],
    ],
    dataFormat: 'NHWC',
    dilations: [1, 1],
  } as unknown as NamedAttrMap);
  if (src !== dy) release(backend, src);
  release(backend, wF);
  return out;
}

/** What {@link gradientSource} returns: dy dilated and cropped, and the padding a 'valid' correlation needs. */
export interface GradientSource {
  readonly src: TensorInfo;
  readonly pt: number;
  readonly pb: number;
  readonly pl: number;
  readonly pr: number;
}

/**
 * The input of an input-gradient convolution: dy dilated by the forward stride, with the zero padding before
 * and after it that makes a 'valid' correlation with the flipped filter yield exactly the input's H×W (rows and
 * columns that no output needs cropped instead). `src` is dy itself when nothing changes; release it otherwise.
 */
export function gradientSource(
  backend: WasmBackendLike,
  dy: TensorInfo,
  info: { inHeight: number; inWidth: number; filterHeight: number; filterWidth: number; strideHeight: number; strideWidth: number; padInfo: { top: number; left: number } },
): GradientSource {
  const { inHeight: H, inWidth: W, filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  let src = sh > 1 || sw > 1 ? dilate(backend, dy, sh, sw) : dy;
  // Zero padding before/after the (dilated) dy so a 'valid' correlation yields exactly H×W.
  let pt = KH - 1 - info.padInfo.top;
  let pl = KW - 1 - info.padInfo.left;
  let pb = H + KH - 1 - pt - src.shape[1];
  let pr = W + KW - 1 - pl - src.shape[2];
  if (pt < 0 || pl < 0 || pb < 0 || pr < 0) {
    // Rows/columns of dy that no output needs (large explicit padding, trailing dilation zeros): crop them.
    const begin = [0, Math.max(0, -pt), Math.max(0, -pl), 0];
    const size = [
      src.shape[0],
      src.shape[1] - begin[1] - Math.max(0, -pb),
      src.shape[2] - begin[2] - Math.max(0, -pr),
      src.shape[3],
    ];
    const cropped = run('Slice', backend, { x: src }, { begin, size });
    if (src !== dy) release(backend, src);
    src = cropped;
    pt = Math.max(0, pt);
    pl = Math.max(0, pl);
    pb = Math.max(0, pb);
    pr = Math.max(0, pr);
  }
  return { src, pt, pb, pl, pr };
}

/** Kernel config (registered by {@link registerWasmTrainingKernels}); overrides tfjs-wasm's own. */
export function conv2DBackpropInputConfig(): KernelConfig {
  for (const k of ['PadV2', 'Slice', 'Conv2D']) captureKernel(k);
  return {
    kernelName: tf.Conv2DBackpropInput,
    backendName: WASM,
    kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
  };
}
