//! `cwasm-fuzz-gen --seed S --count N --out DIR`: writes N modules,
//! `DIR/<seed>.wasm` for seeds S..S+N, each made by wasm-smith from bytes of
//! a generator seeded with its number (so one seed is one module, on every
//! machine). Features are limited to what both Wasmtime and Node 20's V8
//! run; NaNs are canonicalised (so results compare bit for bit where JS can
//! see bits) and termination is ensured with wasm-smith's fuel counter (a
//! global decremented in loops and calls that traps with `unreachable` when
//! it runs out, the same in both engines). Prints one line per module:
//! `<seed> <bytes>`.

use arbitrary::Unstructured;
use std::io::Write;
use std::path::PathBuf;
use wasm_smith::{Config, Module};

/// Bytes of randomness per module (wasm-smith stops early when it runs out).
const ENTROPY: usize = 16 * 1024;
/// Loop iterations and calls a module may make in all before it traps.
const FUEL: u32 = 10_000;

/// splitmix64: a tiny, well-mixed generator; seeds must be reproducible, not secret.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn config() -> Config {
    Config {
        // Node 20's V8 (11.3) has none of these; Wasmtime has them all.
        exceptions_enabled: false,
        gc_enabled: false,
        memory64_enabled: false,
        relaxed_simd_enabled: false,
        threads_enabled: false,
        extended_const_enabled: false,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        max_memories: 1,
        // Both engines take the same module as their own: no imports to provide.
        max_imports: 0,
        export_everything: true,
        canonicalize_nans: true,
        allow_start_export: false,
        // Small memories, so that growth stays inside any host limit.
        max_memory32_bytes: 64 * 65536,
        memory_max_size_required: true,
        max_table_elements: 1000,
        table_max_size_required: true,
        max_funcs: 30,
        max_instructions: 2000,
        ..Config::default()
    }
}

fn module(seed: u64) -> Result<Vec<u8>, String> {
    let mut rng = SplitMix(seed);
    let mut bytes = Vec::with_capacity(ENTROPY);
    while bytes.len() < ENTROPY {
        bytes.extend_from_slice(&rng.next().to_le_bytes());
    }
    let mut u = Unstructured::new(&bytes);
    let mut m = Module::new(config(), &mut u).map_err(|e| format!("seed {seed}: {e}"))?;
    m.ensure_termination(FUEL).map_err(|e| format!("seed {seed}: cannot ensure termination: {e}"))?;
    Ok(m.to_bytes())
}

fn main() {
    let mut seed: u64 = 0;
    let mut count: u64 = 1;
    let mut out = PathBuf::from(".");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |what: &str| {
            args.next().unwrap_or_else(|| {
                eprintln!("{what} needs a value");
                std::process::exit(64)
            })
        };
        match a.as_str() {
            "--seed" => seed = value("--seed").parse().unwrap_or_else(|_| usage()),
            "--count" => count = value("--count").parse().unwrap_or_else(|_| usage()),
            "--out" => out = PathBuf::from(value("--out")),
            _ => usage(),
        }
    }
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("cannot create {}: {e}", out.display());
        std::process::exit(1);
    }
    let stdout = std::io::stdout();
    let mut lines = stdout.lock();
    for s in seed..seed.saturating_add(count) {
        match module(s) {
            Ok(bytes) => {
                if let Err(e) = std::fs::write(out.join(format!("{s}.wasm")), &bytes) {
                    eprintln!("cannot write module {s}: {e}");
                    std::process::exit(1);
                }
                let _ = writeln!(lines, "{s} {}", bytes.len());
            }
            Err(e) => {
                eprintln!("{e}");
                let _ = writeln!(lines, "{s} 0");
            }
        }
    }
}

fn usage() -> ! {
    eprintln!("usage: cwasm-fuzz-gen --seed S --count N --out DIR");
    std::process::exit(64)
}
