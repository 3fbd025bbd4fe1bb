/** Runs the CLI in-process (lib/cli/main.ts) in a directory, capturing what it prints. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../lib/cli/main.js';

export interface MainResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** A fresh temporary directory. */
export const tmpDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-cli-'));

/** Every file and directory below `dir`, relative, sorted. */
export function listTree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).map(String).sort();
}

/** `hwnas <args>` run by main() with `cwd` as working directory; stdout and stderr captured. */
export async function runMain(args: readonly string[], cwd: string): Promise<MainResult> {
  let out = '';
  let err = '';
  const origOut = process.stdout.write.bind(process.stdout);
  const origErr = process.stderr.write.bind(process.stderr);
  const here = process.cwd();
  process.stdout.write = ((chunk: string | Uint8Array) => ((out += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((err += String(chunk)), true)) as typeof process.stderr.write;
  process.chdir(cwd);
  try {
    const code = await main(['node', 'hwnas', ...args]);
    return { code, out, err };
  } finally {
    process.chdir(here);
    process.stdout.write = origOut;
    process.stderr.write = origErr;
  }
}

/** A stack trace line as Node prints them. */
export const STACK_LINE = /^\s+at .+[(:]\d+/m;
