// What a correct run of the program on our fixture produces, and a check of
// a run against it. The expected files in fixtures/expected/ were recorded
// from node:wasi (record with `node bench/wasi-program/time-node-wasi.mjs --record`).
//
//   checkRun({ stdout?, outDir? }) -> string[]   problems; empty when it matches

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES } from './program.mjs';

export const EXPECTED = join(FIXTURES, 'expected');
/** Files the run writes to /out, each compared byte for byte. */
export const OUTPUT_FILES = ['counter_synth.v', 'counter_synth.json'];

function firstDifference(a, b) {
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}: expected ${JSON.stringify(lb[i])}, got ${JSON.stringify(la[i])}`;
  }
  return 'same lines';
}

export function checkRun({ stdout, outDir } = {}) {
  const problems = [];
  if (stdout !== undefined) {
    const want = readFileSync(join(EXPECTED, 'stdout.txt'), 'utf8');
    if (stdout !== want) problems.push(`stdout differs from fixtures/expected/stdout.txt (${firstDifference(stdout, want)})`);
  }
  if (outDir !== undefined) {
    for (const f of OUTPUT_FILES) {
      const got = join(outDir, f);
      if (!existsSync(got)) { problems.push(`/out/${f} was not written`); continue; }
      const a = readFileSync(got, 'utf8');
      const b = readFileSync(join(EXPECTED, f), 'utf8');
      if (a !== b) problems.push(`/out/${f} differs from fixtures/expected/${f} (${firstDifference(a, b)})`);
    }
  }
  return problems;
}

/** The cell counts `stat` printed, e.g. { '$_SDFFE_PP0P_': 8, … }, and the total. */
export function statSummary(stdout) {
  const cells = {};
  let total;
  let inStat = false;
  for (const line of stdout.split('\n')) {
    if (/Printing statistics/.test(line)) inStat = true;
    if (!inStat) continue;
    const m = /^\s+(\d+)\s+(?:[\d.]+\s+)?cells$/.exec(line) || /^\s+Number of cells:\s+(\d+)/.exec(line);
    if (m && total === undefined) total = Number(m[1]);
    const c = /^\s+(\d+)\s+(?:[\d.]+\s+)?(\$\S+)$/.exec(line) || /^\s+(\$\S+)\s+(\d+)$/.exec(line);
    if (c) {
      const [n, name] = /^\d+$/.test(c[1]) ? [c[1], c[2]] : [c[2], c[1]];
      cells[name] = Number(n);
    }
  }
  return { total, cells };
}
