/**
 * The layer rules of DESIGN §2, enforced with dependency-cruiser (.dependency-cruiser.cjs): no import cycles;
 * the trial vocabulary imports nothing above it; hardware never imports training and training never imports
 * hardware; strategies never import the study or the evaluators; search never imports the CLI.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { cruise, type ICruiseResult } from 'dependency-cruiser';

const root = path.resolve(__dirname, '..');
const rules = createRequire(import.meta.url)(path.join(root, '.dependency-cruiser.cjs'));

async function violations(cwd: string, dirs: string[]): Promise<string[]> {
  const before = process.cwd();
  process.chdir(cwd);
  try {
    const withTs = fs.existsSync('tsconfig.json');
    const { tsConfig, ...options } = rules.options;
    const r = await cruise(dirs, { ...options, ...(withTs ? { tsConfig } : {}), ruleSet: { forbidden: rules.forbidden }, validate: true });
    const out = r.output as ICruiseResult;
    return out.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (${v.cycle.map((c) => c.name).join(' → ')})` : ''}`);
  } finally {
    process.chdir(before);
  }
}

describe('layer rules', () => {
  it('the source tree keeps every rule', async () => {
    expect(await violations(root, ['lib', 'strategies', 'hardware', 'problems'])).toEqual([]);
  }, 180_000);

  it('a broken rule is reported (a strategy importing the study, a cycle, hardware importing training)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-layers-'));
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    };
    write('lib/study/study.ts', "export const study = 1;\n");
    write('strategies/greedy.ts', "import { study } from '../lib/study/study';\nexport const g = study;\n");
    write('lib/train/train.ts', "import { net } from '../../hardware/net';\nexport const t = net;\n");
    write('hardware/net.ts', "export const net = 2;\n");
    write('lib/space/a.ts', "import { b } from './b';\nexport const a = () => b;\n");
    write('lib/space/b.ts', "import { a } from './a';\nexport const b = () => a;\n");
    const found = await violations(dir, ['lib', 'strategies', 'hardware']);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^strategies-only-propose: strategies\/greedy\.ts → lib\/study\/study\.ts/),
        expect.stringMatching(/^train-not-hardware: lib\/train\/train\.ts → hardware\/net\.ts/),
        expect.stringMatching(/^no-circular: lib\/space\/a\.ts → lib\/space\/b\.ts/),
      ]),
    );
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});
