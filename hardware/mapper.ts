/** The DP mapper's public entry (the modules are in hardware/mapper/; see mapper/index.ts). */
export * from './mapper/index.js';
