/** The edge-accelerator model and its workloads, under one namespace (hardware/index.ts exports it as `edge`). */
export * from './edge-accelerator.js';
export * from './edge-workloads.js';
