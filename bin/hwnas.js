#!/usr/bin/env node
// Entry point: runs the compiled CLI. .npmrc's ignore-scripts keeps `npm install` from building it, so the first
// run on a fresh clone builds it here (TypeScript is a dev dependency); `npm run build` rebuilds after changes.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = fileURLToPath(new URL('../dist/lib/cli/main.js', import.meta.url));
if (!existsSync(cli)) {
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    process.stderr.write('hwnas: the compiled CLI is missing and TypeScript is not installed; run "npm install" then "npm run build" in the project\n');
    process.exit(1);
  }
  process.stderr.write('hwnas: first run: building the CLI (npm run build)…\n');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(cli)) {
    process.stderr.write(`hwnas: the build failed (exit ${r.status}); run "npm run build" in ${root} to see why\n`);
    process.exit(1);
  }
}
const { main } = await import(cli);
process.exitCode = await main(process.argv);
