/** `hwnas zoo build | list` and `hwnas search --zoo` refusals, through the CLI in-process. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain, tmpDir } from '../cli/run-main.js';

describe('hwnas zoo', () => {
  it('builds a zoo, lists it, and a search refuses it for another dataset or bad flags (nothing written)', async () => {
    const cwd = tmpDir();
    const build = await runMain(['zoo', 'build', '--models', '1', '--epochs', '1', '--train-subset', '64', '--out', 'z', '--quiet'], cwd);
    expect(build.err).toBe('');
    expect(build.code).toBe(0);
    const list = await runMain(['zoo', 'list', 'z'], cwd);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/mnist, space lu2019-mnist, 1\/1 models/);
    expect(list.out).toMatch(/^ {2}small +\d+\.\d\d%/m);

    const other = await runMain(['search', '--zoo', 'z', '--dataset', 'fashion-mnist', '--trials', '1', '--out', 'run', '--quiet'], cwd);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/--zoo: the zoo in .* was trained on mnist; this search is on fashion-mnist/);
    expect(fs.existsSync(path.join(cwd, 'run'))).toBe(false);

    const flags = await runMain(['search', '--warm-images', '0', '--trials', '1', '--out', 'run'], cwd);
    expect(flags.code).toBe(2);
    expect(flags.err).toMatch(/--warm-images: goes with --zoo/);
    const bad = await runMain(['zoo', 'build', '--models', '0', '--dataset', 'imagenet', '--out', 'y'], cwd);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--dataset: must be one of mnist, fashion-mnist, cifar10/);
    expect(bad.err).toMatch(/--models: must be an integer in \[1, 64\]/);
    const none = await runMain(['zoo', 'list', 'nothing'], cwd);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/not a model zoo .*\[ZOO_MISSING\]/);
    fs.rmSync(cwd, { recursive: true, force: true });
  }, 120_000);
});
