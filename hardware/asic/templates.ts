/**
 * The dataflow templates as mappings: which loop dimensions are spread over the PEs (spatial), what one PE
 * computes in one step (its tile), and in what order the steps run (temporal loops, outer → inner). These are the
 * MAESTRO directive lists of MODELS-ACCELERATORS §5.1 reduced to one cluster level each; the choices we made where
 * the directives leave room are marked [inferred].
 */
import type { AsicAccelerator, Template } from './accelerator.js';

/** Loop dimensions: batch, filters, input channels, output rows/cols, filter rows/cols (MAESTRO's N K C Y' X' R S). */
export type Dim = 'N' | 'K' | 'C' | 'Y' | 'X' | 'R' | 'S';

/** All dims. */
export const DIMS: readonly Dim[] = ['N', 'K', 'C', 'Y', 'X', 'R', 'S'];

/** One convolution (per group) as the dataflow sees it; a dense layer is Y = X = R = S = 1. */
export interface ConvShape {
  readonly N: number;
  readonly K: number;
  readonly C: number;
  /** Output rows and columns. */
  readonly Y: number;
  readonly X: number;
  readonly R: number;
  readonly S: number;
  readonly stride: number;
  /** Independent groups (AlexNet's two halves), run one after the other. */
  readonly groups: number;
}

/** A mapping of one layer onto one accelerator. */
export interface Mapping {
  /** PEs spread over each dim (product ≤ PEs). */
  readonly spatial: Readonly<Record<Dim, number>>;
  /** What one PE computes in one step, per dim. */
  readonly tile: Readonly<Record<Dim, number>>;
  /** Temporal loops, outer → inner (dims left out have one iteration). */
  readonly order: readonly Dim[];
  /** Words one PE must hold (stationary data + streaming windows). */
  readonly l1Words: number;
  /** PEs per cluster and clusters (for the NoC area and the report). */
  readonly clusterSize: number;
  readonly clusters: number;
  /** In words, e.g. `Y'×15 R×11 | K16 X'55 S11`. */
  readonly description: string;
}

const ones = (): Record<Dim, number> => ({ N: 1, K: 1, C: 1, Y: 1, X: 1, R: 1, S: 1 });

function describe(sp: Record<Dim, number>, tile: Record<Dim, number>): string {
  const s = DIMS.filter((d) => sp[d] > 1).map((d) => `${d}×${sp[d]}`).join(' ') || '1 PE';
  const t = DIMS.filter((d) => tile[d] > 1).map((d) => `${d}${tile[d]}`).join(' ') || '1 MAC';
  return `spatial ${s} | tile ${t}`;
}

/**
 * Row-stationary (Eyeriss-like) [code: MAESTRO rs.m; validation/eyeriss/alexnet_rs_validation.m]: a cluster of R
 * PEs computes one output row (each PE one filter row × one output row, S MACs per output pixel); clusters take
 * different output rows; when a layer has fewer output rows than clusters, the spare clusters take other filters
 * (Eyeriss' replication; MAESTRO's validation maps conv3–5 with SpatialMap K). Each PE keeps `p` filter rows
 * (Eyeriss' p, MAESTRO's TemporalMap(16,16) K at most 16) that fit its L1 with the S-wide input window and p psums.
 * Steps run filters, batch, rows outer and channels innermost, so psums accumulate in the PE [inferred].
 */
function rowStationary(l: ConvShape, a: AsicAccelerator): Mapping {
  const cluster = Math.min(a.clusterSize ?? l.R, a.pes);
  const sp = ones();
  const tile = ones();
  sp.R = Math.min(l.R, cluster);
  const clusters = Math.max(1, Math.floor(a.pes / cluster));
  sp.Y = Math.min(l.Y, clusters);
  sp.K = Math.max(1, Math.min(l.K, Math.floor(clusters / sp.Y)));
  tile.R = Math.ceil(l.R / sp.R);
  tile.S = l.S;
  tile.X = l.X;
  const l1Words = Math.floor(a.l1Bytes / a.wordBytes);
  // p filters per PE: p·R_t·S weights + S inputs + p psums must fit the L1.
  const fit = Math.floor((l1Words - l.S) / (tile.R * l.S + 1));
  tile.K = Math.max(1, Math.min(16, Math.ceil(l.K / sp.K), fit));
  return {
    spatial: sp,
    tile,
    order: ['K', 'N', 'Y', 'C', 'R'],
    l1Words: tile.K * tile.R * l.S + l.S + tile.K,
    clusterSize: cluster,
    clusters,
    description: describe(sp, tile),
  };
}

/**
 * Weight-stationary (NVDLA-like, MAESTRO `dla` = `kcp_ws`) [code: MAESTRO kcp_ws.m]: clusters of 64 PEs (or the
 * accelerator's `clusterSize`) take different filters K, the PEs of a cluster different input channels C; each PE
 * holds one R×S filter plane and slides it over the output (Y, X innermost), reducing over C across the cluster.
 * Loop order K, C, N, Y, X as the directives.
 */
function weightStationary(l: ConvShape, a: AsicAccelerator): Mapping {
  const cluster = Math.min(a.clusterSize ?? 64, a.pes);
  const clusters = Math.max(1, Math.floor(a.pes / cluster));
  const sp = ones();
  const tile = ones();
  sp.C = Math.min(l.C, cluster);
  sp.K = Math.min(l.K, clusters);
  tile.R = l.R;
  tile.S = l.S;
  return {
    spatial: sp,
    tile,
    order: ['K', 'C', 'N', 'Y', 'X'],
    l1Words: 2 * l.R * l.S + 1,
    clusterSize: cluster,
    clusters,
    description: describe(sp, tile),
  };
}

/**
 * Output-stationary (ShiDianNao-like, MAESTRO `shi`) [code: MAESTRO data/mapping/UNet_shi.m]: clusters take output
 * rows, the 8 PEs of a cluster (or `clusterSize`) 8 output columns; each PE accumulates its output pixel over one
 * R×S window per step. Loop order K, C, N, Y, X as the directives (X innermost: the window slides along the row).
 */
function outputStationary(l: ConvShape, a: AsicAccelerator): Mapping {
  const cluster = Math.min(a.clusterSize ?? 8, a.pes);
  const clusters = Math.max(1, Math.floor(a.pes / cluster));
  const sp = ones();
  const tile = ones();
  sp.X = Math.min(l.X, cluster);
  sp.Y = Math.min(l.Y, clusters);
  tile.R = l.R;
  tile.S = l.S;
  return {
    spatial: sp,
    tile,
    order: ['K', 'C', 'N', 'Y', 'X'],
    l1Words: 2 * l.R * l.S + 1,
    clusterSize: cluster,
    clusters,
    description: describe(sp, tile),
  };
}

/** The mapping of a layer onto an accelerator by its template. */
export function mapLayer(l: ConvShape, a: AsicAccelerator, template: Template = a.template): Mapping {
  switch (template) {
    case 'rs':
      return rowStationary(l, a);
    case 'dla':
      return weightStationary(l, a);
    case 'shi':
      return outputStationary(l, a);
  }
}
