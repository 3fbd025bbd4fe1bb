/**
 * Every option of every stage as flat numeric columns, loaded once per DP call into buffers reused between
 * calls: the DPs then read numbers, never option objects (the search maps tens of thousands of genomes, and
 * per-option objects were a third of the mapping time in garbage collection).
 */
import { HwnasError } from '../../lib/errors.js';
import type { MapperStage } from './types.js';

/** A column of the table: the stage cycles or one summed resource. */
export type Column = 'cycles' | 'luts' | 'dsps' | 'bram';

/** Columns in the order used by per-state vectors (bottleneck aside). */
export const COLUMNS = ['cycles', 'luts', 'dsps', 'bram'] as const;

/** A Float64Array at least `n` long: `buf` itself when it is, else a new one (contents not kept). */
export function atLeast(buf: Float64Array<ArrayBuffer>, n: number): Float64Array<ArrayBuffer> {
  return buf.length >= n ? buf : new Float64Array(Math.max(n, 2 * buf.length));
}

/** The same for Int32Array. */
export function atLeastInt(buf: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  return buf.length >= n ? buf : new Int32Array(Math.max(n, 2 * buf.length));
}

/** The options of all stages of one DP call. Row `start[i] + k` is option k of stage i. */
export class StageTable {
  stageCount = 0;
  /** First row of each stage; `start[stageCount]` is the number of rows. */
  start = new Int32Array(32);
  /** Option values by column, one row per option. */
  readonly values: Record<Column, Float64Array<ArrayBuffer>> = {
    cycles: new Float64Array(512),
    luts: new Float64Array(512),
    dsps: new Float64Array(512),
    bram: new Float64Array(512),
  };
  /** Per stage, the least value of each column over its options. */
  readonly least: Record<Column, Float64Array<ArrayBuffer>> = {
    cycles: new Float64Array(32),
    luts: new Float64Array(32),
    dsps: new Float64Array(32),
    bram: new Float64Array(32),
  };
  /** Σ over the stages of `least`: what any mapping needs at least. */
  readonly leastTotal: Record<Column, number> = { cycles: 0, luts: 0, dsps: 0, bram: 0 };
  /** Whether a resource differs between some options of some stage (a constant one is no frontier dimension). */
  readonly varies: Record<Column, boolean> = { cycles: false, luts: false, dsps: false, bram: false };

  /** The packed option arrays of the last load, when every stage had one (the table then still holds them). */
  private loadedFrom: ArrayLike<number>[] = [];

  /**
   * Loads `stages` (from their packed options when they have them). Throws when a stage has no option.
   * Packed options are immutable by contract (layer-cost.ts caches and shares them), so loading the same packed
   * arrays again — a pipeline's diagnosis maps one stage list up to four times — keeps the table as it is.
   */
  load(stages: readonly MapperStage[]): void {
    if (this.holds(stages)) return;
    this.loadedFrom.length = 0;
    this.fill(stages);
    for (let i = 0; i < stages.length; i++) {
      const s = stages[i];
      if (!s.packed) {
        this.loadedFrom.length = 0;
        return;
      }
      this.loadedFrom.push(s.packed.values);
    }
  }

  /** Whether the table holds exactly these stages' packed options. */
  private holds(stages: readonly MapperStage[]): boolean {
    const from = this.loadedFrom;
    if (from.length === 0 || from.length !== stages.length) return false;
    for (let i = 0; i < stages.length; i++) {
      const p = stages[i].packed;
      if (!p || p.values !== from[i] || p.count !== this.count(i)) return false;
    }
    return true;
  }

  private fill(stages: readonly MapperStage[]): void {
    const L = stages.length;
    let rows = 0;
    this.start = atLeastInt(this.start, L + 1);
    for (let i = 0; i < L; i++) {
      const s = stages[i];
      const n = s.packed ? s.packed.count : s.options.length;
      if (n === 0) throw new HwnasError('HW_NO_OPTIONS', `stage "${s.name}" has no implementation option`);
      this.start[i] = rows;
      rows += n;
    }
    this.start[L] = rows;
    this.stageCount = L;
    for (let q = 0; q < COLUMNS.length; q++) {
      const c = COLUMNS[q];
      this.values[c] = atLeast(this.values[c], rows);
      this.least[c] = atLeast(this.least[c], L);
      this.varies[c] = false;
      this.leastTotal[c] = 0;
    }
    for (let i = 0; i < L; i++) this.loadStage(stages[i], this.start[i]);
    for (let q = 0; q < COLUMNS.length; q++) this.summarise(COLUMNS[q]);
  }

  private loadStage(s: MapperStage, row: number): void {
    const { cycles, luts, dsps, bram } = this.values;
    const packed = s.packed;
    if (packed) {
      const v = packed.values, stride = packed.stride;
      for (let k = 0; k < packed.count; k++) {
        const at = k * stride;
        cycles[row + k] = v[at];
        luts[row + k] = v[at + 1];
        dsps[row + k] = v[at + 2];
        bram[row + k] = v[at + 3];
      }
      return;
    }
    const opts = s.options;
    for (let k = 0; k < opts.length; k++) {
      const o = opts[k];
      cycles[row + k] = o.cycles;
      luts[row + k] = o.luts;
      dsps[row + k] = o.dsps;
      bram[row + k] = o.bram;
    }
  }

  /** Per-stage least values, their sum, and whether the column varies. */
  private summarise(c: Column): void {
    const v = this.values[c];
    const least = this.least[c];
    let total = 0;
    let varies = false;
    for (let i = 0; i < this.stageCount; i++) {
      const first = this.start[i];
      let m = v[first];
      for (let r = first + 1; r < this.start[i + 1]; r++) {
        if (v[r] !== v[first]) varies = true;
        if (v[r] < m) m = v[r];
      }
      least[i] = m;
      total += m;
    }
    this.leastTotal[c] = total;
    this.varies[c] = varies;
  }

  /** Number of options of stage i. */
  count(i: number): number {
    return this.start[i + 1] - this.start[i];
  }
}
