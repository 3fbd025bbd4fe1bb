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
/** The genome's own hardware (co-exploration designs) and the FPGA energy model. */
export { evaluateDesign, PORT_WORD_BITS, type DesignItem, type DesignLayer, type DesignResult, type DesignContext } from './design-model.js';
/** Compression on the tiled accelerator (HotNAS): pruned layers, the pattern term and packing with their support's cost. */
export { compressItems, portWeightBits, supportBramBlocks, PACKING_WORD_BITS, PATTERN_INDEX_BITS, type CompressibleItem, type CompressedItem } from './compression.js';
export { imageEnergy, macEnergyPj, bramWordPj, dramWordPj, staticPowerW, HOROWITZ_45NM, FPGA_GAP, STATIC_POWER_W, type EnergyLayer, type EnergyReport } from './fpga-energy.js';
export * from './architectures.js';
export { runHardwareTask, type HardwareTaskPayload } from './task.js';
/** ASIC dataflow templates, the `asic` model and heterogeneous sub-accelerators (`hardware.asic.layerCost`, …). */
export * as asic from './asic/index.js';
export * from './energy-constants.js';
export { nb201Network } from './nb201-network.js';
/** The analytical edge-accelerator template, its exact per-layer mapper and MobileNet-like workloads (`hardware.edge.edgeLayerCost`, …). */
export * as edge from './edge-index.js';
