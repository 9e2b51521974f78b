//! A `wasmtime run`-like host for WASI preview 1 commands built on
//! wasmtime-wasi 48, with read-only preopens (`--ro-dir`), which the wasmtime
//! CLI lacks. For recording reference outputs only (test/wasi/record-expected.mjs --ro-host).
//! usage: wasi-ro-host [--dir H::G] [--ro-dir H::G] [--env K=V] [--argv0 A] MODULE [ARGS...]
use std::process::exit;
use wasmtime::{Engine, Linker, Module, Store};
use wasmtime_wasi::p1::{self, WasiP1Ctx};
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

fn main() -> anyhow::Result<()> {
    let mut argv = std::env::args().skip(1);
    let mut b = WasiCtxBuilder::new();
    b.inherit_stdio();
    let mut argv0 = None;
    let module_path = loop {
        let a = argv.next().ok_or_else(|| anyhow::anyhow!("no module given"))?;
        match a.as_str() {
            "--dir" | "--ro-dir" => {
                let spec = argv.next().unwrap_or_default();
                let (host, guest) = spec.split_once("::").unwrap_or((&spec, &spec));
                let perms = if a == "--dir" { FsPerms::ReadWrite } else { FsPerms::ReadOnly };
                b.preopened_dir(host, guest, perms)?;
            }
            "--env" => {
                let kv = argv.next().unwrap_or_default();
                let (k, v) = kv.split_once('=').unwrap_or((&kv, ""));
                b.env(k, v);
            }
            "--argv0" => argv0 = argv.next(),
            _ => break a,
        }
    };
    let mut args = vec![argv0.unwrap_or_else(|| module_path.clone())];
    args.extend(argv);
    b.args(&args);
    let engine = Engine::default();
    let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
    p1::add_to_linker_sync(&mut linker, |t| t)?;
    let mut store = Store::new(&engine, b.build_p1());
    let module = Module::from_file(&engine, &module_path)?;
    let run = linker
        .instantiate(&mut store, &module)
        .and_then(|i| i.get_typed_func::<(), ()>(&mut store, "_start"))
        .and_then(|f| f.call(&mut store, ()));
    match run {
        Ok(()) => exit(0),
        Err(e) => {
            if let Some(code) = e.downcast_ref::<I32Exit>() {
                exit(code.0);
            }
            eprintln!("Error: failed to run main module `{module_path}`\n\nCaused by:\n    0: {}", e.root_cause());
            exit(1);
        }
    }
}
