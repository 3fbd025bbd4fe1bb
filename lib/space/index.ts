export * from './gene.js';
export * from './genome.js';
export * from './search-space.js';
export * from './variation.js';
export * from './views.js';
export * from './decode.js';
export * from './presets/index.js';
export * from './restrict.js';
