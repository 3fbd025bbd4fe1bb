/**
 * What the per-stage least values tell before any DP: a stage that cannot meet a limit alone, least values
 * that cannot fit together, and what each stage may use while leaving the others their least.
 */
import type { StageTable } from './stage-table.js';
import { RESOURCES, type Blocked, type MapperLimits, type MapperStage } from './types.js';

/** Why no mapping can exist, judged from the least values alone; undefined when that does not rule it out. */
export function blockedByLeast(stages: readonly MapperStage[], table: StageTable, limits: MapperLimits): Blocked | undefined {
  const { least, leastTotal } = table;
  for (let i = 0; i < table.stageCount; i++) {
    const name = stages[i].name;
    const cycles = least.cycles[i];
    if (cycles > limits.maxCycles) return { kind: 'stage', stage: i, name, limit: 'cycles', minimum: cycles, allowed: limits.maxCycles };
    if (cycles > limits.maxTotalCycles) return { kind: 'stage', stage: i, name, limit: 'cycles', minimum: cycles, allowed: limits.maxTotalCycles };
    for (let k = 0; k < RESOURCES.length; k++) {
      const r = RESOURCES[k];
      if (least[r][i] > limits[r]) return { kind: 'stage', stage: i, name, limit: r, minimum: least[r][i], allowed: limits[r] };
    }
  }
  if (leastTotal.cycles > limits.maxTotalCycles) {
    return { kind: 'sum', limit: 'cycles', minimum: leastTotal.cycles, allowed: limits.maxTotalCycles };
  }
  for (let k = 0; k < RESOURCES.length; k++) {
    const r = RESOURCES[k];
    if (leastTotal[r] > limits[r]) return { kind: 'sum', limit: r, minimum: leastTotal[r], allowed: limits[r] };
  }
  return undefined;
}

/** What one stage may use: the limit minus the other stages' least values (cycles: also the bottleneck limit). */
export interface Allowance {
  readonly cycles: Float64Array;
  readonly luts: Float64Array;
  readonly dsps: Float64Array;
  readonly bram: Float64Array;
}

let buffers: Allowance = { cycles: new Float64Array(32), luts: new Float64Array(32), dsps: new Float64Array(32), bram: new Float64Array(32) };

/** Every stage's allowance, in buffers reused between calls (valid until the next call). */
export function stageAllowances(table: StageTable, limits: MapperLimits): Allowance {
  const L = table.stageCount;
  if (buffers.cycles.length < L) {
    const n = Math.max(L, 2 * buffers.cycles.length);
    buffers = { cycles: new Float64Array(n), luts: new Float64Array(n), dsps: new Float64Array(n), bram: new Float64Array(n) };
  }
  const { least, leastTotal } = table;
  // (Index loops, not for…of: this runs per DP call and iterator objects are garbage.)
  for (let i = 0; i < L; i++) {
    buffers.luts[i] = limits.luts - (leastTotal.luts - least.luts[i]);
    buffers.dsps[i] = limits.dsps - (leastTotal.dsps - least.dsps[i]);
    buffers.bram[i] = limits.bram - (leastTotal.bram - least.bram[i]);
    buffers.cycles[i] = Math.min(limits.maxCycles, limits.maxTotalCycles - (leastTotal.cycles - least.cycles[i]));
  }
  return buffers;
}

/** Whether option `row` of the table fits stage i's allowance. */
export function fitsAllowance(table: StageTable, a: Allowance, i: number, row: number): boolean {
  const v = table.values;
  return v.cycles[row] <= a.cycles[i] && v.luts[row] <= a.luts[i] && v.dsps[row] <= a.dsps[i] && v.bram[row] <= a.bram[i];
}
