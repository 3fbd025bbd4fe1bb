/**
 * Our training kernels for tfjs-backend-wasm: Conv2DBackpropFilter and the two depthwise gradients
 * DepthwiseConv2dNativeBackpropFilter/Input (missing in wasm), fast Conv2DBackpropInput,
 * MaxPoolGrad and transposed BatchMatMul (tfjs-wasm's are scalar loops), and two fused kernels of our own for
 * quantization-aware training (HwnasFakeQuant, HwnasActGrad), and a kernel crop (HwnasCropTaps). Registered once
 * per thread.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchMatMulConfig } from './batch-mat-mul.js';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { depthwiseBackpropConfigs } from './depthwise-backprop.js';
import { CROP_TAPS_KERNEL, cropTapsConfig } from './filter-layout.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { ACT_GRAD_KERNEL, FAKE_QUANT_KERNEL, quantKernelConfigs } from './quant-kernels.js';
import { WASM } from './wasm-util.js';

/** Names of the kernels we provide for the wasm backend. */
export const OWN_WASM_KERNELS: readonly string[] = [
  tf.Conv2DBackpropFilter,
  tf.Conv2DBackpropInput,
  tf.DepthwiseConv2dNativeBackpropFilter,
  tf.DepthwiseConv2dNativeBackpropInput,
  tf.MaxPoolGrad,
  tf.BatchMatMul,
  FAKE_QUANT_KERNEL,
  ACT_GRAD_KERNEL,
  CROP_TAPS_KERNEL,
];

let registered = false;

/** Kernels wasm has no implementation of: always ours. */
const WASM_MISSING: readonly string[] = [tf.Conv2DBackpropFilter, tf.DepthwiseConv2dNativeBackpropFilter, tf.DepthwiseConv2dNativeBackpropInput];

/**
 * Our kernels to install: all, unless env `HWNAS_WASM_KERNELS` lists some (comma-separated kernel names, or
 * `none`) — for benchmarks against tfjs-wasm's own kernels. Those wasm lacks (Conv2DBackpropFilter, the
 * depthwise gradients) are always installed.
 */
export function ownKernelsFromEnv(): readonly string[] {
  const v = process.env.HWNAS_WASM_KERNELS;
  if (v === undefined || v === '' || v === 'all') return OWN_WASM_KERNELS;
  const asked = v === 'none' ? [] : v.split(',').map((s) => s.trim());
  return [...WASM_MISSING, ...asked.filter((k) => OWN_WASM_KERNELS.includes(k) && !WASM_MISSING.includes(k))];
}

/**
 * Registers our kernels for the 'wasm' backend (replacing tfjs-wasm's where it has one). Idempotent.
 * `only` restricts the set (benchmarks compare against tfjs-wasm's own kernels).
 */
export function registerWasmTrainingKernels(only: readonly string[] = ownKernelsFromEnv()): void {
  if (registered) return;
  registered = true;
  const configs = [
    conv2DBackpropFilterConfig(),
    conv2DBackpropInputConfig(),
    ...depthwiseBackpropConfigs(),
    maxPoolGradConfig(),
    batchMatMulConfig(),
    ...quantKernelConfigs(),
    cropTapsConfig(),
  ];
  for (const cfg of configs) {
    if (!only.includes(cfg.kernelName)) continue;
    const original = tf.getKernel(cfg.kernelName, WASM);
    if (original) tf.unregisterKernel(cfg.kernelName, WASM);
    // An overridden kernel we still call (BatchMatMul) binds its wasm function in its setup: keep that.
    tf.registerKernel(original?.setupFunc ? { ...cfg, setupFunc: original.setupFunc } : cfg);
  }
}

export { batchMatMulConfig, conv2DBackpropFilterConfig, conv2DBackpropInputConfig, maxPoolGradConfig };
