//! How much resident memory one live store with one instance costs, below
//! JS: plain Wasmtime (default config, `InstancePre`) and `cwasm_core` (our
//! engine config, woven interrupt flag memory). The bench's memory suite
//! runs it next to its JS figures, to show where the floor is.
//!
//!   cargo run --release --example footprint -- <wasmtime|core|core_one_store> <count> <wat file>
//!
//! Prints one JSON line: `{"side":…,"count":…,"rss_growth":bytes}`.

use std::time::Duration;

fn rss() -> u64 {
    let s = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = s.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0);
    pages * 4096
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (side, count, file) = match args.as_slice() {
        [_, side, count, file] => (side.as_str(), count.parse::<usize>()?, file),
        _ => return Err("usage: footprint <wasmtime|core|core_one_store> <count> <wat file>".into()),
    };
    let wat = std::fs::read_to_string(file)?;
    let before;
    let after;
    match side {
        "wasmtime" => {
            let engine = wasmtime::Engine::default();
            let module = wasmtime::Module::new(&engine, &wat)?;
            let pre = wasmtime::Linker::<()>::new(&engine).instantiate_pre(&module)?;
            let make = || -> Result<wasmtime::Store<()>, Box<dyn std::error::Error>> {
                let mut store = wasmtime::Store::new(&engine, ());
                let instance = pre.instantiate(&mut store)?;
                let add = instance.get_typed_func::<(i32, i32), i32>(&mut store, "add")?;
                add.call(&mut store, (1, 2))?;
                Ok(store)
            };
            let first = make()?;
            std::thread::sleep(Duration::from_millis(10));
            before = rss();
            let live = (0..count).map(|_| make()).collect::<Result<Vec<_>, _>>()?;
            after = rss();
            drop((first, live));
        }
        "core" | "core_one_store" => {
            let engine = cwasm_core::Engine::shared(&cwasm_core::EngineConfig::default())?;
            let module = cwasm_core::Module::compile(&engine, wat.as_bytes())?;
            let shared = cwasm_core::Store::new(&engine, cwasm_core::StoreOptions::default());
            let one_store = side == "core_one_store";
            let make = |store: Option<cwasm_core::Store>| -> Result<Option<cwasm_core::Store>, Box<dyn std::error::Error>> {
                let s = store.as_ref().unwrap_or(&shared);
                let instance = s.instantiate(&module, &[])?;
                let add = s.export_func(instance, "add")?;
                s.call(add, &[cwasm_core::Value::I32(1), cwasm_core::Value::I32(2)])?;
                Ok(store)
            };
            let fresh = || (!one_store).then(|| cwasm_core::Store::new(&engine, cwasm_core::StoreOptions::default()));
            let first = make(fresh())?;
            std::thread::sleep(Duration::from_millis(10));
            before = rss();
            let live = (0..count).map(|_| make(fresh())).collect::<Result<Vec<_>, _>>()?;
            after = rss();
            drop((first, live));
        }
        other => return Err(format!("unknown side {other}").into()),
    }
    println!("{{\"side\":\"{side}\",\"count\":{count},\"rss_growth\":{}}}", after.saturating_sub(before));
    Ok(())
}
