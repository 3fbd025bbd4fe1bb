import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HwnasError } from '../../lib/errors.js';
import { hypervolume } from '../../lib/pareto.js';
import { NB201_EDGES, NB201_OPS } from '../../lib/space/index.js';
import { normalisePoints } from '../../lib/pareto.js';
import { NB201_CELLS, nb201Code, nb201CsvPath, nb201Problem, nb201Table, nb201TrueFront, parseNb201Csv } from '../../problems/nb201.js';

/** Genome of an `ops` string such as `4-2-1-2-1-1`. */
const genomeOf = (ops: string) => Object.fromEntries(ops.split('-').map((o, i) => [NB201_EDGES[i], NB201_OPS[Number(o)]]));

describe('nb201', () => {
  it('loads the shipped CSV from the package (every op tuple once)', () => {
    expect(fs.existsSync(nb201CsvPath())).toBe(true);
    expect(fs.existsSync(nb201CsvPath().replace(/nb201-cifar10-fpga\.csv$/, 'README.md'))).toBe(true);
    const t = nb201Table();
    expect(t.error).toHaveLength(NB201_CELLS);
    expect(new Set(t.index).size).toBe(NB201_CELLS);
    expect(t.error.every(Number.isFinite) && t.latencyMs.every(Number.isFinite)).toBe(true);
  });

  it('evaluates genomes to the table row of their ops (README rows 0 and 3)', () => {
    const p = nb201Problem();
    // Row 0: 4-2-1-2-1-1, accuracy 85.86333333333334 %, latency 2.57296 ms (HW-NAS-Bench README value).
    const m0 = p.evaluate(genomeOf('4-2-1-2-1-1'));
    expect(m0.index).toBe(0);
    expect(m0.latencyMs).toBe(2.57296);
    expect(m0.error).toBeCloseTo(100 - 85.86333333333334, 10);
    expect(m0.accuracy).toBeCloseTo(85.86333333333334, 10);
    const m3 = p.evaluate(genomeOf('4-1-0-0-0-1'));
    expect(m3.index).toBe(3);
    expect(m3.latencyMs).toBe(1.54256);
    expect(p.objectives).toEqual([
      { metric: 'error', direction: 'minimize' },
      { metric: 'latencyMs', direction: 'minimize' },
    ]);
  });

  it('true front: 13 points, ideal/nadir and HV(front) = 0.777024 as the README says', () => {
    const front = nb201TrueFront();
    expect(front).toHaveLength(13);
    const spec = nb201Problem().hypervolume;
    expect(spec.reference).toEqual([1, 1]);
    expect(spec.ideal![0]).toBeCloseTo(5.626667, 5);
    expect(spec.ideal![1]).toBeCloseTo(1.13296, 10);
    expect(spec.nadir![0]).toBeCloseTo(13.203333, 5);
    expect(spec.nadir![1]).toBeCloseTo(6.67856, 10);
    expect(hypervolume(normalisePoints(front, spec), spec.reference)).toBeCloseTo(0.777024, 6);
    // 16 cells lie on the front (ties included).
    const t = nb201Table();
    let onFront = 0;
    for (let c = 0; c < NB201_CELLS; c++) if (front.some((p) => p[0] === t.error[c] && p[1] === t.latencyMs[c])) onFront++;
    expect(onFront).toBe(16);
  });

  it('codes ops as base-5 numbers, first edge most significant', () => {
    expect(nb201Code([0, 0, 0, 0, 0, 1])).toBe(1);
    expect(nb201Code([1, 0, 0, 0, 0, 0])).toBe(5 ** 5);
    expect(nb201Code([4, 4, 4, 4, 4, 4])).toBe(NB201_CELLS - 1);
  });

  it('rejects a damaged CSV with a clear error', () => {
    const header = 'index,arch,ops,cifar10_test_acc,fpga_latency_ms';
    expect(() => parseNb201Csv('a,b\n')).toThrow(HwnasError);
    expect(() => parseNb201Csv(`${header}\n0,x,4-2-1-2-1-1,85.8,2.5\n`)).toThrow(/rows, expected 15625/);
    expect(() => parseNb201Csv(`${header}\n0,x,4-2-1-2-1-1,85.8,2.5\n1,x,4-2-1-2-1-1,85.8,2.5\n`)).toThrow(/twice/);
    expect(() => parseNb201Csv(`${header}\n0,x,4-2-9-2-1-1,85.8,2.5\n`)).toThrow(/malformed line 2/);
  });
});
