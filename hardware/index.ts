/** Public API of the hardware models: devices, layer costs, the DP mapper, tiling, multi-FPGA and the model registry. */
export * from './device.js';
export * from './operator-costs.js';
export * from './network.js';
export * from './layer-cost.js';
export * from './mapper.js';
export * from './brute-force.js';
export * from './fpga-pipeline.js';
export * from './tiling.js';
export {
  partitionLayers, partitionProblem, solvePartition, bruteForcePartition, xferSplitLatency,
  type MultiFpgaOptions, type Partition, type PartitionProblem, type Segment,
} from './multi-fpga.js';
export * from './model.js';
export * from './architectures.js';
export * from './stage.js';
export { runHardwareTask, type HardwareTaskPayload } from './task.js';
