//! Engines: one per distinct [`EngineConfig`], shared by the whole process.

use crate::config::EngineConfig;
use crate::error::Error;
use crate::store_data::StoreData;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// A Wasmtime engine with the config it was built from.
///
/// Engines are expensive (they own the compiler and, with pooling, reserved
/// address space), so [`Engine::shared`] hands out one per distinct config
/// for the life of the process. Cloning is cheap.
///
/// # Examples
///
/// ```
/// use cwasm_core::{Engine, EngineConfig};
/// let a = Engine::shared(&EngineConfig::default())?;
/// let b = Engine::shared(&EngineConfig::default())?;
/// assert!(a.same(&b));
/// # Ok::<(), cwasm_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Engine {
    inner: wasmtime::Engine,
    /// Validates modules as the user configured: the compiling engine has
    /// the threads proposal on for the woven interrupt checks.
    validator: Option<wasmtime::Engine>,
    /// With `compiler: 'auto'`: the Winch engine that runs modules until
    /// their Cranelift code is ready (see `tier.rs`).
    baseline: Option<wasmtime::Engine>,
    config: Arc<EngineConfig>,
    key: Arc<str>,
    compat: [u8; 32],
    /// Every WASI function, defined once for all stores of this engine.
    wasi: Arc<OnceLock<Result<wasmtime::Linker<StoreData>, Error>>>,
    /// The same for the baseline engine's stores.
    baseline_wasi: Arc<OnceLock<Result<wasmtime::Linker<StoreData>, Error>>>,
}

static ENGINES: OnceLock<Mutex<HashMap<String, Engine>>> = OnceLock::new();

/// Feeds `Hash` output into SHA-256 so the compatibility hash is stable
/// across processes (std's `DefaultHasher` is not guaranteed to be).
struct ShaHasher(Sha256);

impl Hasher for ShaHasher {
    fn finish(&self) -> u64 {
        0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// How often the epoch advances. Deadlines are counted in ticks, so a call
/// overruns its deadline by at most about one tick.
pub const EPOCH_TICK: Duration = Duration::from_millis(1);

/// One ticker thread per shared engine; it stops when the engine is gone.
fn start_ticker(engine: &wasmtime::Engine) {
    let weak = engine.weak();
    let _ = std::thread::Builder::new().name("cwasm-epoch".into()).spawn(move || loop {
        std::thread::sleep(EPOCH_TICK);
        match weak.upgrade() {
            Some(e) => e.increment_epoch(),
            None => return,
        }
    });
}

impl Engine {
    /// Returns the process-wide engine for `config`, creating it on first use.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when the config is rejected by Wasmtime
    /// (for example a pooling size it cannot reserve).
    pub fn shared(config: &EngineConfig) -> Result<Engine, Error> {
        let key = config.cache_key();
        let engines = ENGINES.get_or_init(|| Mutex::new(HashMap::new()));
        let mut map = engines.lock().map_err(|_| Error::bug("engine registry lock poisoned"))?;
        if let Some(engine) = map.get(&key) {
            return Ok(engine.clone());
        }
        let engine = Engine::new_unshared(config)?;
        if config.interrupts() == crate::config::Interrupts::Epoch {
            start_ticker(&engine.inner);
            if let Some(b) = &engine.baseline {
                start_ticker(b);
            }
        }
        map.insert(key, engine.clone());
        Ok(engine)
    }

    /// Creates an engine that is not registered process-wide.
    ///
    /// # Errors
    ///
    /// As [`Engine::shared`].
    pub fn new_unshared(config: &EngineConfig) -> Result<Engine, Error> {
        let wt_config = config.to_wasmtime()?;
        let inner = wasmtime::Engine::new(&wt_config)
            .map_err(|e| Error::invalid(format!("engine configuration rejected: {e:#}")))?;
        let key = config.cache_key();
        let mut hasher = ShaHasher(Sha256::new());
        inner.precompile_compatibility_hash().hash(&mut hasher);
        config.code_identity().cache_key().hash(&mut hasher);
        if config.interrupts() == crate::config::Interrupts::Flag {
            // How modules are woven is part of what an artifact needs.
            crate::instrument::WEAVE_VERSION.hash(&mut hasher);
        }
        if config.woven_fuel() {
            crate::fuel::FUEL_WEAVE_VERSION.hash(&mut hasher);
        }
        let compat: [u8; 32] = hasher.0.finalize().into();
        let validator = if config.interrupts() == crate::config::Interrupts::Flag && !config.threads {
            let mut c = wt_config.clone();
            c.wasm_threads(false);
            // It never instantiates anything: no pool to reserve.
            c.allocation_strategy(wasmtime::InstanceAllocationStrategy::OnDemand);
            Some(wasmtime::Engine::new(&c).map_err(|e| Error::invalid(format!("engine configuration rejected: {e:#}")))?)
        } else {
            None
        };
        let baseline = match config.baseline_wasmtime()? {
            // A Winch engine this machine cannot build (no AVX, say) leaves
            // every module to Cranelift.
            Some(c) => wasmtime::Engine::new(&c).ok(),
            None => None,
        };
        Ok(Engine {
            inner,
            validator,
            baseline,
            config: Arc::new(config.clone()),
            key: key.into(),
            compat,
            wasi: Arc::default(),
            baseline_wasi: Arc::default(),
        })
    }

    /// The underlying Wasmtime engine.
    pub fn wasmtime(&self) -> &wasmtime::Engine {
        &self.inner
    }

    /// The Winch engine that runs modules until their optimized code is
    /// ready, for a tiered (`compiler: 'auto'`) config.
    pub fn baseline(&self) -> Option<&wasmtime::Engine> {
        self.baseline.as_ref()
    }

    /// Which compiler made the code of a Wasmtime engine of this engine.
    pub(crate) fn compiler_of(&self, engine: &wasmtime::Engine) -> crate::config::Compiler {
        use crate::config::Compiler;
        if self.baseline.as_ref().is_some_and(|b| wasmtime::Engine::same(b, engine)) || self.config.compiler == Compiler::Winch {
            Compiler::Winch
        } else {
            Compiler::Cranelift
        }
    }

    /// The engine that validates modules with exactly the configured features.
    pub(crate) fn validator(&self) -> &wasmtime::Engine {
        self.validator.as_ref().unwrap_or(&self.inner)
    }

    /// The config this engine was built from.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The stable key of this engine's config.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// A hash that two engines share exactly when code compiled by one can run
    /// on the other: Wasmtime's compatibility hash plus our config.
    pub fn compatibility_hash(&self) -> [u8; 32] {
        self.compat
    }

    /// Whether two handles refer to the same engine.
    pub fn same(&self, other: &Engine) -> bool {
        wasmtime::Engine::same(&self.inner, &other.inner)
    }

    /// The linker holding every WASI preview 1 function, made on first use.
    ///
    /// # Errors
    ///
    /// [`Error::Bug`] if Wasmtime refused a definition.
    pub(crate) fn wasi_linker(&self) -> Result<&wasmtime::Linker<StoreData>, Error> {
        self.wasi.get_or_init(|| crate::wasi::wasi_linker(&self.inner)).as_ref().map_err(Clone::clone)
    }

    /// [`Engine::wasi_linker`] for stores of `engine` (this engine's main
    /// or baseline one: a linker serves the stores of one Wasmtime engine).
    pub(crate) fn wasi_linker_for(&self, engine: &wasmtime::Engine) -> Result<&wasmtime::Linker<StoreData>, Error> {
        match &self.baseline {
            Some(b) if wasmtime::Engine::same(b, engine) => {
                self.baseline_wasi.get_or_init(|| crate::wasi::wasi_linker(b)).as_ref().map_err(Clone::clone)
            }
            _ => self.wasi_linker(),
        }
    }

    /// Advances the epoch of every store on this engine by one.
    pub fn increment_epoch(&self) {
        self.inner.increment_epoch();
        if let Some(b) = &self.baseline {
            b.increment_epoch();
        }
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("config", &self.config).finish()
    }
}
