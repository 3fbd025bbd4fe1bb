/**
 * The machine's own 2-thread ceiling, the anchor of the scaling benchmarks: one and two worker threads each run
 * the same compute-bound loop (an L1-resident array, no allocation, no memory traffic), and the ceiling is
 * 2 × time(1) / time(2). Virtual cores that share a physical core or are throttled show it below 2; no program
 * with any memory traffic or garbage collection can scale better than this on the same cores.
 */
import { Worker } from 'node:worker_threads';

const LOOP = `
const { parentPort, workerData } = require('node:worker_threads');
const a = new Float64Array(1024);
for (let i = 0; i < 1024; i++) a[i] = i * 0.5;
let s = 0;
for (let r = 0; r < workerData.reps; r++) for (let i = 0; i < 1024; i++) s += a[i] * a[(i * 7) & 1023];
parentPort.postMessage(s);`;

function runThreads(n: number, reps: number): Promise<number> {
  const t = performance.now();
  return Promise.all(
    Array.from({ length: n }, () =>
      new Promise<void>((resolve, reject) => {
        const w = new Worker(LOOP, { eval: true, workerData: { reps } });
        w.once('message', () => void w.terminate().then(() => resolve()));
        w.once('error', reject);
      }),
    ),
  ).then(() => performance.now() - t);
}

/** Ceiling of 2 threads over 1 on this machine now: the median of `rounds` interleaved pairs (about 0.4 s each). */
export async function twoThreadCeiling(rounds = 3, reps = 60_000): Promise<{ ceiling: number; ratios: number[] }> {
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const one = await runThreads(1, reps);
    const two = await runThreads(2, reps);
    ratios.push(+((2 * one) / two).toFixed(3));
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  return { ceiling: sorted[Math.floor(sorted.length / 2)], ratios };
}
