/**
 * The device catalog: FPGAs the hardware models map onto, each figure with its source. Users may describe
 * another device in their config; it is validated with {@link customDeviceSchema} like any other input.
 *
 * Sources: Intel "Cyclone IV Device Handbook" vol. 1, Table 1-1 (Cyclone IV E resources) and ch. 4
 * (each embedded multiplier is one 18×18 or two 9×9 multipliers); Xilinx DS190 (Zynq-7000), DS180 (7 series:
 * Artix-7, Virtex-7) and DS891 (Zynq UltraScale+) product tables. These are [device spec] figures recalled
 * from the vendors' tables; the ones MODELS.md §5 also lists (EP4CE115, EP4CE30, XC7Z020 DSPs, ZU9EG DSP/BRAM)
 * agree with it. Xilinx block RAM is counted in 18 Kb halves (18,432 bits with parity), as the authors' code
 * counts BRAM18 [code: XFER_FPGA PARA.py BRAM_BOUND]; Cyclone IV in M9K blocks (9,216 bits with parity).
 */
import { z } from 'zod';
import { ConfigError } from '../lib/errors.js';
import { parseOrThrow } from '../lib/validate.js';

/** Multiplier geometry of a device's hard DSP blocks. */
export interface DspGeometry {
  /** Widest signed operands one block multiplies, e.g. [18, 18] or [25, 18]. */
  readonly width: readonly [number, number];
  /** Narrow multipliers one block can hold instead (Cyclone IV: two 9×9), with their width. */
  readonly narrow?: { readonly perBlock: number; readonly width: number };
}

/** One FPGA: resources, default clock and where the figures come from. */
export interface Device {
  /** Catalog key, lower case, e.g. `ep4ce115`. */
  readonly name: string;
  readonly vendor: 'intel' | 'xilinx' | 'custom';
  readonly family: string;
  readonly part: string;
  readonly board?: string;
  /** Look-up tables (Cyclone IV: logic elements, one 4-input LUT each). */
  readonly luts: number;
  readonly lutInputs: 4 | 6;
  readonly ffs: number;
  /** DSP blocks (Cyclone IV: 18×18 embedded multipliers). */
  readonly dsps: number;
  readonly dspKind: string;
  readonly dsp: DspGeometry;
  /** Block RAM: number of blocks of `bramBlockBits` bits each; `bramBits` = their product. */
  readonly bramBlocks: number;
  readonly bramBlockBits: number;
  readonly bramBits: number;
  /** Default clock (MHz): 100 MHz everywhere in the seed papers [paper: Lu 2019; code: FREQ = 100]. */
  readonly clockMHz: number;
  /** Off-chip memory bandwidth (GB/s) for the roofline; undefined when no source gives one. */
  readonly memoryGBs?: number;
  /** Where the figures come from. */
  readonly source: string;
}

const CYCLONE_IV_SOURCE = '[device spec] Intel Cyclone IV Device Handbook vol. 1, Table 1-1; multipliers ch. 4';
const CYCLONE_DSP: DspGeometry = { width: [18, 18], narrow: { perBlock: 2, width: 9 } };
const M9K_BITS = 9216;
const BRAM18_BITS = 18432;

function cycloneIvE(name: string, les: number, m9k: number, mults: number, board?: string): Device {
  return {
    name,
    vendor: 'intel',
    family: 'Cyclone IV E',
    part: name.toUpperCase(),
    board,
    luts: les,
    lutInputs: 4,
    ffs: les,
    dsps: mults,
    dspKind: '18×18 embedded multiplier',
    dsp: CYCLONE_DSP,
    bramBlocks: m9k,
    bramBlockBits: M9K_BITS,
    bramBits: m9k * M9K_BITS,
    clockMHz: 100,
    source: CYCLONE_IV_SOURCE,
  };
}

function xilinx(o: Omit<Device, 'vendor' | 'lutInputs' | 'bramBlockBits' | 'bramBits' | 'clockMHz'>): Device {
  return { ...o, vendor: 'xilinx', lutInputs: 6, bramBlockBits: BRAM18_BITS, bramBits: o.bramBlocks * BRAM18_BITS, clockMHz: 100 };
}

/** The catalog. */
export const DEVICES = {
  ep4ce6: cycloneIvE('ep4ce6', 6_272, 30, 15),
  ep4ce10: cycloneIvE('ep4ce10', 10_320, 46, 23),
  ep4ce15: cycloneIvE('ep4ce15', 15_408, 56, 56),
  ep4ce22: cycloneIvE('ep4ce22', 22_320, 66, 66),
  /** ≈ the paper's 30k-LUT point (MODELS.md §1.4, §5). */
  ep4ce30: cycloneIvE('ep4ce30', 28_848, 66, 66),
  ep4ce40: cycloneIvE('ep4ce40', 39_600, 126, 116),
  ep4ce55: cycloneIvE('ep4ce55', 55_856, 260, 154),
  ep4ce75: cycloneIvE('ep4ce75', 75_408, 305, 200),
  /** DE2-115 board; the Lu et al. 2019 platform family [paper: Lu 2019]. */
  ep4ce115: cycloneIvE('ep4ce115', 114_480, 432, 266, 'Terasic DE2-115'),
  /** DSP 220 = FNAS DSP_RESOURCE [code: FNAS PARA.py]. */
  xc7z020: xilinx({
    name: 'xc7z020', family: 'Zynq-7000', part: 'XC7Z020', board: 'ZedBoard / PYNQ-Z1',
    luts: 53_200, ffs: 106_400, dsps: 220, dspKind: 'DSP48E1', dsp: { width: [25, 18] }, bramBlocks: 280,
    source: '[device spec] Xilinx DS190 (140 × 36 Kb BRAM = 280 × 18 Kb); DSP 220 also FNAS DSP_RESOURCE [code]',
  }),
  xc7a50t: xilinx({
    name: 'xc7a50t', family: 'Artix-7', part: 'XC7A50T',
    luts: 32_600, ffs: 65_200, dsps: 120, dspKind: 'DSP48E1', dsp: { width: [25, 18] }, bramBlocks: 150,
    source: '[device spec] Xilinx DS180 (8,150 slices × 4 LUTs; 75 × 36 Kb BRAM = 150 × 18 Kb)',
  }),
  /** The Zhang et al. 2015 platform. */
  xc7vx485t: xilinx({
    name: 'xc7vx485t', family: 'Virtex-7', part: 'XC7VX485T', board: 'VC707',
    luts: 303_600, ffs: 607_200, dsps: 2_800, dspKind: 'DSP48E1', dsp: { width: [25, 18] }, bramBlocks: 2_060,
    source: '[device spec] Xilinx DS180 (75,900 slices × 4 LUTs; 1,030 × 36 Kb BRAM = 2,060 × 18 Kb)',
  }),
  /** DSP_BOUND 2520, BRAM_BOUND 1824 [code: XFER_FPGA / hotNAS PM_Config]. */
  xczu9eg: xilinx({
    name: 'xczu9eg', family: 'Zynq UltraScale+', part: 'XCZU9EG', board: 'ZCU102',
    luts: 274_080, ffs: 548_160, dsps: 2_520, dspKind: 'DSP48E2', dsp: { width: [27, 18] }, bramBlocks: 1_824,
    source: '[device spec] Xilinx DS891; DSP 2520 and 1824 BRAM18 also in XFER_FPGA/hotNAS PM_Config [code]',
  }),
} as const satisfies Record<string, Device>;

/** Names of the catalog devices. */
export type DeviceName = keyof typeof DEVICES;

/** Board aliases accepted wherever a device name is. */
const ALIASES: Readonly<Record<string, DeviceName>> = {
  de2_115: 'ep4ce115', 'de2-115': 'ep4ce115', vc707: 'xc7vx485t', zcu102: 'xczu9eg', zu9eg: 'xczu9eg',
  zedboard: 'xc7z020', 'pynq-z1': 'xc7z020', vx485t: 'xc7vx485t',
};

/** All catalog names. */
export const DEVICE_NAMES = Object.keys(DEVICES) as DeviceName[];

const positiveInt = (what: string) => z.number({ error: `${what} must be a number` }).int(`${what} must be an integer`).positive(`${what} must be > 0`);

/** Schema of a user-described device (JSON config). `bramBits` is derived from blocks × block bits. */
export const customDeviceSchema = z
  .object({
    name: z.string().min(1, 'name must be a non-empty string'),
    family: z.string().default('custom'),
    part: z.string().optional(),
    luts: positiveInt('luts'),
    lutInputs: z.union([z.literal(4), z.literal(6)]).default(6),
    ffs: positiveInt('ffs'),
    dsps: z.number().int('dsps must be an integer').nonnegative('dsps must be ≥ 0'),
    dspWidth: z.tuple([positiveInt('dspWidth[0]'), positiveInt('dspWidth[1]')]).default([18, 18]),
    bramBlocks: positiveInt('bramBlocks'),
    bramBlockBits: positiveInt('bramBlockBits'),
    clockMHz: z.number().positive('clockMHz must be > 0').max(2000, 'clockMHz must be ≤ 2000').default(100),
    memoryGBs: z.number().positive('memoryGBs must be > 0').optional(),
    source: z.string().default('user config'),
  })
  .strict();

/** A device reference in a config: a catalog name (or board alias) or a custom device object. */
/** A catalog device by name or alias (any case): a closed set, so a typo is caught where the config is read. */
export const deviceNameSchema = z.preprocess(
  (v) => (typeof v === 'string' ? v.toLowerCase() : v),
  z.string().refine((v) => Object.hasOwn(DEVICES, v) || Object.hasOwn(ALIASES, v), {
    error: (iss) => `unknown device ${JSON.stringify(iss.input)}; known: ${DEVICE_NAMES.join(', ')} (aliases: ${Object.keys(ALIASES).join(', ')}), or describe a custom device { name, luts, ffs, dsps, bramBlocks, bramBlockBits, … }`,
  }),
);

export const deviceRefSchema = z.union([deviceNameSchema, customDeviceSchema], { error: 'must be a catalog device name or a custom device object { name, luts, ffs, dsps, bramBlocks, bramBlockBits, … }' });

/** Input form of a device reference. */
export type DeviceRef = z.input<typeof deviceRefSchema>;

/** Resolves a catalog name, alias or custom device description into a Device; throws a ConfigError with the known names otherwise. */
export function resolveDevice(ref: DeviceRef | Device, path = 'device'): Device {
  if (typeof ref === 'string') {
    const key = ref.toLowerCase();
    const name = (key in DEVICES ? key : ALIASES[key]) as DeviceName | undefined;
    if (!name) {
      throw new ConfigError(
        [{ path, message: `unknown device "${ref}"; known: ${DEVICE_NAMES.join(', ')} (aliases: ${Object.keys(ALIASES).join(', ')}), or describe a custom device` }],
        'invalid hardware spec',
      );
    }
    return DEVICES[name];
  }
  if (isDevice(ref)) return ref;
  const d = parseOrThrow(customDeviceSchema, ref, path, 'invalid custom device');
  return {
    name: d.name,
    vendor: 'custom',
    family: d.family,
    part: d.part ?? d.name,
    luts: d.luts,
    lutInputs: d.lutInputs,
    ffs: d.ffs,
    dsps: d.dsps,
    dspKind: `${d.dspWidth[0]}×${d.dspWidth[1]} DSP`,
    dsp: { width: d.dspWidth },
    bramBlocks: d.bramBlocks,
    bramBlockBits: d.bramBlockBits,
    bramBits: d.bramBlocks * d.bramBlockBits,
    clockMHz: d.clockMHz,
    memoryGBs: d.memoryGBs,
    source: d.source,
  };
}

function isDevice(x: unknown): x is Device {
  const d = x as Device;
  return typeof d === 'object' && d !== null && typeof d.bramBits === 'number' && typeof d.dsp === 'object' && typeof d.vendor === 'string';
}

/**
 * DSP blocks one a×b-bit fixed-point multiplier takes: ½ when two fit a block (Cyclone IV 9×9 mode), 1 when
 * it fits the block's width, else enough cascaded blocks to cover it [device spec].
 */
export function dspsPerMultiplier(device: Device, a: number, b: number): number {
  const [w0, w1] = device.dsp.width;
  const hi = Math.max(a, b);
  const lo = Math.min(a, b);
  const n = device.dsp.narrow;
  if (n && hi <= n.width) return 1 / n.perBlock;
  if (hi <= Math.max(w0, w1) && lo <= Math.min(w0, w1)) return 1;
  return Math.ceil(hi / Math.max(w0, w1)) * Math.ceil(lo / Math.min(w0, w1));
}
