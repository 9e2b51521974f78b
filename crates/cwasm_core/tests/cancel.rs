//! Cancelling one call with a `CallToken`: before it starts, while it runs,
//! after it finished; and the pool's queue.

use cwasm_core::{cancel_call, pool_stats, spawn_call, CallToken, CancelOutcome, Engine, EngineConfig, Error, Extern, Module, Store, StoreOptions, Value};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

const WAT: &[u8] = br#"(module
  (import "env" "host" (func $host))
  (func (export "answer") (result i32) i32.const 42)
  (func (export "answer_after_host") (result i32) call $host i32.const 42)
  (func (export "sum") (param $n i32) (result i32) (local $s i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $s (i32.add (local.get $s) (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    local.get $s)
  (func (export "host_then_spin") call $host (loop br 0))
  (func (export "spin") (loop br 0)))"#;

/// The tests that fill the process-wide pool must not overlap.
static POOL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn engines() -> Vec<Engine> {
    let flag = Engine::shared(&EngineConfig::default()).unwrap();
    let epoch = Engine::shared(&EngineConfig { epoch_checks: true, ..EngineConfig::default() }).unwrap();
    vec![flag, epoch]
}

/// A store with the test module instantiated; `host` runs when the guest calls env.host.
fn setup(engine: &Engine, host: impl Fn() + Send + Sync + 'static) -> (Arc<Store>, cwasm_core::Instance) {
    let module = Module::compile(engine, WAT).unwrap();
    let store = Arc::new(Store::new(engine, StoreOptions::default()));
    let f = store
        .host_func(
            &[],
            &[],
            Arc::new(move |_| {
                host();
                Ok(vec![])
            }),
        )
        .unwrap();
    let instance = store.instantiate(&module, &[("env".into(), "host".into(), Extern::Func(f))]).unwrap();
    (store, instance)
}

#[test]
fn a_cancel_after_the_call_finished_leaves_the_next_call_on_the_store_untouched() {
    for engine in engines() {
        let (store, i) = setup(&engine, || {});
        let answer = store.export_func(i, "answer").unwrap();
        let sum = store.export_func(i, "sum").unwrap();
        let token = CallToken::new();
        let mut slots = [0u8; 16];
        let kinds = store.func_kinds(answer).unwrap();
        store.call_slots_token(answer, &kinds, &mut slots, Some(&token)).unwrap();
        assert_eq!(slots[0], 42);
        assert_eq!(cancel_call(token.id()), CancelOutcome::Finished);
        // The next call has loops with checks: a stale flag would stop it.
        assert_eq!(store.call(sum, &[Value::I32(100)]).unwrap(), vec![Value::I32(5050)]);
    }
}

#[test]
fn a_call_cancelled_while_it_runs_fails_even_when_the_guest_returns_before_any_check() {
    for engine in engines() {
        let slot: Arc<std::sync::Mutex<u64>> = Arc::default();
        let id = slot.clone();
        // The host function cancels the running call, then the guest returns
        // 42 without reaching a check.
        let (store, i) = setup(&engine, move || {
            let id = *id.lock().unwrap();
            assert_eq!(cancel_call(id), CancelOutcome::Stopping);
        });
        let f = store.export_func(i, "answer_after_host").unwrap();
        let kinds = store.func_kinds(f).unwrap();
        let token = CallToken::new();
        *slot.lock().unwrap() = token.id();
        let mut slots = [0u8; 16];
        let r = store.call_slots_token(f, &kinds, &mut slots, Some(&token));
        assert!(matches!(r, Err(Error::Cancelled)), "{r:?}");
        // And the flag is down again for the next call.
        let sum = store.export_func(i, "sum").unwrap();
        assert_eq!(store.call(sum, &[Value::I32(10)]).unwrap(), vec![Value::I32(55)]);
    }
}

#[test]
fn a_running_loop_stops_at_its_next_check_when_its_token_is_cancelled() {
    let _pool = POOL.lock().unwrap_or_else(|p| p.into_inner());
    for engine in engines() {
        let (started_tx, started) = mpsc::channel();
        let (store, i) = setup(&engine, move || {
            let _ = started_tx.send(());
        });
        let spin = store.export_func(i, "host_then_spin").unwrap();
        let kinds = store.func_kinds(spin).unwrap();
        let token = CallToken::new();
        let id = token.id();
        let s = store.clone();
        let (tx, rx) = mpsc::channel();
        spawn_call(id, move || {
            let mut slots = [0u8; 16];
            let _ = tx.send(s.call_slots_token(spin, &kinds, &mut slots, Some(&token)));
        });
        started.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(cancel_call(id), CancelOutcome::Stopping);
        let r = rx.recv_timeout(Duration::from_secs(5)).expect("the loop stopped");
        assert!(matches!(r, Err(Error::Cancelled)), "{r:?}");
    }
}

#[test]
fn a_call_waiting_for_a_pool_thread_is_taken_off_the_queue_when_cancelled() {
    let _pool = POOL.lock().unwrap_or_else(|p| p.into_inner());
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let threads = pool_stats().threads;
    // Fill every pool thread with a loop that ends at a 500 ms deadline.
    let (btx, brx) = mpsc::channel();
    for _ in 0..threads {
        let (store, i) = setup(&engine, || {});
        store.set_deadline(Some(Duration::from_millis(500))).unwrap();
        let spin = store.export_func(i, "spin").unwrap();
        let btx = btx.clone();
        cwasm_core::spawn(move || {
            let _ = btx.send((store.call(spin, &[]), Instant::now()));
        });
    }
    let t0 = Instant::now();
    while pool_stats().busy < threads && t0.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(1));
    }
    let (store, i) = setup(&engine, || {});
    let answer = store.export_func(i, "answer").unwrap();
    let kinds = store.func_kinds(answer).unwrap();
    let token = CallToken::new();
    let id = token.id();
    let (tx, rx) = mpsc::channel();
    spawn_call(id, move || {
        let mut slots = [0u8; 16];
        let _ = tx.send((store.call_slots_token(answer, &kinds, &mut slots, Some(&token)), Instant::now()));
    });
    assert_eq!(pool_stats().queued, 1);
    assert_eq!(cancel_call(id), CancelOutcome::Dequeued);
    let (r, settled) = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(matches!(r, Err(Error::Cancelled)), "{r:?}");
    assert_eq!(pool_stats().queued, 0);
    // It settled before any blocker finished: it did not wait for a thread.
    for _ in 0..threads {
        let (b, at) = brx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert!(matches!(b, Err(Error::Timeout { .. })), "{b:?}");
        assert!(settled < at);
    }
}

#[test]
fn store_cancel_with_no_call_running_does_nothing() {
    for engine in engines() {
        let (store, i) = setup(&engine, || {});
        store.cancel();
        let sum = store.export_func(i, "sum").unwrap();
        assert_eq!(store.call(sum, &[Value::I32(4)]).unwrap(), vec![Value::I32(10)]);
    }
}

#[test]
fn tokens_are_forgotten_when_their_calls_end() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let (store, i) = setup(&engine, || {});
    let answer = store.export_func(i, "answer").unwrap();
    let kinds = store.func_kinds(answer).unwrap();
    let ids: Vec<u64> = (0..100)
        .map(|_| {
            let t = CallToken::new();
            let mut slots = [0u8; 16];
            store.call_slots_token(answer, &kinds, &mut slots, Some(&t)).unwrap();
            t.id()
        })
        .collect();
    for id in ids {
        assert!(CallToken::find(id).is_none());
    }
    // One cancelled before it started is forgotten when it is refused.
    let t = CallToken::new();
    assert_eq!(t.cancel(), CancelOutcome::Dequeued);
    let mut slots = [0u8; 16];
    assert!(matches!(store.call_slots_token(answer, &kinds, &mut slots, Some(&t)), Err(Error::Cancelled)));
    assert!(CallToken::find(t.id()).is_none());
}

#[test]
fn a_released_store_refuses_further_use() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let (store, i) = setup(&engine, || {});
    let answer = store.export_func(i, "answer").unwrap();
    store.release().unwrap();
    assert!(store.is_released());
    assert!(matches!(store.call(answer, &[]), Err(Error::InvalidArgument { .. })));
    store.release().unwrap();
}

#[test]
fn a_shared_module_comes_back_on_another_thread_without_compiling() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let m = Module::compile(&engine, br#"(module (func (export "shared_probe") (result i32) i32.const 7))"#).unwrap();
    let id = m.share();
    let before = cwasm_core::module_stats().compiled;
    let e2 = engine.clone();
    let back = std::thread::spawn(move || Module::from_shared(&e2, id).unwrap().hash()).join().unwrap();
    assert_eq!(back, m.hash());
    assert_eq!(cwasm_core::module_stats().compiled, before);
    assert!(matches!(Module::from_shared(&engine, u64::MAX), Err(Error::InvalidArgument { .. })));
}
