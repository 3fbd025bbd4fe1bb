/**
 * Costs of single arithmetic operators (LUTs, flip-flops, DSP blocks) by bit width.
 *
 * Source of every figure: the operator lookup table of Qing Lu's FGNAS (the closest public code of the first
 * author of Lu et al. 2019), MODELS.md §1.4 [code: qinglu0330/FGNAS:json/fpga/fpga_info.json]. Index 0 of
 * each FGNAS table is float32; indices ≥ 1 are fixed-point widths in bits. The table was probably measured
 * with Vivado HLS on a Xilinx part (6-input LUTs); we use it for every device, Cyclone IV logic elements
 * included, because the paper's budget is stated in LUTs [inferred]. Widths the table does not cover use the
 * fits MODELS.md gives (marked [inferred] below).
 */
import { HwnasError } from '../lib/errors.js';

/** Widest fixed-point operand the cost model accepts (multiplier inputs, activations, weights). */
export const MAX_OPERAND_BITS = 16;
/** Narrowest fixed-point operand. */
export const MIN_OPERAND_BITS = 1;

/** Resources of one operator instance. */
export interface OperatorCost {
  readonly luts: number;
  readonly ffs: number;
  readonly dsps: number;
}

/**
 * Float32 operators (index 0 of the FGNAS tables) [code: FGNAS fpga_info.json]: multiplier 92 LUT / 130 FF /
 * 3 DSP; adder 262 LUT / 278 FF / 2 DSP (4-cycle latency, hidden here by interleaving output pixels,
 * see layer-cost.ts); ReLU 82 LUT; 2-input max 117 LUT / 66 FF.
 */
export const FLOAT32 = {
  multiplier: { luts: 92, ffs: 130, dsps: 3 },
  adder: { luts: 262, ffs: 278, dsps: 2 },
  relu: { luts: 82, ffs: 0, dsps: 0 },
  max2: { luts: 117, ffs: 66, dsps: 0 },
} as const satisfies Record<string, OperatorCost>;

/**
 * Soft fixed-point multiplier LUTs by n = max(a, b) bits for both operands ≥ 2 bits
 * [code: FGNAS fpga_info.json multiplier rows 2–4, MODELS.md §1.4]: off the 1-bit row the value depends only on
 * n. n = 3 is 8 LUTs when one operand has 2 bits and 12 when both have 3 (the table's two cells).
 */
const MUL_BY_MAX_BITS: Readonly<Record<number, number>> = { 2: 7, 4: 11, 5: 17, 6: 23, 7: 32, 8: 40, 9: 50, 10: 62 };

/**
 * A 1-bit operand (the table's a = 1 row) for the other operand's width b = 2..13
 * [code: FGNAS fpga_info.json multiplier row 1].
 */
const MUL_ONE_BIT_ROW: Readonly<Record<number, number>> = {
  2: 14, 3: 16, 4: 20, 5: 21, 6: 22, 7: 23, 8: 23, 9: 25, 10: 27, 11: 29, 12: 31, 13: 33,
};

/** Fixed-point adder LUTs for n = 1..15 bits [code: FGNAS fpga_info.json adder]; above, n + 8 (MODELS.md §1.4 fit, exact for n = 8..15). */
const ADDER_LUTS = [NaN, 13, 11, 12, 15, 15, 15, 15, 16, 17, 18, 19, 20, 21, 22, 23];

/** ReLU LUTs for n = 1..9 bits [code: FGNAS fpga_info.json relu]; above, n + 12 [inferred: continues the table's last step, 21 at n = 9]. */
const RELU_LUTS = [NaN, 0, 8, 11, 12, 15, 16, 17, 18, 21];

/** 2-input max LUTs for n = 1..9 bits [code: FGNAS fpga_info.json max_2]; above, n + 13 [inferred: continues the last value, 22 at n = 9]. */
const MAX2_LUTS = [NaN, 8, 13, 12, 13, 16, 17, 18, 19, 22];

/**
 * Output truncator (rounding/saturation to the activation format) [code: FGNAS fpga_info.json truncator_1]:
 * 264 LUT for 2 bits, 232 LUT / 144 FF for 3 bits and more. FGNAS has no 1-bit entry; a 1-bit output uses the
 * 2-bit cost [inferred].
 */
export function truncatorCost(bits: number): OperatorCost {
  checkBits(bits, 'truncator output');
  return bits <= 2 ? { luts: 264, ffs: 144, dsps: 0 } : { luts: 232, ffs: 144, dsps: 0 };
}

/** Throws a typed error unless `bits` is an integer in the supported range. */
export function checkBits(bits: number, what: string): void {
  if (!Number.isInteger(bits) || bits < MIN_OPERAND_BITS || bits > MAX_OPERAND_BITS) {
    throw new HwnasError(
      'HW_BITS_RANGE',
      `${what} width must be an integer in [${MIN_OPERAND_BITS}, ${MAX_OPERAND_BITS}] bits, got ${bits}`,
    );
  }
}

/**
 * LUTs of a soft (LUT-built) a×b-bit fixed-point multiplier. 1×1 bits is a single AND gate: 1 LUT (the FGNAS
 * cell says 0, the gate being absorbed by the adder after it) [inferred]. Widths beyond the table use the fit
 * 0.62·n² (MODELS.md §1.4, within ±1 LUT of the table for n = 5..10) [inferred].
 */
export function multiplierLuts(a: number, b: number): number {
  checkBits(a, 'multiplier operand');
  checkBits(b, 'multiplier operand');
  const n = Math.max(a, b);
  const m = Math.min(a, b);
  if (m === 1) return n === 1 ? 1 : (MUL_ONE_BIT_ROW[n] ?? Math.round(0.62 * n * n));
  if (n === 3) return m === 3 ? 12 : 8;
  return MUL_BY_MAX_BITS[n] ?? Math.round(0.62 * n * n);
}

/** LUTs of an n-bit fixed-point adder (accumulators may be wider than operands: any n ≥ 1). */
export function adderLuts(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new HwnasError('HW_BITS_RANGE', `adder width must be an integer ≥ 1, got ${n}`);
  return n < ADDER_LUTS.length ? ADDER_LUTS[n] : n + 8;
}

/** LUTs of an n-bit ReLU. */
export function reluLuts(n: number): number {
  checkBits(n, 'ReLU');
  return n < RELU_LUTS.length ? RELU_LUTS[n] : n + 12;
}

/** LUTs of an n-bit 2-input max (one comparator of a max-pooling tree). */
export function max2Luts(n: number): number {
  checkBits(n, 'max-pool comparator');
  return n < MAX2_LUTS.length ? MAX2_LUTS[n] : n + 13;
}

/** ⌈log2 x⌉ for x ≥ 1 (0 for x = 1): the bits a sum of x terms adds. */
export function ceilLog2(x: number): number {
  if (x <= 1) return 0;
  if (x <= 2 ** 31) return 32 - Math.clz32(x - 1);
  let b = 31;
  while (2 ** b < x) b++;
  return b;
}

/** Bits needed to count to x − 1 (at least 1). */
export function counterBits(x: number): number {
  return Math.max(1, ceilLog2(x));
}
