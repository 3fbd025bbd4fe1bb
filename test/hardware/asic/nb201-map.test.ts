import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { register } from '../../../lib/cli/map.js';
import { ConfigError } from '../../../lib/errors.js';
import { formatNb201Arch, nb201GenomeOf, nb201Layers, parseNb201Arch } from '../../../lib/space/nb201-network.js';
import { nb201Network } from '../../../hardware/nb201-network.js';
import { BITS8 } from '../../../hardware/architectures.js';
import { hardwareModel, parseHardwareSpec } from '../../../hardware/model.js';
import { layerMacs } from '../../../hardware/network.js';

const ARCH = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';

async function run(...args: string[]): Promise<{ out: string; error?: unknown }> {
  const program = new Command('hwnas').exitOverride();
  register(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'hwnas', 'map', ...args]);
    return { out };
  } catch (error) {
    return { out, error };
  } finally {
    spy.mockRestore();
  }
}

describe('NAS-Bench-201 architecture strings', () => {
  it('parse into the six edge operations and format back', () => {
    const ops = parseNb201Arch(`nb201:${ARCH}`);
    expect(ops).toEqual(['nor_conv_3x3', 'nor_conv_3x3', 'nor_conv_3x3', 'skip_connect', 'nor_conv_3x3', 'nor_conv_3x3']);
    expect(formatNb201Arch(ops)).toBe(ARCH);
  });
  it('reject malformed strings with a message', () => {
    for (const bad of ['|nor_conv_3x3~0|', '|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|', '|none~1|+|none~0|none~1|+|none~0|none~1|none~2|']) {
      expect(() => parseNb201Arch(bad)).toThrow(ConfigError);
    }
  });
  it('build the CIFAR network: stem, 3 × 5 cells, 2 reductions, classifier', () => {
    const layers = nb201Layers(parseNb201Arch(ARCH));
    // 5 conv edges per cell × 15 cells + stem + 2 × 3 reduction convs + fc.
    expect(layers).toHaveLength(75 + 1 + 6 + 1);
    expect(layers[0]).toMatchObject({ name: 'stem', inShape: [32, 32, 3], outShape: [32, 32, 16] });
    expect(layers.find((l) => l.name === 'red1.a')).toMatchObject({ inShape: [32, 32, 16], outShape: [16, 16, 32], stride: 2 });
    expect(layers.find((l) => l.name === 's3c5.3←2')).toMatchObject({ inShape: [8, 8, 64], outShape: [8, 8, 64], kernel: 3 });
    expect(layers.at(-1)).toMatchObject({ kind: 'dense', inShape: [1, 1, 64], outShape: [1, 1, 10] });
    // An all-skip cell keeps only stem, reductions and classifier.
    expect(nb201Layers(parseNb201Arch('|skip_connect~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|none~1|skip_connect~2|'))).toHaveLength(8);
  });
  it('cost on every hardware model that takes conv networks', () => {
    const net = nb201Network(ARCH, BITS8);
    // Per-cell conv3x3 at C=16 on 32×32: 32·32·16·16·9 MACs.
    expect(layerMacs(net.layers[1])).toBe(32 * 32 * 16 * 16 * 9);
    const asic = hardwareModel('asic').evaluateNetwork(net, parseHardwareSpec({ device: 'ep4ce115', accelerator: 'eyeriss' }));
    expect(asic.feasible).toBe(true);
    expect(asic.energyNj).toBeGreaterThan(0);
    const fnas = hardwareModel('fnas-tiling').evaluateNetwork(net, parseHardwareSpec({ device: 'zcu102' }));
    expect(fnas.cycles).toBeGreaterThan(0);
  });
});

describe('hwnas map --model asic', () => {
  it('prints latency, energy and area per layer of an nb201 cell network on Eyeriss', async () => {
    const { out, error } = await run('--arch', `nb201:${ARCH}`, '--model', 'asic', '--device', 'eyeriss');
    expect(error).toBeUndefined();
    expect(out).toMatch(/model asic on eyeriss: rs/);
    expect(out).toMatch(/latency ms +cycles +img\/s +energy nJ +area µm²/);
    expect(out).toMatch(/\ns3c5\.3←2 +conv +/);
  });
  it('gives the same as JSON, with the per-layer rows', async () => {
    const { out, error } = await run('--arch', `nb201:${ARCH}`, '--model', 'asic', '--device', 'shidiannao', '--json', '--energy-nj', '1');
    expect(error).toBeUndefined();
    const j = JSON.parse(out);
    expect(j.device).toBe('shidiannao');
    expect(j.feasible).toBe(false);
    expect(j.violations.energyNj).toBeGreaterThan(0);
    expect(j.asic.layers).toHaveLength(83);
    const sum = j.asic.layers.reduce((s: number, l: { cycles: number }) => s + l.cycles, 0);
    expect(sum).toBe(j.cycles);
  });
  it('maps a genome of the nb201 space to the same network as its architecture string', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'nb201-')), 'g.json');
    writeFileSync(file, JSON.stringify({ space: 'nb201', genome: nb201GenomeOf(parseNb201Arch(ARCH)) }));
    const a = await run('--arch', file, '--model', 'asic', '--json');
    const b = await run('--arch', `nb201:${ARCH}`, '--model', 'asic', '--json');
    expect(a.error).toBeUndefined();
    expect(JSON.parse(a.out).cycles).toBe(JSON.parse(b.out).cycles);
  });
  it('lists every bad flag at once', async () => {
    const { error } = await run('--arch', 'nb201:|x~0|', '--model', 'asic', '--device', 'tpu', '--batch', '0');
    expect(error).toBeInstanceOf(ConfigError);
    const paths = (error as ConfigError).issues.map((i) => i.path).join(' ');
    expect(paths).toMatch(/--arch/);
    expect(paths).toMatch(/--device/);
    expect(paths).toMatch(/--batch/);
  });
});
