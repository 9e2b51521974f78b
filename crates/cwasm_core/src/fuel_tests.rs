//! Woven fuel against Wasmtime's own: the same calls consume the same fuel
//! and run out at the same place, for every budget tried.

use super::*;
use wasmtime::{Config, Engine, Global, GlobalType as WGlobalType, Linker, Module, Mutability, Store, Val, ValType as WValType};

/// What one call did: its results or its trap, and the fuel it consumed.
#[derive(Debug, PartialEq)]
struct Outcome {
    result: Result<Vec<String>, String>,
    consumed: u64,
}

fn show(vals: &[Val]) -> Vec<String> {
    vals.iter()
        .map(|v| match v {
            Val::I32(x) => format!("i32:{x}"),
            Val::I64(x) => format!("i64:{x}"),
            other => format!("{other:?}"),
        })
        .collect()
}

fn trap_name(e: &wasmtime::Error) -> String {
    match e.downcast_ref::<wasmtime::Trap>() {
        Some(t) => format!("{t:?}"),
        None => format!("error: {e}"),
    }
}

/// A module compiled for one meter: Wasmtime's fuel (`native`) or woven fuel.
struct Compiled {
    engine: Engine,
    module: Module,
    native: bool,
}

fn compile(wasm: &[u8], native: bool) -> Compiled {
    let mut c = Config::new();
    c.consume_fuel(native).wasm_wide_arithmetic(true);
    let engine = Engine::new(&c).unwrap();
    let bytes = if native {
        wasm.to_vec()
    } else {
        let woven = weave_fuel(wasm).unwrap().expect("the module is woven");
        wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all()).validate_all(&woven).expect("woven module validates");
        woven
    };
    let module = Module::new(&engine, &bytes).unwrap();
    Compiled { engine, module, native }
}

fn run(c: &Compiled, export: &str, args: &[Val], budget: u64) -> Outcome {
    let mut store = Store::new(&c.engine, ());
    let mut linker = Linker::new(&c.engine);
    let start = -i64::try_from(budget).unwrap();
    let globals = if c.native {
        // Instantiating may evaluate constant expressions as code, which costs fuel: not the call's.
        store.set_fuel(u64::MAX / 4).unwrap();
        None
    } else {
        let counter = Global::new(&mut store, WGlobalType::new(WValType::I64, Mutability::Var), Val::I64(i64::MIN / 4)).unwrap();
        let out = Global::new(&mut store, WGlobalType::new(WValType::I32, Mutability::Var), Val::I32(0)).unwrap();
        linker.define(&store, FUEL_MODULE, FUEL_COUNTER, counter).unwrap();
        linker.define(&store, FUEL_MODULE, FUEL_OUT, out).unwrap();
        Some((counter, out))
    };
    let instance = linker.instantiate(&mut store, &c.module).unwrap();
    match globals {
        None => store.set_fuel(budget).unwrap(),
        // A start function ran on the counter too: not the call's.
        Some((counter, _)) => counter.set(&mut store, Val::I64(start)).unwrap(),
    }
    let f = instance.get_func(&mut store, export).unwrap();
    let mut results = vec![Val::I32(0); f.ty(&store).results().len()];
    let r = f.call(&mut store, args, &mut results);
    let Some((counter, out)) = globals else {
        let consumed = budget - store.get_fuel().unwrap();
        return Outcome { result: r.map(|()| show(&results)).map_err(|e| trap_name(&e)), consumed };
    };
    let now = counter.get(&mut store).unwrap_i64();
    let ran_out = out.get(&mut store).unwrap_i32() == 1;
    // Like Wasmtime's get_fuel, remaining fuel stops at 0.
    let consumed = u64::try_from(now - start).unwrap().min(budget);
    let result = match r {
        Ok(()) => Ok(show(&results)),
        Err(e) if ran_out => {
            assert_eq!(trap_name(&e), "UnreachableCodeReached");
            Err("OutOfFuel".into())
        }
        Err(e) => Err(trap_name(&e)),
    };
    Outcome { result, consumed }
}

/// Kernels: loops, branches, calls of every kind, bulk operations, traps.
const KERNELS: &[(&str, &str, &[i64])] = &[
    ("empty", r#"(module (func (export "f")))"#, &[]),
    ("straight", r#"(module (func (export "f") (result i32) i32.const 1 i32.const 2 i32.add nop drop i32.const 7))"#, &[]),
    (
        "sum loop",
        r#"(module (func (export "f") (param i32) (result i32) (local i32)
            (block (loop
              (br_if 1 (i32.eqz (local.get 0)))
              (local.set 1 (i32.add (local.get 1) (local.get 0)))
              (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
              (br 0)))
            (local.get 1)))"#,
        &[1000],
    ),
    (
        "fib",
        r#"(module (func $fib (export "f") (param i32) (result i32)
            (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
              (then (local.get 0))
              (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                             (call $fib (i32.sub (local.get 0) (i32.const 2))))))))"#,
        &[15],
    ),
    (
        "if without else, early return, dead code",
        r#"(module (func (export "f") (param i32) (result i32)
            (if (local.get 0) (then (return (i32.const 5)) (i32.const 1) drop))
            (block (br 0) (i32.const 9) drop)
            (i32.const 3)))"#,
        &[0],
    ),
    (
        "br_table",
        r#"(module (func (export "f") (param i32) (result i32)
            (block (block (block (br_table 0 1 2 (local.get 0))) (return (i32.const 10))) (return (i32.const 20)))
            (i32.const 30)))"#,
        &[1],
    ),
    (
        "call_indirect and return_call",
        r#"(module (type $t (func (param i32) (result i32)))
            (table 2 funcref) (elem (i32.const 0) $inc $dec)
            (func $inc (type $t) (i32.add (local.get 0) (i32.const 1)))
            (func $dec (type $t) (i32.sub (local.get 0) (i32.const 1)))
            (func $count (param i32 i32) (result i32)
              (if (result i32) (i32.eqz (local.get 0)) (then (local.get 1))
                (else (return_call $count (i32.sub (local.get 0) (i32.const 1)) (call_indirect (type $t) (local.get 1) (i32.rem_u (local.get 0) (i32.const 2)))))))
            (func (export "f") (param i32) (result i32) (call $count (local.get 0) (i32.const 0))))"#,
        &[500],
    ),
    (
        "bulk memory, constant and dynamic lengths",
        r#"(module (memory 1) (data $d "hello world")
            (func (export "f") (param i32) (result i32)
              (memory.fill (i32.const 0) (i32.const 7) (i32.const 100))
              (memory.fill (i32.const 0) (i32.const 7) (i32.const 4000))
              (memory.copy (i32.const 100) (i32.const 0) (local.get 0))
              (memory.init $d (i32.const 0) (i32.const 0) (i32.const 11))
              (i32.load8_u (i32.const 4))))"#,
        &[3000],
    ),
    (
        "table grow and fill",
        r#"(module (table 1 funcref) (func $g) (elem declare func $g)
            (func (export "f") (param i32) (result i32)
              (drop (table.grow (ref.func $g) (local.get 0)))
              (table.fill (i32.const 0) (ref.null func) (local.get 0))
              (table.size)))"#,
        &[300],
    ),
    (
        "globals move up",
        r#"(module (import "m" "g" (global i32)) (global $h (mut i32) (global.get 0)) (func (export "f") (result i32) (global.set $h (i32.const 4)) (global.get $h)))"#,
        &[],
    ),
    ("trap mid block", r#"(module (func (export "f") (param i32) (result i32) (i32.const 1) (i32.const 2) (i32.div_u (local.get 0)) i32.add))"#, &[0]),
    (
        "nested loops with floats",
        r#"(module (func (export "f") (param i32) (result f64) (local i32 f64)
            (loop $o
              (local.set 1 (i32.const 0))
              (loop $i
                (local.set 2 (f64.add (local.get 2) (f64.mul (f64.convert_i32_u (local.get 1)) (f64.const 0.5))))
                (br_if $i (i32.lt_u (local.tee 1 (i32.add (local.get 1) (i32.const 1))) (i32.const 50))))
              (br_if $o (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
            (local.get 2)))"#,
        &[40],
    ),
];

fn args_of(wasm: &[u8], export: &str, xs: &[i64]) -> Vec<Val> {
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).unwrap_or_else(|e| panic!("{e:?}"));
    let ty = module.get_export(export).unwrap().func().unwrap().clone();
    ty.params().zip(xs).map(|(t, x)| if matches!(t, WValType::I64) { Val::I64(*x) } else { Val::I32(*x as i32) }).collect()
}

#[test]
fn woven_fuel_consumes_what_wasmtime_fuel_consumes_and_runs_out_at_the_same_place() {
    for (name, wat, xs) in KERNELS {
        let mut wasm = wat::parse_str(wat).unwrap();
        if name.starts_with("globals") {
            // An imported global needs a definition: turn it into a defined one for both meters.
            wasm = wat::parse_str(r#"(module (global i32 (i32.const 1)) (global $h (mut i32) (global.get 0)) (func (export "f") (result i32) (global.set $h (i32.const 4)) (global.get $h)))"#).unwrap();
        }
        let args = args_of(&wasm, "f", xs);
        let (n, w) = (compile(&wasm, true), compile(&wasm, false));
        let full = run(&n, "f", &args, u64::MAX / 4);
        assert_eq!(run(&w, "f", &args, u64::MAX / 4), full, "{name}: unlimited");
        // Every budget up to the full cost, and a few beyond it.
        let step = (full.consumed / 300).max(1);
        let mut budget = 1;
        while budget <= full.consumed + 3 {
            assert_eq!(run(&w, "f", &args, budget), run(&n, "f", &args, budget), "{name}: budget {budget}");
            budget += step;
        }
    }
}

#[test]
fn modules_with_exceptions_are_left_to_wasmtime_fuel() {
    let wasm = wat::parse_str(r#"(module (tag $e) (func (export "f") (throw $e)))"#).unwrap();
    assert!(weave_fuel(&wasm).unwrap().is_none());
}

/// A spec suite's modules (`../shared/corpus/<suite>/`, beside the clone).
fn spec_modules(suite: &str) -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus").join(suite);
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else { panic!("the spec corpus is missing at {}", dir.display()) };
    let mut dirs: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    for d in dirs {
        let mut files: Vec<_> = std::fs::read_dir(&d).unwrap().filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "wasm")).collect();
        files.sort();
        for f in files {
            out.push((f.strip_prefix(&dir).unwrap().display().to_string(), std::fs::read(&f).unwrap()));
        }
    }
    out
}

/// Calls every export of `wasm` taking and returning numbers, with zeros,
/// under both meters: the full run and budgets that run out part way.
fn compare_exports(name: &str, wasm: &[u8]) -> usize {
    let mut c = Config::new();
    c.wasm_wide_arithmetic(true);
    let engine = Engine::new(&c).unwrap();
    let Ok(module) = Module::new(&engine, wasm) else { return 0 };
    if module.imports().len() > 0 {
        return 0;
    }
    let Ok(Some(_)) = weave_fuel(wasm) else { return 0 };
    let (n, w) = (compile(wasm, true), compile(wasm, false));
    // Instantiation may trap (that is what some spec modules test): no call to compare.
    let mut store = Store::new(&n.engine, ());
    store.set_fuel(u64::MAX / 4).unwrap();
    if Linker::new(&n.engine).instantiate(&mut store, &n.module).is_err() {
        return 0;
    }
    let mut compared = 0;
    for e in module.exports() {
        let Some(ty) = e.ty().func().cloned() else { continue };
        let numeric = |t: &WValType| matches!(t, WValType::I32 | WValType::I64 | WValType::F32 | WValType::F64);
        if !ty.params().all(|t| numeric(&t)) || !ty.results().all(|t| numeric(&t)) {
            continue;
        }
        let args: Vec<Val> = ty
            .params()
            .map(|t| match t {
                WValType::I64 => Val::I64(0),
                WValType::F32 => Val::F32(0),
                WValType::F64 => Val::F64(0),
                _ => Val::I32(0),
            })
            .collect();
        let full = run(&n, e.name(), &args, 100_000);
        if full.result == Err("StackOverflow".into()) {
            // The woven frames are larger (three more locals): the stack runs
            // out at another depth, so after another amount of work.
            assert_eq!(run(&w, e.name(), &args, 100_000).result, full.result, "{name} export {:?}", e.name());
            continue;
        }
        for budget in [100_000, full.consumed, full.consumed.saturating_sub(1).max(1), full.consumed / 2 + 1] {
            assert_eq!(run(&w, e.name(), &args, budget), run(&n, e.name(), &args, budget), "{name} export {:?}, budget {budget}", e.name());
        }
        compared += 1;
    }
    compared
}

#[test]
fn woven_fuel_matches_wasmtime_fuel_on_every_spec_module_export() {
    for (suite, at_least) in [("spec", 3000), ("spec-3.0", 3000)] {
        let mut compared = 0;
        for (name, wasm) in spec_modules(suite) {
            compared += compare_exports(&format!("{suite}/{name}"), &wasm);
        }
        assert!(compared >= at_least, "only {compared} exports of {suite} compared");
        eprintln!("{compared} exports of {suite} compared");
    }
}
