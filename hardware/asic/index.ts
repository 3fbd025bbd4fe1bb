/**
 * ASIC accelerators from dataflow templates (MAESTRO-style): the catalog and schema, the three templates, the
 * per-layer and per-network cost (latency, accesses, energy), the area, the `asic` HardwareModel, and the
 * heterogeneous composition NASAIC searches.
 */
export * from './accelerator.js';
export * from './templates.js';
export * from './cost.js';
export * from './network-cost.js';
export * from './report.js';
export { asicModel, specAccelerator, DEFAULT_ACCELERATOR } from './model.js';
export * from './hetero.js';
