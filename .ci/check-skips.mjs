#!/usr/bin/env node
// Fails CI when the test run skipped anything: reads vitest's JSON report (`--reporter=json
// --outputFile.json=FILE`) and exits 1 listing every test that did not run (skipped, todo, pending) and every
// test file that collected no tests. A skip hides a check (the report's browser test without chromium, the
// dataset tests without the data), so CI must provide what each test needs instead.
// Usage: node .ci/check-skips.mjs report.json
import fs from 'node:fs';
import path from 'node:path';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node .ci/check-skips.mjs <vitest JSON report>\n');
  process.exit(2);
}
let report;
try {
  report = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (err) {
  process.stderr.write(`check-skips: cannot read the vitest JSON report ${file}: ${err.message}\n`);
  process.exit(2);
}
if (!Array.isArray(report.testResults)) {
  process.stderr.write(`check-skips: ${file} is not a vitest JSON report (no testResults)\n`);
  process.exit(2);
}
const notRun = [];
for (const f of report.testResults) {
  const rel = path.relative(process.cwd(), f.name);
  if (!Array.isArray(f.assertionResults) || f.assertionResults.length === 0) {
    notRun.push(`${rel}: no tests ran`);
    continue;
  }
  for (const t of f.assertionResults) {
    if (t.status !== 'passed' && t.status !== 'failed') notRun.push(`${rel}: ${t.fullName} (${t.status})`);
  }
}
if (notRun.length > 0) {
  process.stderr.write(`CI: ${notRun.length} test(s) did not run; CI must run every test:\n${notRun.map((l) => `  ${l}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`CI: all ${report.numTotalTests} tests in ${report.testResults.length} files ran\n`);
