/**
 * NASAIC spaces (Yang et al., DAC'20; MODELS-ACCELERATORS §4): several networks, one per task, searched together
 * with a heterogeneous accelerator of sub-accelerators, each built from a dataflow template with its own PEs, NoC
 * bandwidth and buffers, and an assignment of networks to sub-accelerators. The space and its decoders (the only
 * readers of these genes) live here; hardware/asic/hetero.ts costs what they decode.
 *
 * Genes: every task's network genes under a prefix (`t1.depth`, `t1.L2.filters`, … — a lu2019-family sub-space);
 * `subaccs` (how many sub-accelerators are built, 1..max); `t<i>.acc` (which one runs task i, taken modulo
 * `subaccs`, so every value decodes); per sub-accelerator j: `a<j>.template`, `a<j>.pes`, `a<j>.nocBw`, `a<j>.l1`
 * (bytes per PE), `a<j>.l2` (KiB), active when `subaccs` ≥ j.
 */
import type { Gene } from './gene.js';
import type { Genome } from './genome.js';
import { lu2019Space, LU2019_MNIST, type Lu2019Options } from './presets/lu2019.js';
import { SearchSpace, type SpaceDeclaration } from './search-space.js';

/** The dataflow templates a sub-accelerator can take (MAESTRO's names; hardware/asic/accelerator.ts). */
export const NASAIC_TEMPLATES = ['shi', 'dla', 'rs'] as const;

/** One task: its name, dataset and network space. */
export interface NasaicTask {
  readonly name: string;
  readonly dataset: string;
  readonly network: Lu2019Options;
}

/** Value lists of the accelerator genes. */
export interface NasaicHardwareChoices {
  readonly templates: readonly (typeof NASAIC_TEMPLATES)[number][];
  readonly pes: readonly number[];
  readonly nocBw: readonly number[];
  readonly l1Bytes: readonly number[];
  readonly l2KiB: readonly number[];
}

/** Options of a NASAIC space. */
export interface NasaicSpaceOptions {
  readonly name: string;
  readonly tasks: readonly NasaicTask[];
  /** Most sub-accelerators (default: one per task, as NASAIC). */
  readonly maxSubAccelerators?: number;
  readonly hardware?: Partial<NasaicHardwareChoices>;
}

/**
 * Default accelerator choices [inferred]: PE counts and NoC widths span small edge engines (the hotNAS controller
 * left-over's PE/BW tokens are of this order, MODELS-ACCELERATORS §4.3); L1 from 64 B (too small for a 5×5 window
 * on shi/dla: such designs are infeasible before training) to 512 B (Eyeriss' 520 B), L2 16–128 KiB.
 */
export const NASAIC_HW_DEFAULTS: NasaicHardwareChoices = {
  templates: NASAIC_TEMPLATES,
  pes: [16, 32, 64, 128, 256],
  nocBw: [4, 8, 16, 32, 64],
  l1Bytes: [64, 128, 256, 512],
  l2KiB: [16, 32, 64, 128],
};

/** The default two-task setting: MNIST and Fashion-MNIST, each on the float lu2019-mnist network space. */
export const NASAIC_MNIST_FASHION: NasaicSpaceOptions = {
  name: 'nasaic-mnist-fashion',
  tasks: [
    { name: 't1', dataset: 'mnist', network: { ...LU2019_MNIST, name: 'nasaic-t1-mnist', quantization: 'float' } },
    { name: 't2', dataset: 'fashion-mnist', network: { ...LU2019_MNIST, name: 'nasaic-t2-fashion-mnist', quantization: 'float' } },
  ],
};

/** Two tasks on the given datasets (e.g. mnist + cifar10), each on the float lu2019-mnist network space shaped for its images. */
export function nasaicOptionsFor(datasets: readonly [string, string]): NasaicSpaceOptions {
  const net = (d: string, i: number): Lu2019Options => {
    const input = d === 'cifar10' ? ([32, 32, 3] as const) : LU2019_MNIST.input;
    return { ...LU2019_MNIST, input, name: `nasaic-t${i + 1}-${d}`, quantization: 'float' };
  };
  return { name: `nasaic-${datasets.join('-')}`, tasks: datasets.map((d, i) => ({ name: `t${i + 1}`, dataset: d, network: net(d, i) })) };
}

const prefixed = (p: string, g: Gene): Gene => ({ ...g, name: `${p}.${g.name}`, ...(g.when ? { when: { gene: `${p}.${g.when.gene}`, min: g.when.min } } : {}) });

/** Builds a NASAIC space. */
export function nasaicSpace(o: NasaicSpaceOptions = NASAIC_MNIST_FASHION): SearchSpace {
  const hw = { ...NASAIC_HW_DEFAULTS, ...(o.hardware ?? {}) };
  const maxSub = o.maxSubAccelerators ?? o.tasks.length;
  const genes: Gene[] = [];
  const tasks = o.tasks.map((t) => {
    const sub = lu2019Space(t.network);
    genes.push(...sub.genes.map((g) => prefixed(t.name, g)));
    return { name: t.name, dataset: t.dataset, space: sub.toJSON() };
  });
  genes.push({ name: 'subaccs', group: 'hw', kind: 'int', min: 1, max: maxSub, default: maxSub });
  for (const t of o.tasks) genes.push({ name: `${t.name}.acc`, group: 'hw', kind: 'int', min: 1, max: maxSub });
  for (let j = 1; j <= maxSub; j++) {
    const when = j > 1 ? { when: { gene: 'subaccs', min: j } } : {};
    genes.push(
      { name: `a${j}.template`, group: 'hw', kind: 'choice', choices: hw.templates, ...when },
      { name: `a${j}.pes`, group: 'hw', kind: 'choice', choices: hw.pes, ...when },
      { name: `a${j}.nocBw`, group: 'hw', kind: 'choice', choices: hw.nocBw, ...when },
      { name: `a${j}.l1`, group: 'hw', kind: 'choice', choices: hw.l1Bytes, ...when },
      { name: `a${j}.l2`, group: 'hw', kind: 'choice', choices: hw.l2KiB, ...when },
    );
  }
  return new SearchSpace({ name: o.name, genes, meta: { family: 'nasaic', tasks, maxSubAccelerators: maxSub } });
}

/** One task's network as its own space and genome (what training and the hardware models read). */
export interface TaskGenome {
  readonly task: string;
  readonly dataset: string;
  readonly space: SearchSpace;
  readonly genome: Genome;
}

interface TaskMeta {
  readonly name: string;
  readonly dataset: string;
  readonly space: SpaceDeclaration;
}

const subSpaces = new WeakMap<SearchSpace, SearchSpace[]>();

function requireNasaic(space: SearchSpace): readonly TaskMeta[] {
  if (space.meta.family !== 'nasaic') throw new RangeError(`space "${space.name}" is of family "${space.meta.family}", this decoder reads "nasaic" spaces`);
  return space.meta.tasks as readonly TaskMeta[];
}

/** The tasks of a NASAIC space: name, dataset and network space. */
export function nasaicTasks(space: SearchSpace): { name: string; dataset: string; space: SearchSpace }[] {
  const tasks = requireNasaic(space);
  let subs = subSpaces.get(space);
  if (!subs) {
    subs = tasks.map((t) => new SearchSpace(t.space));
    subSpaces.set(space, subs);
  }
  return tasks.map((t, i) => ({ name: t.name, dataset: t.dataset, space: subs![i] }));
}

/** Every task's network genome (canonical in its own space). */
export function decodeTasks(space: SearchSpace, genome: Genome): TaskGenome[] {
  return nasaicTasks(space).map((t) => {
    const g: Record<string, Genome[string]> = {};
    for (const gene of t.space.genes) g[gene.name] = genome[`${t.name}.${gene.name}`];
    return { task: t.name, dataset: t.dataset, space: t.space, genome: t.space.canonical(Object.freeze(g)) };
  });
}

/** One sub-accelerator as its genes say. */
export interface SubAcceleratorGenes {
  readonly template: (typeof NASAIC_TEMPLATES)[number];
  readonly pes: number;
  readonly nocBw: number;
  readonly l1Bytes: number;
  readonly l2Bytes: number;
}

/** The heterogeneous accelerator of a genome: its sub-accelerators and which one runs each task (0-based). */
export interface HeteroDesign {
  readonly subAccelerators: readonly SubAcceleratorGenes[];
  readonly assignment: readonly number[];
}

/** Decodes the accelerator genes. */
export function decodeHeteroDesign(space: SearchSpace, genome: Genome): HeteroDesign {
  const tasks = requireNasaic(space);
  const n = space.num(genome, 'subaccs');
  const subAccelerators: SubAcceleratorGenes[] = [];
  for (let j = 1; j <= n; j++) {
    subAccelerators.push({
      template: genome[`a${j}.template`] as SubAcceleratorGenes['template'],
      pes: space.num(genome, `a${j}.pes`),
      nocBw: space.num(genome, `a${j}.nocBw`),
      l1Bytes: space.num(genome, `a${j}.l1`),
      l2Bytes: space.num(genome, `a${j}.l2`) * 1024,
    });
  }
  const assignment = tasks.map((t) => (space.num(genome, `${t.name}.acc`) - 1) % n);
  return { subAccelerators, assignment };
}

/** The genome with its accelerator genes replaced by `hw` (the successive baseline's second phase). */
export function withHardwareGenes(space: SearchSpace, genome: Genome, hw: Genome): Genome {
  const out: Record<string, Genome[string]> = { ...genome };
  for (const g of space.genesOf('hw')) out[g.name] = hw[g.name];
  return space.canonical(Object.freeze(out));
}
