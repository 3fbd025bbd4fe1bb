/**
 * Per-access energies and unit areas of accelerator building blocks, shared by every ASIC/edge-accelerator
 * cost model (hardware/asic/, the edge accelerator). Keep this module stable: other models import it.
 *
 * Energies are per access of one word (one MAC, one L1/L2/DRAM word read or written, one word delivered over the
 * NoC), in picojoules; areas in µm². Every figure carries its source (tags as in MODELS-ACCELERATORS.md §0.2).
 */

/** Energy of one access per level, pJ per word (per MAC for `mac`). */
export interface EnergyTable {
  readonly name: string;
  /** One multiply-accumulate. */
  readonly mac: number;
  /** One read or write of the PE-local buffer (register file / scratchpad). */
  readonly l1: number;
  /** One read or write of the shared on-chip buffer (global buffer). */
  readonly l2: number;
  /** One word delivered from the L2 to a PE (or back) over the network-on-chip. */
  readonly noc: number;
  /** One word read from or written to off-chip DRAM. */
  readonly dram: number;
  readonly source: string;
}

/**
 * MAESTRO's MAC energy: 0.00023 nJ = 0.23 pJ ("Caution, it's from external source!")
 * [code: maestro-project/maestro@4eb08d1:cost-model/include/design-space-exploration/DSE_cost-database.hpp].
 */
export const MAESTRO_MAC_PJ = 0.23;

/** MAESTRO's L1 / L2 access energy in units of one MAC [code: maestro@4eb08d1:cost-model/include/base/BASE_constants.hpp]. */
export const MAESTRO_L1_MULTIPLIER = 1.68;
export const MAESTRO_L2_MULTIPLIER = 18.61;

/**
 * Eyeriss' normalised access energies (ISCA'16 / Sze et al. tutorial): MAC 1×, RF 1×, inter-PE array 2×,
 * global buffer 6×, DRAM 200× [recall, hi; MODELS-ACCELERATORS §5.4].
 */
export const EYERISS_NORMALISED = { mac: 1, rf: 1, noc: 2, glb: 6, dram: 200 } as const;

/**
 * The default table: MAESTRO's MAC, L1 and L2 energies [code], completed by Eyeriss' normalised NoC (2×) and
 * DRAM (200×) costs [recall, hi], which MAESTRO does not model. Mixing the two is our choice [inferred]: NASAIC
 * used MAESTRO, whose units (nJ, µm²) its specs are written in.
 */
export const MAESTRO_ENERGY: EnergyTable = {
  name: 'maestro',
  mac: MAESTRO_MAC_PJ,
  l1: MAESTRO_L1_MULTIPLIER * MAESTRO_MAC_PJ,
  l2: MAESTRO_L2_MULTIPLIER * MAESTRO_MAC_PJ,
  noc: EYERISS_NORMALISED.noc * MAESTRO_MAC_PJ,
  dram: EYERISS_NORMALISED.dram * MAESTRO_MAC_PJ,
  source: '[code: maestro@4eb08d1 DSE_cost-database.hpp mac 0.23 pJ; BASE_constants.hpp L1 ×1.68, L2 ×18.61] + [recall, hi: Eyeriss ISCA\'16 NoC ×2, DRAM ×200]',
};

/** Eyeriss' normalised table scaled by MAESTRO's MAC energy (for comparison with the chip's ratios). */
export const EYERISS_ENERGY: EnergyTable = {
  name: 'eyeriss',
  mac: EYERISS_NORMALISED.mac * MAESTRO_MAC_PJ,
  l1: EYERISS_NORMALISED.rf * MAESTRO_MAC_PJ,
  l2: EYERISS_NORMALISED.glb * MAESTRO_MAC_PJ,
  noc: EYERISS_NORMALISED.noc * MAESTRO_MAC_PJ,
  dram: EYERISS_NORMALISED.dram * MAESTRO_MAC_PJ,
  source: '[recall, hi: Eyeriss ISCA\'16 normalised costs MAC 1, RF 1, NoC 2, GLB 6, DRAM 200] × MAESTRO MAC 0.23 pJ [code]',
};

/** The energy tables by name. */
export const ENERGY_TABLES = { maestro: MAESTRO_ENERGY, eyeriss: EYERISS_ENERGY } as const satisfies Record<string, EnergyTable>;

/** Names of the energy tables. */
export type EnergyTableName = keyof typeof ENERGY_TABLES;

/**
 * MAESTRO's current area model, "based on 28nm technology" [code: maestro@4eb08d1:
 * DSE_cost-database.hpp (unit areas), DSE_scaling-coefficients.hpp (scaling), DSE_hardware_modules.hpp (composition)]:
 *   area = P·(mac·lanes + sram·L1 bytes) + sram·L2 bytes
 *        + bus·(busC1·P + busC0)·nocBw + arbiter·max(1, arbC2·P² + arbC1·P + arbC0)
 */
export const MAESTRO_AREA = {
  /** µm² per MAC lane. */
  mac: 283,
  /** µm² per SRAM byte (the same cell for L1 and L2 in the current code). */
  sramPerByte: 0.104,
  /** µm² per bus unit, scaled by (busC1·connections + busC0) and the bandwidth. */
  busUnit: 101.7938,
  busC1: 14.662,
  busC0: 28.895,
  /** µm² per matrix-arbiter unit, scaled by arbC2·n² + arbC1·n + arbC0 (at least one unit). */
  arbiterUnit: 395.473,
  arbC2: 1.2886,
  arbC1: 5.5814,
  arbC0: -23.711,
  source: '[code: maestro@4eb08d1 DSE_cost-database.hpp, DSE_scaling-coefficients.hpp, DSE_hardware_modules.hpp]',
} as const;

/**
 * MAESTRO's older unit areas (commented out in the current code; the ones Spotlight's area check uses):
 * MAC 4470.9014 µm², SRAM 4505.1889 µm² per 64-byte L1 cell and 4161.536 µm² per 32 KiB L2 cell
 * [code: maestro@4eb08d1 DSE_cost-database.hpp lines 31–46; chiragsakhuja/spotlight src/constraints.py]. Kept for reference.
 */
export const MAESTRO_AREA_OLD = { mac: 4470.9014, sram64: 4505.1889, sram32k: 4161.536 } as const;
