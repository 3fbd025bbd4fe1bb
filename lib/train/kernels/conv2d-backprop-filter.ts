/**
 * Conv2DBackpropFilter for the wasm backend (which lacks it), as ONE forward convolution (XNNPACK):
 *
 *   dW[kh,kw,c,m] = Σ_{n,oh,ow} xpad[n, oh·sh + kh, ow·sw + kw, c] · dy[n,oh,ow,m]
 *
 * is a convolution whose "batch" is the input channel c, whose "channels" are the images n, whose filter is
 * dy (of size OH×OW, dilated by the forward stride) and whose output is the K×K window:
 * x → (C,H,W,N), dy → (OH,OW,N,M), conv with dilation = stride, explicit padding = the forward padding,
 * keep the K×K window of the result, transpose (C,K,K,M) → (K,K,C,M). (DESIGN §5.)
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { captureKernel, release, run, WASM, type WasmBackendLike } from './wasm-util.js';

function conv2DBackpropFilter(args: {
  inputs: { x?: TensorInfo; dy?: TensorInfo };
  backend: WasmBackendLike;
  attrs: NamedAttrMap;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x!;
  const dy = inputs.dy!;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
    strides: number | [number, number];
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  if (dataFormat === 'NCHW') throw new Error('wasm Conv2DBackpropFilter supports NHWC only');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const { inHeight: H, inWidth: W, filterHeight: KH, filterWidth: KW, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Padded extent the dilated dy filter must sweep to produce exactly KH×KW outputs.
  const bottom = Math.max(0, KH + (OH - 1) * sh - H - top);
  const right = Math.max(0, KW + (OW - 1) * sw - W - left);

  const xT = run('Transpose', backend, { x }, { perm: [3, 1, 2, 0] }); // (C,H,W,N)
  const dyT = run('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] }); // (OH,OW,N,M)
  const conv = run(
    'Conv2D',
    backend,
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [sh, sw],
    } as unknown as NamedAttrMap,
  ); // (C, ≥KH, ≥KW, M)
  release(backend, xT, dyT);
  let window = conv;
  if (conv.shape[1] !== KH || conv.shape[2] !== KW) {
    // 'valid' padding with rows/columns the forward pass never read: the sweep is longer than K; keep K.
    window = run('Slice', backend, { x: conv }, { begin: [0, 0, 0, 0], size: [conv.shape[0], KH, KW, conv.shape[3]] });
    release(backend, conv);
  }
  const out = run('Transpose', backend, { x: window }, { perm: [1, 2, 0, 3] }); // (KH,KW,C,M)
  release(backend, window);
  return out;
}

/** Kernel config (registered by {@link registerWasmTrainingKernels}). */
export function conv2DBackpropFilterConfig(): KernelConfig {
  for (const k of ['Transpose', 'Conv2D', 'Slice']) captureKernel(k);
  return {
    kernelName: tf.Conv2DBackpropFilter,
    backendName: WASM,
    kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
  };
}
