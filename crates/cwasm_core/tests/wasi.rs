//! WASI preview 1 behind the sandbox: grants, per-descriptor stdio, output
//! caps, preopen rules, audit records, exit codes and interruptible waits.

use cwasm_core::{
    errno, AuditRecord, Engine, EngineConfig, Error, Module, OutputSink, Preopen, StdStream, StdinSource, Store, StoreOptions,
    Value, WasiConfig,
};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A module exporting `memory` and `run`, whose body is `body`, with the
/// WASI imports it names (`$fd_write` and so on).
fn module(imports: &[(&str, &str)], body: &str) -> Module {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let imports: String = imports
        .iter()
        .map(|(name, sig)| format!("(import \"wasi_snapshot_preview1\" \"{name}\" (func ${name} {sig}))\n"))
        .collect();
    let wat = format!("(module {imports} (memory (export \"memory\") 1) (func (export \"run\") (result i32) {body}))");
    Module::compile(&engine, wat.as_bytes()).unwrap()
}

const FD_WRITE: (&str, &str) = ("fd_write", "(param i32 i32 i32 i32) (result i32)");
const PATH_OPEN: (&str, &str) = ("path_open", "(param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)");
const PATH_MKDIR: (&str, &str) = ("path_create_directory", "(param i32 i32 i32) (result i32)");

/// Stores `text` at `at` and an iovec for it at 0; returns the WAT that does so.
fn with_text(at: u32, text: &str) -> String {
    let mut s = String::new();
    for (i, b) in text.bytes().enumerate() {
        s.push_str(&format!("(i32.store8 (i32.const {}) (i32.const {b}))", at as usize + i));
    }
    s.push_str(&format!("(i32.store (i32.const 0) (i32.const {at})) (i32.store (i32.const 4) (i32.const {}))", text.len()));
    s
}

fn run(store: &Store, m: &Module) -> Result<i32, Error> {
    let instance = store.instantiate(m, &[])?;
    let f = store.export_func(instance, "run")?;
    match store.call(f, &[])?.as_slice() {
        [Value::I32(v)] => Ok(*v),
        other => panic!("unexpected result {other:?}"),
    }
}

fn store_with(config: WasiConfig) -> Store {
    let store = Store::new(&Engine::shared(&EngineConfig::default()).unwrap(), StoreOptions::default());
    store.set_wasi(config).unwrap();
    store
}

fn audit(store: &Store) -> Vec<AuditRecord> {
    store.take_audit().unwrap().0
}

#[test]
fn captured_stdout_keeps_what_the_guest_wrote() {
    let m = module(&[FD_WRITE], &format!("{} (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))", with_text(64, "hello")));
    let store = store_with(WasiConfig { stdout: OutputSink::Capture { limit: 100 }, ..WasiConfig::default() });
    assert_eq!(run(&store, &m).unwrap(), errno::SUCCESS);
    assert_eq!(store.take_wasi_output(StdStream::Stdout).unwrap(), b"hello");
    assert!(audit(&store).is_empty());
}

#[test]
fn output_past_its_cap_is_cut_then_refused_with_fbig_and_audited() {
    let body = format!(
        "{} (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))) \
         (if (i32.ne (i32.load (i32.const 8)) (i32.const 4)) (then unreachable)) \
         (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))",
        with_text(64, "0123456789")
    );
    let m = module(&[FD_WRITE], &body);
    let store = store_with(WasiConfig { stdout: OutputSink::Capture { limit: 4 }, ..WasiConfig::default() });
    assert_eq!(run(&store, &m).unwrap(), errno::FBIG);
    assert_eq!(store.take_wasi_output(StdStream::Stdout).unwrap(), b"0123");
    let records = audit(&store);
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].errno, errno::FBIG);
    assert_eq!(records[1].function, "fd_write");
    assert!(records[0].reason.contains("4 of 10 bytes kept"), "{}", records[0].reason);
}

#[test]
fn stdout_that_is_not_granted_is_refused_and_audited() {
    let m = module(&[FD_WRITE], &format!("{} (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))", with_text(64, "x")));
    let store = store_with(WasiConfig::default());
    assert_eq!(run(&store, &m).unwrap(), errno::NOTCAPABLE);
    let r = audit(&store);
    assert_eq!((r[0].function, r[0].fd, r[0].errno), ("fd_write", Some(1), errno::NOTCAPABLE));
}

#[test]
fn a_store_without_a_sandbox_refuses_everything_that_needs_a_grant() {
    let m = module(&[("random_get", "(param i32 i32) (result i32)")], "(call $random_get (i32.const 0) (i32.const 16))");
    let store = Store::new(&Engine::shared(&EngineConfig::default()).unwrap(), StoreOptions::default());
    assert_eq!(run(&store, &m).unwrap(), errno::NOTCAPABLE);
    assert_eq!(audit(&store)[0].capability, "random");
}

#[test]
fn environment_clocks_and_random_answer_only_when_granted() {
    let env = ("environ_sizes_get", "(param i32 i32) (result i32)");
    let clock = ("clock_time_get", "(param i32 i64 i32) (result i32)");
    let random = ("random_get", "(param i32 i32) (result i32)");
    let body = "(i32.add (i32.add (call $environ_sizes_get (i32.const 0) (i32.const 4)) \
                (i32.mul (i32.const 1000) (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 8)))) \
                (i32.mul (i32.const 1000000) (call $random_get (i32.const 16) (i32.const 16))))";
    let m = module(&[env, clock, random], body);
    let denied = store_with(WasiConfig::default());
    // No environment is an empty one (audited); clocks and random are refused.
    assert_eq!(run(&denied, &m).unwrap(), 76_000 + 76_000_000);
    let caps: Vec<&str> = audit(&denied).iter().map(|r| r.capability).collect();
    assert_eq!(caps, ["env", "clock", "random"]);
    let granted = store_with(WasiConfig { env: Some(vec![("A".into(), "1".into())]), clocks: true, random: true, ..WasiConfig::default() });
    assert_eq!(run(&granted, &m).unwrap(), 0);
    assert!(audit(&granted).is_empty());
}

#[test]
fn proc_exit_ends_the_call_with_its_exit_code() {
    let m = module(&[("proc_exit", "(param i32)")], "(call $proc_exit (i32.const 3)) (i32.const 0)");
    let store = store_with(WasiConfig::default());
    assert_eq!(run(&store, &m), Err(Error::Exit { code: 3 }));
}

/// `path_open(dirfd 3, path at 64)`, returning the errno.
fn open_body(path: &str, oflags: u32, rights: u64) -> String {
    let mut s = String::new();
    for (i, b) in path.bytes().enumerate() {
        s.push_str(&format!("(i32.store8 (i32.const {}) (i32.const {b}))", 64 + i));
    }
    s.push_str(&format!(
        "(call $path_open (i32.const 3) (i32.const 1) (i32.const 64) (i32.const {}) (i32.const {oflags}) (i64.const {rights}) (i64.const 0) (i32.const 0) (i32.const 16))",
        path.len()
    ));
    s
}

#[test]
fn opening_a_file_without_a_filesystem_grant_is_refused_with_its_path_audited() {
    let m = module(&[PATH_OPEN], &open_body("secret.txt", 0, 2));
    let store = store_with(WasiConfig::default());
    assert_eq!(run(&store, &m).unwrap(), errno::NOTCAPABLE);
    let r = audit(&store);
    assert_eq!(r[0].path.as_deref(), Some("secret.txt"));
    assert_eq!(r[0].capability, "fs-read");
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("cwasm-wasi-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("box")).unwrap();
    std::fs::write(d.join("outside.txt"), "outside").unwrap();
    std::fs::write(d.join("box/inside.txt"), "inside").unwrap();
    d
}

fn preopen(dir: &std::path::Path, read_only: bool) -> WasiConfig {
    WasiConfig { preopens: vec![Preopen { host: dir.join("box"), guest: "/box".into(), read_only }], ..WasiConfig::default() }
}

#[test]
fn a_read_only_preopen_refuses_creating_a_directory_and_the_host_is_untouched() {
    let dir = tmp("ro-mkdir");
    let mut body = String::new();
    for (i, b) in "newdir".bytes().enumerate() {
        body.push_str(&format!("(i32.store8 (i32.const {}) (i32.const {b}))", 64 + i));
    }
    body.push_str("(call $path_create_directory (i32.const 3) (i32.const 64) (i32.const 6))");
    let m = module(&[PATH_MKDIR], &body);
    // The read-only preopen's own rules refuse it (EPERM), alone or beside a read-write one.
    let store = store_with(preopen(&dir, true));
    assert_eq!(run(&store, &m).unwrap(), errno::PERM);
    assert!(!dir.join("box/newdir").exists());
    assert_eq!(audit(&store)[0].path.as_deref(), Some("newdir"));
    let mut config = preopen(&dir, true);
    std::fs::create_dir_all(dir.join("rw")).unwrap();
    config.preopens.push(Preopen { host: dir.join("rw"), guest: "/rw".into(), read_only: false });
    let store = store_with(config);
    assert_eq!(run(&store, &m).unwrap(), errno::PERM);
    assert!(!dir.join("box/newdir").exists());
    let r = audit(&store);
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].errno, errno::PERM);
    // With no preopen at all, the filesystem is not granted: a stub's NOTCAPABLE.
    let store = store_with(WasiConfig::default());
    assert_eq!(run(&store, &m).unwrap(), errno::NOTCAPABLE);
    assert_eq!(audit(&store)[0].capability, "fs-write");
}

#[test]
fn paths_out_of_a_preopen_are_refused_and_audited() {
    let dir = tmp("escape");
    std::os::unix::fs::symlink(dir.join("outside.txt"), dir.join("box/link")).unwrap();
    for path in ["../outside.txt", "/etc/passwd", "link"] {
        let m = module(&[PATH_OPEN], &open_body(path, 0, 2));
        let store = store_with(preopen(&dir, false));
        let e = run(&store, &m).unwrap();
        assert_ne!(e, errno::SUCCESS, "{path} opened");
        let r = audit(&store);
        assert_eq!(r.len(), 1, "{path}: errno {} not audited", errno::name(e));
        assert_eq!(r[0].path.as_deref(), Some(path));
    }
    // A path inside opens.
    let m = module(&[PATH_OPEN], &open_body("inside.txt", 0, 2));
    assert_eq!(run(&store_with(preopen(&dir, true)), &m).unwrap(), errno::SUCCESS);
}

#[test]
fn a_long_sleep_ends_at_the_deadline() {
    // poll_oneoff with one relative clock subscription of 10 s.
    let body = "(i64.store (i32.const 64) (i64.const 7)) (i32.store8 (i32.const 72) (i32.const 0)) \
                (i32.store (i32.const 80) (i32.const 1)) (i64.store (i32.const 88) (i64.const 10000000000)) \
                (call $poll_oneoff (i32.const 64) (i32.const 128) (i32.const 1) (i32.const 160))";
    let m = module(&[("poll_oneoff", "(param i32 i32 i32 i32) (result i32)")], body);
    let store = store_with(WasiConfig { clocks: true, ..WasiConfig::default() });
    store.set_deadline(Some(Duration::from_millis(50))).unwrap();
    let t0 = Instant::now();
    let r = run(&store, &m);
    assert!(matches!(r, Err(Error::Timeout { .. })), "{r:?}");
    assert!(t0.elapsed() < Duration::from_secs(2));
}

#[test]
fn a_short_sleep_returns_its_clock_event() {
    let body = "(i64.store (i32.const 64) (i64.const 7)) (i32.store8 (i32.const 72) (i32.const 0)) \
                (i32.store (i32.const 80) (i32.const 1)) (i64.store (i32.const 88) (i64.const 1000000)) \
                (drop (call $poll_oneoff (i32.const 64) (i32.const 128) (i32.const 1) (i32.const 160))) \
                (i32.add (i32.wrap_i64 (i64.load (i32.const 128))) (i32.mul (i32.const 100) (i32.load (i32.const 160))))";
    let m = module(&[("poll_oneoff", "(param i32 i32 i32 i32) (result i32)")], body);
    assert_eq!(run(&store_with(WasiConfig { clocks: true, ..WasiConfig::default() }), &m).unwrap(), 107);
}

#[test]
fn stdin_can_be_bytes_or_pulled_and_stdout_streamed() {
    let fd_read = ("fd_read", "(param i32 i32 i32 i32) (result i32)");
    // read up to 8 bytes into 64, write what was read to stdout
    let body = "(i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 8)) \
                (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16))) \
                (i32.store (i32.const 4) (i32.load (i32.const 16))) \
                (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))) \
                (i32.load (i32.const 16))";
    let m = module(&[fd_read, FD_WRITE], body);
    let store = store_with(WasiConfig {
        stdin: StdinSource::Bytes(b"abc".to_vec()),
        stdout: OutputSink::Capture { limit: 100 },
        ..WasiConfig::default()
    });
    assert_eq!(run(&store, &m).unwrap(), 3);
    assert_eq!(store.take_wasi_output(StdStream::Stdout).unwrap(), b"abc");

    let seen = Arc::new(Mutex::new(Vec::<u8>::new()));
    let sink = seen.clone();
    let store = store_with(WasiConfig {
        stdin: StdinSource::Pull(Arc::new(|want: &[u8]| {
            assert_eq!(want, 8u32.to_le_bytes());
            Ok(b"0123456789".to_vec())
        })),
        stdout: OutputSink::Stream(Arc::new(move |bytes: &[u8]| {
            sink.lock().unwrap().extend_from_slice(bytes);
            Ok(Vec::new())
        })),
        ..WasiConfig::default()
    });
    assert_eq!(run(&store, &m).unwrap(), 8);
    assert_eq!(seen.lock().unwrap().as_slice(), b"01234567");
}

#[test]
fn denied_stdin_is_refused_and_audited() {
    let fd_read = ("fd_read", "(param i32 i32 i32 i32) (result i32)");
    let m = module(&[fd_read], "(i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 8)) (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16))");
    let store = store_with(WasiConfig { stdin: StdinSource::Denied, ..WasiConfig::default() });
    assert_eq!(run(&store, &m).unwrap(), errno::NOTCAPABLE);
    assert_eq!(audit(&store)[0].function, "fd_read");
}

#[test]
fn sockets_are_refused_whatever_is_granted() {
    let m = module(&[("sock_shutdown", "(param i32 i32) (result i32)")], "(call $sock_shutdown (i32.const 3) (i32.const 0))");
    let dir = tmp("sock");
    let store = store_with(preopen(&dir, false));
    assert_eq!(run(&store, &m).unwrap(), errno::NOTCAPABLE);
    assert_eq!(audit(&store)[0].capability, "sockets");
}

#[test]
fn a_wasi_pointer_outside_memory_traps() {
    let m = module(&[FD_WRITE], "(call $fd_write (i32.const 1) (i32.const 70000) (i32.const 1) (i32.const 8))");
    let store = store_with(WasiConfig { stdout: OutputSink::Capture { limit: 10 }, ..WasiConfig::default() });
    let r = run(&store, &m);
    assert!(matches!(r, Err(Error::Trap { code: "memory_out_of_bounds", .. })), "{r:?}");
}

#[test]
fn a_missing_preopen_directory_is_an_invalid_argument() {
    let store = Store::new(&Engine::shared(&EngineConfig::default()).unwrap(), StoreOptions::default());
    let r = store.set_wasi(WasiConfig {
        preopens: vec![Preopen { host: "/definitely/not/here".into(), guest: "/x".into(), read_only: true }],
        ..WasiConfig::default()
    });
    assert!(matches!(r, Err(Error::InvalidArgument { .. })));
}

#[test]
fn a_call_moving_more_bytes_than_allowed_gets_nomem_and_is_audited() {
    let m = module(&[FD_WRITE], &format!("{} (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))", with_text(64, "0123456789")));
    let store = store_with(WasiConfig { stdout: OutputSink::Capture { limit: 100 }, host_call_bytes: Some(12), ..WasiConfig::default() });
    assert_eq!(run(&store, &m).unwrap(), errno::NOMEM);
    assert_eq!(audit(&store)[0].errno, errno::NOMEM);
    let store = store_with(WasiConfig { stdout: OutputSink::Capture { limit: 100 }, host_call_bytes: Some(18), ..WasiConfig::default() });
    assert_eq!(run(&store, &m).unwrap(), errno::SUCCESS);
}
