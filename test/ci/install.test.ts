/**
 * Set-up and CI: the lock file is complete (what `npm ci` demands), npm runs quietly in the project with no
 * dependency install scripts (onnxruntime-node's would fetch CUDA binaries from the internet under npm 10), and
 * CI fails when a test was skipped.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** Dependencies `npm ci` requires lock entries for that the lock lacks (node_modules resolution, walking up). */
function missingFromLock(lock: { packages: Record<string, LockEntry> }): string[] {
  const missing: string[] = [];
  for (const [at, entry] of Object.entries(lock.packages)) {
    const wanted = {
      ...entry.dependencies,
      ...entry.optionalDependencies,
      ...Object.fromEntries(Object.entries(entry.peerDependencies ?? {}).filter(([n]) => !entry.peerDependenciesMeta?.[n]?.optional)),
    };
    for (const name of Object.keys(wanted)) {
      let dir = at;
      let found = false;
      for (;;) {
        if (lock.packages[`${dir ? `${dir}/` : ''}node_modules/${name}`]) {
          found = true;
          break;
        }
        if (dir === '') break;
        const i = dir.lastIndexOf('/node_modules/');
        dir = i < 0 ? '' : dir.slice(0, i);
      }
      if (!found) missing.push(`${name} (needed by ${at || 'the project'})`);
    }
  }
  return missing;
}

describe('installation', () => {
  it('has a complete lock file: every dependency of every locked package, other platforms included, is locked', () => {
    const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
    expect(lock.lockfileVersion).toBeGreaterThanOrEqual(2);
    expect(missingFromLock(lock)).toEqual([]);
    // The check finds a package left out (what `npm ci` reported: "Missing: @rollup/rollup-android-arm-eabi").
    const cut = structuredClone(lock);
    delete cut.packages['node_modules/@rollup/rollup-android-arm-eabi'];
    expect(missingFromLock(cut)).toEqual([expect.stringContaining('@rollup/rollup-android-arm-eabi (needed by node_modules/rollup)')]);
  });

  it('runs npm in the project without warnings, dependency install scripts off', () => {
    // `npm config get` loads the project's .npmrc like `npx hwnas` does (unknown keys warn in npm 11).
    // Without the npm_config_* variables of the npm that started this test run (they would be read as env config).
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    const r = spawnSync('npm', ['config', 'get', 'ignore-scripts'], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/npm warn/i);
    expect(r.stdout.trim()).toBe('true');
  });
});

describe('CI skip check (.ci/check-skips.mjs)', () => {
  const check = (report: object) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-ci-')), 'report.json');
    fs.writeFileSync(file, JSON.stringify(report));
    return spawnSync(process.execPath, [path.join(root, '.ci/check-skips.mjs'), file], { cwd: root, encoding: 'utf8' });
  };
  const file = (name: string, ...statuses: string[]) => ({
    name: path.join(root, name),
    assertionResults: statuses.map((status, i) => ({ fullName: `case ${i}`, status })),
  });

  it('fails when a test was skipped or a file ran nothing, naming them', () => {
    const r = check({ numTotalTests: 3, testResults: [file('test/a.test.ts', 'passed', 'skipped'), file('test/b.test.ts', 'todo'), file('test/c.test.ts')] });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('test/a.test.ts: case 1 (skipped)');
    expect(r.stderr).toContain('test/b.test.ts: case 0 (todo)');
    expect(r.stderr).toContain('test/c.test.ts: no tests ran');
  });

  it('passes when every test ran, and refuses what is not a report', () => {
    const r = check({ numTotalTests: 2, testResults: [file('test/a.test.ts', 'passed', 'failed')] });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('all 2 tests in 1 files ran');
    expect(check({ hello: 1 }).status).toBe(2);
  });
});
