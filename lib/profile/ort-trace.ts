/**
 * onnxruntime's own profiler, read from Node: a session created with `enableProfiling: true` and a
 * `profileFilePrefix` writes, on `session.endProfiling()`, a Chrome-trace JSON of every node it ran in every run
 * of the **optimised** graph (category `Node`, `dur` in µs, `args.op_name`, input/output shapes) plus `Session`
 * events (`model_run` per run). nn-Meter's idea (Zhang et al., MobiSys 2021) is to cost the kernels as the runtime
 * executes them; here a "kernel" is one exported layer as ORT runs it: the nodes whose name starts with the layer's
 * name (`L3/conv`, `L3/bias_add`, `L4.pool_dq`, …), its op sequence the fused pattern ORT chose.
 * Measured with onnxruntime-node 1.x on this CPU: the QDQ graphs hwnas exports are not fused (Conv, Add, Clip,
 * QuantizeLinear, DequantizeLinear stay separate nodes, only Relu merges into Clip; weight DequantizeLinear runs every
 * run), while a float Conv + bias + Relu becomes one NCHWc `Conv` (`L1/relu_nchwc`) with `ReorderOutput` kernels of
 * ORT's own that match no exported layer.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { INPUT_NAME } from '../onnx/export.js';
import type { TimedGraphSpec } from './graphs.js';

/** One node execution of a trace. */
export interface TraceNode {
  /** Node name without the profiler's `_kernel_time` suffix. */
  readonly node: string;
  readonly op: string;
  readonly us: number;
  /** Index of the run (0-based) the node ran in. */
  readonly run: number;
}

interface RawEvent {
  cat?: string;
  name?: string;
  dur?: number;
  ts?: number;
  args?: { op_name?: string };
}

/**
 * The node executions of a trace, each tagged with its run: a run is delimited by the `model_run` Session event that
 * contains the node's timestamp (nodes outside any run, e.g. initialisation, are dropped).
 */
export function parseOrtTrace(events: readonly unknown[]): TraceNode[] {
  const ev = events as RawEvent[];
  const runs = ev
    .filter((e) => e.cat === 'Session' && e.name === 'model_run' && typeof e.ts === 'number' && typeof e.dur === 'number')
    .map((e) => [e.ts!, e.ts! + e.dur!] as const)
    .sort((a, b) => a[0] - b[0]);
  const out: TraceNode[] = [];
  for (const e of ev) {
    if (e.cat !== 'Node' || typeof e.name !== 'string' || typeof e.dur !== 'number' || typeof e.ts !== 'number') continue;
    if (!e.name.endsWith('_kernel_time')) continue; // fence events (`_fence_before/after`) carry no work
    const run = runs.findIndex(([a, b]) => e.ts! >= a && e.ts! <= b);
    if (run < 0) continue;
    out.push({ node: e.name.slice(0, -'_kernel_time'.length), op: e.args?.op_name ?? '?', us: e.dur, run });
  }
  return out;
}

/** The exported layer a node belongs to: the part of its name before `/`, else before a `_suffix` (`L4.pool_dq`). */
export function layerOfNode(node: string): string {
  const slash = node.indexOf('/');
  if (slash >= 0) return node.slice(0, slash);
  const us = node.lastIndexOf('_');
  return us > 0 ? node.slice(0, us) : node;
}

/** One kernel (exported layer as ORT runs it). */
export interface KernelTiming {
  readonly layer: string;
  /** The op sequence ORT ran for it, in execution order (the fused pattern), e.g. `DequantizeLinear+Conv+Add+Clip`. */
  readonly pattern: string;
  /** The minimum over runs of the layer's summed node times, ms (interference only adds time). */
  readonly ms: number;
}

/** Per-layer kernel timings of a parsed trace, in order of first execution. */
export function kernelTimings(nodes: readonly TraceNode[]): KernelTiming[] {
  const perLayer = new Map<string, { ops: string[]; seen: Set<string>; perRun: Map<number, number> }>();
  for (const n of nodes) {
    const l = layerOfNode(n.node);
    let k = perLayer.get(l);
    if (!k) perLayer.set(l, (k = { ops: [], seen: new Set(), perRun: new Map() }));
    if (n.run === nodes[0].run && !k.seen.has(n.node)) {
      k.seen.add(n.node);
      k.ops.push(n.op);
    }
    k.perRun.set(n.run, (k.perRun.get(n.run) ?? 0) + n.us);
  }
  return [...perLayer].map(([layer, k]) => ({ layer, pattern: k.ops.join('+'), ms: Math.min(...k.perRun.values()) / 1000 }));
}

/** Σ over a run of all node times, minimum over runs, ms: the kernels' share of a session run. */
export function kernelSumMs(nodes: readonly TraceNode[]): number {
  const perRun = new Map<number, number>();
  for (const n of nodes) perRun.set(n.run, (perRun.get(n.run) ?? 0) + n.us);
  return perRun.size ? Math.min(...perRun.values()) / 1000 : 0;
}

/**
 * Runs each graph `runs` times (after `warmup` untimed runs… which the profiler records too: they are dropped) in a
 * profiling session and returns its kernel timings. Trace files go to a temporary directory, removed afterwards.
 */
export async function traceGraphs(graphs: readonly TimedGraphSpec[], o: { threads: number; warmup: number; runs: number; onProgress?: (d: number, t: number) => void }): Promise<KernelTiming[][]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-ort-trace-'));
  try {
    const out: KernelTiming[][] = [];
    for (const [gi, g] of graphs.entries()) {
      const s = await ort.InferenceSession.create(g.bytes, {
        intraOpNumThreads: o.threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
        enableProfiling: true, profileFilePrefix: path.join(dir, `g${gi}`),
      });
      try {
        const n = g.inputShape.reduce((a, b) => a * b, 1);
        const feeds = { [INPUT_NAME]: new ort.Tensor('float32', new Float32Array(n).fill(0.5), g.inputShape as number[]) };
        for (let r = 0; r < o.warmup + o.runs; r++) await s.run(feeds);
        s.endProfiling();
      } finally {
        await s.release();
      }
      const file = fs.readdirSync(dir).find((f) => f.startsWith(`g${gi}_`));
      if (!file) throw new Error(`onnxruntime wrote no profile for graph ${g.key}`);
      const nodes = parseOrtTrace(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as unknown[]).filter((x) => x.run >= o.warmup);
      fs.rmSync(path.join(dir, file));
      out.push(kernelTimings(nodes));
      o.onProgress?.(gi + 1, graphs.length);
    }
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
