/**
 * `hwnas map --model asic`: the human-readable report of a network on a dataflow-template accelerator — latency,
 * energy and area in total, where the energy goes and what the area is made of, and a per-layer table.
 */
import type { HardwareReport } from '../../hardware/model.js';
import type { HwNetwork } from '../../hardware/network.js';
import { TEMPLATE_DESCRIPTIONS } from '../../hardware/asic/accelerator.js';

const pct = (x: number, total: number): string => `${((100 * x) / Math.max(total, 1e-300)).toFixed(1)}%`;

/** Aligned-table formatter (map.ts's, passed in so the two modules do not import each other). */
export type TableFormatter = (header: readonly string[], rows: readonly (readonly (string | number)[])[]) => string;

/** The report of the `asic` model as text (requires `r.asic`, i.e. an evaluation with `detail`). */
export function formatAsicReport(net: HwNetwork, r: HardwareReport, table: TableFormatter): string {
  const d = r.asic!;
  const a = d.accelerator;
  const out: string[] = [];
  out.push(`architecture ${net.name}: ${net.layers.length} layers, input ${net.input.join('×')}, batch ${d.batch}`);
  out.push(
    `model asic on ${a.name}: ${a.template} (${TEMPLATE_DESCRIPTIONS[a.template]}); ${a.pes} PEs × ${a.simdLanes} lane(s), ` +
      `L1 ${a.l1Bytes} B/PE, L2 ${a.l2Bytes.toLocaleString('en-US')} B, NoC ${a.nocBw} words/cycle, ${a.wordBytes * 8}-bit words, ${a.clockMHz} MHz`,
  );
  out.push(r.feasible ? 'result: FEASIBLE' : `result: INFEASIBLE — ${r.reasonText ?? 'over the spec'}`);
  out.push(
    table(
      ['latency ms', 'cycles', 'img/s', 'energy nJ', 'area µm²', 'MACs', 'DRAM words/MAC'],
      [[r.latencyMs, r.cycles, r.throughputImgPerS, r.energyNj ?? NaN, r.areaUm2 ?? NaN, d.macs, Number((d.dramWords / Math.max(d.macs, 1)).toPrecision(3))]],
    ),
  );
  const e = d.energy;
  out.push(`energy: MAC ${pct(e.mac, e.total)}, L1 ${pct(e.l1, e.total)}, L2 ${pct(e.l2, e.total)}, NoC ${pct(e.noc, e.total)}, DRAM ${pct(e.dram, e.total)}`);
  const ar = d.area;
  out.push(`area: PEs ${pct(ar.pes, ar.total)}, L1 ${pct(ar.l1, ar.total)}, L2 ${pct(ar.l2, ar.total)}, NoC ${pct(ar.noc, ar.total)} (the area belongs to the accelerator, not to a layer)`);
  const v = Object.entries(r.violations).map(([k, x]) => `${k} ${x > 0 ? '+' : ''}${(x * 100).toFixed(1)}%`);
  if (v.length) out.push(`constraints (normalised excess, ≤ 0 met): ${v.join(', ')}`);
  out.push('', 'per layer:');
  out.push(
    table(
      ['layer', 'kind', 'MACs', 'cycles', 'latency ms', 'energy nJ', 'util', 'bound', 'mapping'],
      d.layers.map((l) => [l.name, l.kind, l.macs, l.cycles, l.latencyMs, l.energyNj, `${(l.utilisation * 100).toFixed(0)}%`, l.fits ? l.bound : `${l.bound}, L1 too small`, l.mapping]),
    ),
  );
  return out.join('\n') + '\n';
}
