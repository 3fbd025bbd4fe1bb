#!/usr/bin/env node
// Entry point: runs the compiled CLI (built by `npm install` through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/lib/cli/main.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('hwnas: the compiled CLI is missing; run "npm install" (or "npm run build") in the project first\n');
  process.exit(1);
}
const { main } = await import(cli);
process.exitCode = await main(process.argv);
