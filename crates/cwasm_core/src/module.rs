//! Compiled modules, shared process-wide by content hash and engine config.

use crate::engine::Engine;
use crate::error::Error;
use crate::store_data::StoreData;
use crate::tier::{Code, Tiers};
use crate::types::{ExportDesc, ExternDesc, ImportDesc};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// A compiled WebAssembly module. Cloning is cheap; the code is shared.
///
/// # Examples
///
/// ```
/// use cwasm_core::{Engine, EngineConfig, Module};
/// let engine = Engine::shared(&EngineConfig::default())?;
/// let module = Module::compile(&engine, b"(module (func (export \"f\")))")?;
/// assert_eq!(module.exports()[0].name, "f");
/// # Ok::<(), cwasm_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Module {
    engine: Engine,
    hash: [u8; 32],
    /// Its compiled forms: with `compiler: 'auto'`, Winch code until the
    /// Cranelift code is ready (`tier.rs`).
    tiers: Arc<Tiers>,
}

/// Counters of the process-wide module registry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ModuleStats {
    /// Modules compiled by the main compiler since the process started
    /// (Cranelift, or Winch with `compiler: 'winch'`).
    pub compiled: u64,
    /// Modules compiled by Winch first to run at once (`compiler: 'auto'`).
    pub baseline_compiled: u64,
    /// Of those, how many wait for their Cranelift code now.
    pub tiering: u64,
    /// Compilations avoided because the same bytes were already compiled for the same engine.
    pub cache_hits: u64,
    /// Modules loaded from verified AOT artifacts.
    pub deserialized: u64,
    /// Modules held by the registry now.
    pub cached: u64,
}

static COMPILED: AtomicU64 = AtomicU64::new(0);
static BASELINE_COMPILED: AtomicU64 = AtomicU64::new(0);
static HITS: AtomicU64 = AtomicU64::new(0);
pub(crate) static DESERIALIZED: AtomicU64 = AtomicU64::new(0);
/// How many modules the registry keeps; least recently added goes first.
const REGISTRY_CAPACITY: usize = 256;

type Key = (String, [u8; 32]);

struct Registry {
    map: HashMap<Key, wasmtime::Module>,
    order: VecDeque<Key>,
    /// Modules running baseline code until their main code is compiled.
    tiering: HashMap<Key, Module>,
}

static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();
static INFLIGHT: OnceLock<Mutex<HashMap<Key, Arc<Mutex<()>>>>> = OnceLock::new();

fn registry() -> &'static Mutex<Registry> {
    REGISTRY.get_or_init(|| Mutex::new(Registry { map: HashMap::new(), order: VecDeque::new(), tiering: HashMap::new() }))
}

/// The process-wide module registry's counters.
pub fn module_stats() -> ModuleStats {
    let (cached, tiering) = registry().lock().map(|r| (r.map.len() as u64, r.tiering.len() as u64)).unwrap_or((0, 0));
    ModuleStats {
        compiled: COMPILED.load(Ordering::Relaxed),
        baseline_compiled: BASELINE_COMPILED.load(Ordering::Relaxed),
        tiering,
        cache_hits: HITS.load(Ordering::Relaxed),
        deserialized: DESERIALIZED.load(Ordering::Relaxed),
        cached,
    }
}

/// SHA-256 of some bytes.
pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// What a module's source bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SourceFormat {
    /// Binary when the bytes start with `\0asm`, WAT text otherwise.
    #[default]
    Auto,
    /// Always the binary format: bytes without the magic are a compile error.
    Binary,
    /// Always WAT text.
    Text,
}

/// Turns source bytes of the given format into the binary format.
///
/// # Errors
///
/// [`Error::Compile`] for text that does not parse (with 1-based line and
/// column), or for "binary" bytes without the wasm magic number.
pub fn to_binary_as(bytes: &[u8], format: SourceFormat) -> Result<std::borrow::Cow<'_, [u8]>, Error> {
    match format {
        SourceFormat::Auto => to_binary(bytes),
        SourceFormat::Binary if bytes.starts_with(b"\0asm") => Ok(std::borrow::Cow::Borrowed(bytes)),
        SourceFormat::Binary => Err(Error::Compile {
            message: "not a wasm binary: the bytes do not start with the magic number \\0asm".into(),
            offset: Some(0),
            line: None,
            column: None,
        }),
        SourceFormat::Text => {
            if bytes.starts_with(b"\0asm") {
                return Err(Error::Compile { message: "expected WAT text but got a wasm binary".into(), offset: Some(0), line: None, column: None });
            }
            to_binary(bytes)
        }
    }
}

/// Turns WAT text into binary, or passes binary through.
///
/// # Errors
///
/// [`Error::Compile`] with 1-based line and column when the text does not parse.
pub fn to_binary(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, Error> {
    if bytes.starts_with(b"\0asm") {
        return Ok(std::borrow::Cow::Borrowed(bytes));
    }
    wat::parse_bytes(bytes).map_err(|e| {
        let text = e.to_string();
        let (line, column) = parse_line_col(&text);
        Error::Compile { message: first_line(&text), offset: None, line, column }
    })
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").to_string()
}

/// Finds `--> file:LINE:COL` in a wat error rendering.
fn parse_line_col(text: &str) -> (Option<u32>, Option<u32>) {
    for l in text.lines() {
        if let Some(rest) = l.trim_start().strip_prefix("--> ") {
            let mut parts = rest.rsplitn(3, ':');
            let col = parts.next().and_then(|c| c.trim().parse().ok());
            let line = parts.next().and_then(|c| c.trim().parse().ok());
            return (line, col);
        }
    }
    (None, None)
}

/// The bytes to hand Cranelift: the binary itself, or, for engines that
/// count fuel in the module or interrupt through flag checks, the binary
/// validated as given and then woven with the fuel counter (`fuel.rs`)
/// and the checks (`instrument.rs`).
pub(crate) fn code_bytes<'a>(engine: &Engine, binary: &'a [u8]) -> Result<std::borrow::Cow<'a, [u8]>, Error> {
    let flags = engine.config().interrupts() == crate::config::Interrupts::Flag;
    let woven_fuel = engine.config().woven_fuel();
    if engine.config().threads && !flags && has_shared_memory(binary) {
        return Err(Error::Compile {
            message: "the module has a shared memory, which needs the woven interrupt checks (epochChecks: false, multiMemory: true): \
                      only they make an atomic wait end at its call's deadline"
                .into(),
            offset: None,
            line: None,
            column: None,
        });
    }
    if !flags && !woven_fuel {
        return Ok(std::borrow::Cow::Borrowed(binary));
    }
    // Validate the module as written, so errors and offsets are about it.
    wasmtime::Module::validate(engine.validator(), binary).map_err(|e| compile_error(&e))?;
    let mut bytes = std::borrow::Cow::Borrowed(binary);
    if woven_fuel {
        match crate::fuel::weave_fuel(binary)? {
            Some(b) => bytes = std::borrow::Cow::Owned(b),
            None => {
                return Err(Error::Compile {
                    message: "the module uses exception handling or GC array bulk operations, which woven fuel does not meter; \
                              create the engine with fuelMeter: 'wasmtime' to meter it with Wasmtime's fuel"
                        .into(),
                    offset: None,
                    line: None,
                    column: None,
                })
            }
        }
    }
    if flags {
        bytes = std::borrow::Cow::Owned(crate::instrument::weave(&bytes, woven_fuel)?);
    }
    Ok(bytes)
}

/// Whether a module defines or imports a shared memory (sections only; the
/// code is not read).
fn has_shared_memory(binary: &[u8]) -> bool {
    use wasmtime::wasmparser::{Parser, Payload, TypeRef};
    for payload in Parser::new(0).parse_all(binary) {
        match payload {
            Ok(Payload::ImportSection(s)) if s.clone().into_imports().flatten().any(|i| matches!(i.ty, TypeRef::Memory(m) if m.shared)) => return true,
            Ok(Payload::MemorySection(s)) if s.clone().into_iter().flatten().any(|m| m.shared) => return true,
            Ok(Payload::CodeSectionStart { .. }) | Err(_) => return false,
            _ => {}
        }
    }
    false
}

pub(crate) fn compile_error(e: &wasmtime::Error) -> Error {
    let mut offset = None;
    let mut message = None;
    for cause in e.chain() {
        if let Some(b) = cause.downcast_ref::<wasmtime::wasmparser::BinaryReaderError>() {
            offset = Some(b.offset() as u64);
            message = Some(b.message().to_string());
        }
    }
    let full = format!("{e:#}");
    // Function bodies are validated during translation: "…function[N]:
    // WebAssembly translation error: Invalid input WebAssembly code at offset
    // 26: type mismatch…".
    const MARK: &str = "Invalid input WebAssembly code at offset ";
    if offset.is_none() {
        if let Some(i) = full.find(MARK) {
            let rest = &full[i + MARK.len()..];
            let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            offset = digits.parse().ok();
            let detail = rest[digits.len()..].trim_start_matches(':').trim();
            let func = full
                .find("function[")
                .map(|j| full[j + 9..].chars().take_while(|c| c.is_ascii_digit()).collect::<String>());
            message = Some(match func {
                Some(f) if !f.is_empty() => format!("{detail} (in function {f})"),
                _ => detail.to_string(),
            });
        }
    }
    if offset.is_none() {
        if let Some(i) = full.rfind("(at offset 0x") {
            let hex: String = full[i + 13..].chars().take_while(|c| c.is_ascii_hexdigit()).collect();
            offset = u64::from_str_radix(&hex, 16).ok();
        }
    }
    let message = match message {
        Some(m) => m,
        None => match full.rfind(" (at offset 0x") {
            Some(i) => full[..i].to_string(),
            None => full,
        },
    };
    Error::Compile { message, offset, line: None, column: None }
}

impl Module {
    /// Compiles wasm bytes or WAT text, reusing an earlier compilation of the
    /// same bytes for the same engine config anywhere in the process.
    ///
    /// # Errors
    ///
    /// [`Error::Compile`] with the validator's message and byte offset (or
    /// the WAT line and column).
    pub fn compile(engine: &Engine, bytes: &[u8]) -> Result<Module, Error> {
        Self::compile_as(engine, bytes, SourceFormat::Auto)
    }

    /// Like [`Module::compile`], with the source format stated.
    ///
    /// # Errors
    ///
    /// As [`Module::compile`], and [`Error::Compile`] when the bytes are not of `format`.
    pub fn compile_as(engine: &Engine, bytes: &[u8], format: SourceFormat) -> Result<Module, Error> {
        let binary = to_binary_as(bytes, format)?;
        let hash = sha256(&binary);
        let key = (engine.key().to_string(), hash);
        if let Some(m) = Self::cached(&key, engine) {
            HITS.fetch_add(1, Ordering::Relaxed);
            return Ok(m);
        }
        // Single flight: threads compiling the same bytes at once wait for
        // the first one instead of compiling again.
        let gate = {
            let mut inflight = INFLIGHT.get_or_init(|| Mutex::new(HashMap::new())).lock().map_err(|_| Error::bug("in-flight lock poisoned"))?;
            inflight.entry(key.clone()).or_insert_with(|| Arc::new(Mutex::new(()))).clone()
        };
        let result = {
            let _turn = gate.lock().map_err(|_| Error::bug("compile gate poisoned"))?;
            if let Some(m) = Self::cached(&key, engine) {
                HITS.fetch_add(1, Ordering::Relaxed);
                Ok(m)
            } else {
                code_bytes(engine, &binary).and_then(|code| match Self::compile_baseline(engine, hash, &code) {
                    Some(m) => Ok(m),
                    None => {
                        let inner = wasmtime::Module::from_binary(engine.wasmtime(), &code).map_err(|e| compile_error(&e))?;
                        COMPILED.fetch_add(1, Ordering::Relaxed);
                        Self::remember(key.clone(), &inner);
                        Ok(Module { engine: engine.clone(), hash, tiers: Tiers::main(inner) })
                    }
                })
            }
        };
        if let Ok(mut inflight) = INFLIGHT.get_or_init(|| Mutex::new(HashMap::new())).lock() {
            if inflight.get(&key).is_some_and(|g| Arc::ptr_eq(g, &gate)) && Arc::strong_count(&gate) <= 2 {
                inflight.remove(&key);
            }
        }
        result
    }

    /// For a tiered engine: the module compiled by Winch, queued for its
    /// Cranelift code; `None` when the engine is not tiered or Winch
    /// refused the module (what it does not support: Cranelift then
    /// compiles it, and reports it if it is invalid).
    fn compile_baseline(engine: &Engine, hash: [u8; 32], code: &[u8]) -> Option<Module> {
        let baseline = engine.baseline()?;
        if (code.len() as u64) < u64::from(engine.config().baseline_min_bytes) {
            return None;
        }
        let m = wasmtime::Module::from_binary(baseline, code).ok()?;
        BASELINE_COMPILED.fetch_add(1, Ordering::Relaxed);
        let module = Module { engine: engine.clone(), hash, tiers: Tiers::baseline(m, Arc::from(code)) };
        if let Ok(mut reg) = registry().lock() {
            reg.tiering.insert((engine.key().to_string(), hash), module.clone());
        }
        module.queue_main();
        Some(module)
    }

    /// The registry's module for `key`: its main code, or one still on baseline code.
    fn cached(key: &Key, engine: &Engine) -> Option<Module> {
        let reg = registry().lock().ok()?;
        if let Some(m) = reg.map.get(key) {
            return wasmtime::Engine::same(m.engine(), engine.wasmtime())
                .then(|| Module { engine: engine.clone(), hash: key.1, tiers: Tiers::main(m.clone()) });
        }
        reg.tiering.get(key).filter(|m| m.engine.same(engine)).cloned()
    }

    /// Compiles without consulting or filling the process-wide registry.
    ///
    /// # Errors
    ///
    /// As [`Module::compile`].
    pub fn compile_uncached(engine: &Engine, bytes: &[u8], format: SourceFormat) -> Result<Module, Error> {
        let binary = to_binary_as(bytes, format)?;
        let hash = sha256(&binary);
        let code = code_bytes(engine, &binary)?;
        let inner = wasmtime::Module::from_binary(engine.wasmtime(), &code).map_err(|e| compile_error(&e))?;
        COMPILED.fetch_add(1, Ordering::Relaxed);
        Ok(Module { engine: engine.clone(), hash, tiers: Tiers::main(inner) })
    }

    /// Checks that bytes are a valid module for this engine without compiling.
    ///
    /// # Errors
    ///
    /// [`Error::Compile`] as for [`Module::compile`].
    pub fn validate(engine: &Engine, bytes: &[u8], format: SourceFormat) -> Result<(), Error> {
        let binary = to_binary_as(bytes, format)?;
        wasmtime::Module::validate(engine.validator(), &binary).map_err(|e| compile_error(&e))
    }

    fn remember(key: Key, module: &wasmtime::Module) {
        if let Ok(mut reg) = registry().lock() {
            if reg.map.insert(key.clone(), module.clone()).is_none() {
                reg.order.push_back(key);
                while reg.order.len() > REGISTRY_CAPACITY {
                    if let Some(old) = reg.order.pop_front() {
                        reg.map.remove(&old);
                    }
                }
            }
        }
    }

    /// The module the process-wide registry holds for these bytes' hash, if
    /// any (counted as a cache hit).
    pub(crate) fn from_registry(engine: &Engine, hash: [u8; 32]) -> Option<Module> {
        let m = Self::cached(&(engine.key().to_string(), hash), engine)?;
        HITS.fetch_add(1, Ordering::Relaxed);
        Some(m)
    }

    pub(crate) fn from_parts(inner: wasmtime::Module, engine: &Engine, hash: [u8; 32]) -> Module {
        Self::remember((engine.key().to_string(), hash), &inner);
        Module { engine: engine.clone(), hash, tiers: Tiers::main(inner) }
    }

    pub(crate) fn tiers(&self) -> &Tiers {
        &self.tiers
    }

    /// The code of this module for stores of the Wasmtime engine `engine`
    /// (the engine's main one or its baseline one): the main code is
    /// compiled now, or waited for, if it is not ready.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when the store runs baseline code and the
    /// module has none (it was loaded from an artifact or optimized
    /// before this store's first module was); [`Error::Compile`] when the
    /// main compile failed.
    pub(crate) fn code_for(&self, engine: &wasmtime::Engine) -> Result<Arc<Code>, Error> {
        for code in [self.tiers.main.get(), self.tiers.baseline.get()].into_iter().flatten() {
            if wasmtime::Engine::same(code.module.engine(), engine) {
                return Ok(code.clone());
            }
        }
        if wasmtime::Engine::same(self.engine.wasmtime(), engine) {
            return self.main_code();
        }
        Err(Error::invalid(
            "this store runs Winch code (it was made for a module whose Cranelift code was not ready yet), and this module \
             has only Cranelift code; instantiate it in a store of its own, or use compiler: 'cranelift'",
        ))
    }

    /// The Wasmtime engine a store made for this module should belong to:
    /// the main one when the main code is ready, else the baseline one.
    pub(crate) fn preferred_engine(&self) -> &wasmtime::Engine {
        match (self.tiers.main.get(), self.tiers.baseline.get()) {
            (None, Some(b)) => b.module.engine(),
            _ => self.engine.wasmtime(),
        }
    }

    /// Which compiler's code instances made now get: Cranelift once the
    /// main code is ready (with `compiler: 'auto'`), Winch before.
    pub fn tier(&self) -> crate::config::Compiler {
        self.engine.compiler_of(self.preferred_engine())
    }

    /// How long the Cranelift code took to be ready after the Winch code
    /// was (`None` for a module that did not start on Winch code, or
    /// whose Cranelift code is not ready).
    pub fn tier_up_time(&self) -> Option<std::time::Duration> {
        self.tiers.tier_up_time()
    }

    /// A pre-resolved instantiation for a module whose imports are all
    /// WASI (or that has none); `None` for any other module.
    ///
    /// # Errors
    ///
    /// [`Error::Bug`] if the engine's WASI linker could not be made.
    pub(crate) fn instance_pre<'a>(&self, code: &'a Code) -> Result<Option<&'a wasmtime::InstancePre<StoreData>>, Error> {
        let wasi = self.engine.wasi_linker_for(code.module.engine())?;
        Ok(code
            .pre
            .get_or_init(|| {
                let mut imports = code.module.imports();
                // The store's own fuel globals are given per store, by `resolve`.
                if self.engine.config().woven_fuel() {
                    return None;
                }
                if imports.len() == 0 {
                    return wasmtime::Linker::new(code.module.engine()).instantiate_pre(&code.module).ok();
                }
                if !imports.all(|i| i.module() == crate::wasi::WASI_MODULE) {
                    return None;
                }
                // Mismatched WASI signatures fall through to the checked
                // path, which reports them.
                wasi.instantiate_pre(&code.module).ok()
            })
            .as_ref())
    }

    /// The underlying Wasmtime module: the main code, or the baseline code
    /// while the main code is not ready (both have the same types).
    pub fn wasmtime(&self) -> &wasmtime::Module {
        match (self.tiers.main.get(), self.tiers.baseline.get()) {
            (Some(c), _) | (None, Some(c)) => &c.module,
            (None, None) => unreachable!("a module always has a compiled form"),
        }
    }

    /// The engine this module was compiled for.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// SHA-256 of the module's binary form.
    pub fn hash(&self) -> [u8; 32] {
        self.hash
    }

    /// The module's name from its name section, if any.
    pub fn name(&self) -> Option<&str> {
        self.wasmtime().name()
    }

    /// Every import, in order, with its full type.
    pub fn imports(&self) -> Vec<ImportDesc> {
        self.wasmtime()
            .imports()
            // The store's fuel globals, which woven fuel adds, are not the module's own.
            .filter(|i| !(self.engine.config().woven_fuel() && i.module() == crate::fuel::FUEL_MODULE))
            .map(|i| ImportDesc {
                module: i.module().to_string(),
                name: i.name().to_string(),
                ty: ExternDesc::from_wasmtime(&i.ty()),
            })
            .collect()
    }

    /// How many linear memories the module defines itself (imported ones
    /// not counted, nor the hidden one the interrupt checks add).
    pub fn defined_memories(&self) -> u32 {
        let n = self.wasmtime().resources_required().num_memories;
        let woven = self.engine.config().interrupts() == crate::config::Interrupts::Flag
            && self.wasmtime().exports().any(|e| e.name() == crate::instrument::FLAG_EXPORT);
        n.saturating_sub(u32::from(woven))
    }

    /// Every export, in order, with its full type.
    pub fn exports(&self) -> Vec<ExportDesc> {
        let woven = self.engine.config().interrupts() == crate::config::Interrupts::Flag;
        self.wasmtime()
            .exports()
            .filter(|e| !(woven && e.name().starts_with(crate::instrument::RESERVED_PREFIX)))
            .map(|e| ExportDesc { name: e.name().to_string(), ty: ExternDesc::from_wasmtime(&e.ty()) })
            .collect()
    }

    /// Serializes the main compiled code (see [`crate::precompile`] for the
    /// verified form), compiling it now if it is not ready.
    ///
    /// # Errors
    ///
    /// [`Error::Compile`] when the main compile fails; [`Error::Bug`] if
    /// Wasmtime cannot serialize its own module.
    pub fn serialize_raw(&self) -> Result<Vec<u8>, Error> {
        self.main_code()?.module.serialize().map_err(|e| Error::bug(format!("serialize failed: {e:#}")))
    }
}

/// The background compile of `module`'s main code is done: the registry
/// holds the main code from now on.
pub(crate) fn note_main_compiled(module: &Module) {
    COMPILED.fetch_add(1, Ordering::Relaxed);
    let key = (module.engine.key().to_string(), module.hash);
    if let Some(code) = module.tiers.main.get() {
        Module::remember(key.clone(), &code.module);
    }
    if let Ok(mut reg) = registry().lock() {
        reg.tiering.remove(&key);
    }
}

/// The main compile of `module` failed: it stays on baseline code, and the
/// next compile of its bytes starts over.
pub(crate) fn note_main_failed(module: &Module) {
    if let Ok(mut reg) = registry().lock() {
        reg.tiering.remove(&(module.engine.key().to_string(), module.hash));
    }
}

/// Modules handed to other threads by number (see [`Module::share`]): the
/// same compiled code, whatever the registry has kept or evicted.
struct Shared {
    by_id: HashMap<u64, Module>,
    ids: HashMap<Key, u64>,
    next: u64,
}

static SHARED: OnceLock<Mutex<Shared>> = OnceLock::new();

fn shared() -> std::sync::MutexGuard<'static, Shared> {
    let m = SHARED.get_or_init(|| Mutex::new(Shared { by_id: HashMap::new(), ids: HashMap::new(), next: 1 }));
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// How many modules are shared by number (one per distinct module and engine).
pub fn shared_modules() -> usize {
    shared().by_id.len()
}

impl Module {
    /// A process-wide number for this compiled module, which any thread
    /// (a worker thread of the same process) turns back into the same code
    /// with [`Module::from_shared`] without compiling it again. The same
    /// module (bytes and engine) always gets the same number, and the module
    /// stays shared for the life of the process.
    ///
    /// # Examples
    ///
    /// ```
    /// use cwasm_core::{Engine, EngineConfig, Module};
    /// let engine = Engine::shared(&EngineConfig::default())?;
    /// let m = Module::compile(&engine, b"(module (func (export \"f\")))")?;
    /// let id = m.share();
    /// assert_eq!(m.share(), id);
    /// let again = Module::from_shared(&engine, id)?;
    /// assert_eq!(again.hash(), m.hash());
    /// # Ok::<(), cwasm_core::Error>(())
    /// ```
    pub fn share(&self) -> u64 {
        let key = (self.engine.key().to_string(), self.hash);
        let mut s = shared();
        if let Some(&id) = s.ids.get(&key) {
            return id;
        }
        let id = s.next;
        s.next += 1;
        s.ids.insert(key, id);
        s.by_id.insert(id, self.clone());
        id
    }

    /// The module shared under `id` by [`Module::share`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when no module is shared under `id`, or it
    /// was compiled for another engine than `engine`.
    pub fn from_shared(engine: &Engine, id: u64) -> Result<Module, Error> {
        let s = shared();
        let m = s.by_id.get(&id).ok_or_else(|| Error::invalid(format!("no module is shared under the number {id}")))?;
        if !m.engine.same(engine) {
            return Err(Error::invalid(format!("the module shared under {id} was compiled for another engine")));
        }
        Ok(m.clone())
    }
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module").field("name", &self.name()).finish()
    }
}
