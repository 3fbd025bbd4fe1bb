/**
 * The vocabulary of a decoded network: its layers and their shapes. Decoders (decode.ts, decode-edge.ts) build
 * it; hardware models, training and export read it.
 */

/** Tensor shape [height, width, channels]. */
export type Shape3 = readonly [number, number, number];

/**
 * A convolution, 'same' padding (output side ⌈input / stride⌉), followed by (BatchNorm and) ReLU unless
 * `activation` is 'linear'. The lu2019 spaces decode stride 1, one group, ReLU; the MobileNet-like edge spaces
 * also decode strided, depthwise (`groups` = input channels = filters) and linear (projection) convolutions.
 */
export interface ConvLayer {
  readonly kind: 'conv';
  /** Stable name, e.g. `L2`, used in reports and exported graphs. */
  readonly name: string;
  readonly filters: number;
  readonly kernel: number;
  readonly stride: number;
  /** Channel groups (default 1); a depthwise convolution has as many groups as input channels. */
  readonly groups?: number;
  /** What follows the convolution (default 'relu'); 'linear' keeps the output as it is (MobileNetV2's projection). */
  readonly activation?: 'relu' | 'linear';
  readonly inShape: Shape3;
  readonly outShape: Shape3;
}

/** A 2×2 max pooling with stride 2 ('valid'). */
export interface PoolLayer {
  readonly kind: 'maxpool';
  readonly name: string;
  readonly size: 2;
  readonly stride: 2;
  readonly inShape: Shape3;
  readonly outShape: Shape3;
}

/**
 * A residual connection: the previous layer's output plus the output of layer `from` (same shape), as at the end
 * of MobileNetV2's stride-1 inverted bottlenecks. No activation follows.
 */
export interface AddLayer {
  readonly kind: 'add';
  readonly name: string;
  /** The earlier layer whose output is added. */
  readonly from: string;
  readonly inShape: Shape3;
  readonly outShape: Shape3;
}

/** Global average pooling: the mean of each channel over the feature map, to [1, 1, channels]. */
export interface GlobalPoolLayer {
  readonly kind: 'globalpool';
  readonly name: string;
  readonly inShape: Shape3;
  readonly outShape: Shape3;
}

/** Flatten → fully connected layer producing the logits. */
export interface DenseLayer {
  readonly kind: 'dense';
  readonly name: string;
  readonly units: number;
  readonly inShape: Shape3;
  readonly outShape: Shape3;
}

/** One layer of a decoded CNN. */
export type LayerSpec = ConvLayer | PoolLayer | AddLayer | GlobalPoolLayer | DenseLayer;

/**
 * A decoded CNN: layers from the input to the logits, in order; each reads the previous layer's output (an
 * {@link AddLayer} also reads an earlier one).
 */
export interface Architecture {
  readonly input: Shape3;
  readonly classes: number;
  readonly layers: readonly LayerSpec[];
}

/** Groups of a convolution (1 unless depthwise or grouped). */
export function convGroups(layer: ConvLayer): number {
  return layer.groups ?? 1;
}

/** True when a ReLU follows the convolution. */
export function convHasRelu(layer: ConvLayer): boolean {
  return (layer.activation ?? 'relu') === 'relu';
}

/** True for layers without weights (pooling, residual additions). */
export function isWeightless(layer: LayerSpec): layer is PoolLayer | AddLayer | GlobalPoolLayer {
  return layer.kind === 'maxpool' || layer.kind === 'add' || layer.kind === 'globalpool';
}
