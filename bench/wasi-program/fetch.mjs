#!/usr/bin/env node
// Download and unpack the benchmarked WASI program once, into the cache:
//
//   node bench/wasi-program/fetch.mjs          prints the .wasm path
//   node bench/wasi-program/fetch.mjs --json   prints every path and the checks as JSON
//
// Steps (skipped when the cache already holds a verified copy):
//   1. `npm view <pkg>@<ver> dist.integrity` — the registry's sha512 for the tarball;
//   2. `npm pack <pkg>@<ver>` into a scratch directory, then our own sha512 of
//      the .tgz compared with (1); a mismatch stops here;
//   3. `tar xzf` into <cache>/npm/<pkg>@<ver>/ (written to a sibling and renamed,
//      so an interrupted fetch leaves nothing half-made);
//   4. Yosys's share/ tree: the package keeps most of it inside
//      gen/resources-yosys.js (file name → text, or a URL of a file under
//      gen/share/); we import that module and write the tree out as real
//      files under <cache>/npm/<pkg>@<ver>/share/, to preopen read-only;
//   5. fetched.json beside it: integrity, the .wasm's size and sha256.
//
// Nothing here is committed; the cache is ~/.cache/cybernetic-wasm (or
// $XDG_CACHE_HOME/cybernetic-wasm).

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PKG, VERSION, WASM_IN_PACKAGE, packageDir, programPaths } from './program.mjs';

const spec = `${PKG}@${VERSION}`;

function sha(algo, bytes, enc = 'hex') {
  return createHash(algo).update(bytes).digest(enc);
}

function npm(args, opts = {}) {
  return execFileSync('npm', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...opts }).trim();
}

/** Write the tree of resources-yosys.js's `filesystem.share` under `dir`. */
function writeTree(dir, tree, counts) {
  mkdirSync(dir, { recursive: true });
  for (const [name, value] of Object.entries(tree)) {
    if (name.includes('/') || name === '..' || name === '.') throw new Error(`unexpected entry name ${JSON.stringify(name)}`);
    const path = join(dir, name);
    if (typeof value === 'string') {
      writeFileSync(path, value);
      counts.files++;
    } else if (value instanceof URL) {
      copyFileSync(fileURLToPath(value), path);
      counts.files++;
    } else if (value instanceof Uint8Array) {
      writeFileSync(path, value);
      counts.files++;
    } else if (value && typeof value === 'object') {
      writeTree(path, value, counts);
      counts.dirs++;
    } else {
      throw new Error(`unexpected entry ${path}: ${typeof value}`);
    }
  }
}

export async function fetchProgram({ log = (s) => process.stderr.write(s + '\n') } = {}) {
  const paths = programPaths();
  const marker = join(paths.root, 'fetched.json');
  if (existsSync(marker) && existsSync(paths.wasm) && existsSync(paths.share)) {
    const info = JSON.parse(readFileSync(marker, 'utf8'));
    if (info.spec === spec && statSync(paths.wasm).size === info.wasm_bytes) return { ...paths, ...info, cached: true };
  }

  log(`fetching ${spec} …`);
  const integrity = npm(['view', spec, 'dist.integrity']);
  const m = /^sha512-([A-Za-z0-9+/=]+)$/.exec(integrity);
  if (!m) throw new Error(`npm view ${spec} dist.integrity gave ${JSON.stringify(integrity)}`);

  const scratch = mkdtempSync(join(tmpdir(), 'cwasm-fetch-'));
  try {
    const packed = JSON.parse(npm(['pack', spec, '--json', '--pack-destination', scratch], { cwd: scratch }));
    const tgz = join(scratch, packed[0].filename);
    const got = sha('sha512', readFileSync(tgz), 'base64');
    if (got !== m[1]) throw new Error(`integrity mismatch for ${spec}: registry says sha512-${m[1]}, tarball is sha512-${got}`);
    log(`  tarball ${statSync(tgz).size} bytes, sha512 matches the registry's dist.integrity`);

    const staging = join(scratch, 'unpacked');
    mkdirSync(staging);
    execFileSync('tar', ['xzf', tgz, '-C', staging, '--no-same-owner']);

    const wasmPath = join(staging, 'package', WASM_IN_PACKAGE);
    const wasm = readFileSync(wasmPath);
    const resources = await import(pathToFileURL(join(staging, 'package', 'gen', 'resources-yosys.js')).href);
    if (!resources.filesystem || !resources.filesystem.share) throw new Error('resources-yosys.js has no filesystem.share');
    const counts = { files: 0, dirs: 0 };
    writeTree(join(staging, 'share'), resources.filesystem.share, counts);
    log(`  share/: ${counts.files} files in ${counts.dirs} directories`);

    const info = {
      spec,
      integrity,
      wasm_in_package: WASM_IN_PACKAGE,
      wasm_bytes: wasm.length,
      wasm_sha256: sha('sha256', wasm),
      share_files: counts.files,
      fetched_at: new Date().toISOString(),
    };
    writeFileSync(join(staging, 'fetched.json'), JSON.stringify(info, null, 2) + '\n');

    mkdirSync(dirname(paths.root), { recursive: true });
    rmSync(paths.root, { recursive: true, force: true });
    renameSync(staging, paths.root);
    log(`  unpacked into ${paths.root}`);
    return { ...paths, ...info, cached: false };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const info = await fetchProgram();
  if (process.argv.includes('--json')) console.log(JSON.stringify(info, null, 2));
  else console.log(info.wasm);
}
