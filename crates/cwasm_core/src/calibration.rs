//! Reference points for the benchmarks: what a call costs with nothing of
//! ours in the way. Not part of the runtime's behaviour.

use std::cell::RefCell;
use wasmtime::{Engine, Instance, Module, Store, TypedFunc};

/// A plain store and its `add`.
type Bare = (Store<()>, TypedFunc<(i32, i32), i32>);

thread_local! {
    static BARE: RefCell<Option<Bare>> = const { RefCell::new(None) };
}

/// Calls `add(a, b)` of a one-function module in a plain Wasmtime store of
/// this thread (default config, typed call, no limits, no busy flag, no
/// interrupt bookkeeping): the floor under any synchronous call through
/// this runtime. Returns `None` only if Wasmtime cannot build the module.
pub fn bare_add(a: i32, b: i32) -> Option<i32> {
    BARE.with(|cell| {
        let mut bare = cell.borrow_mut();
        if bare.is_none() {
            let engine = Engine::default();
            let module =
                Module::new(&engine, r#"(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))"#).ok()?;
            let mut store = Store::new(&engine, ());
            let instance = Instance::new(&mut store, &module, &[]).ok()?;
            let add = instance.get_typed_func::<(i32, i32), i32>(&mut store, "add").ok()?;
            *bare = Some((store, add));
        }
        let (store, add) = bare.as_mut()?;
        add.call(store, (a, b)).ok()
    })
}
