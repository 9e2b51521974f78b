//! Instantiation: checking and resolving a module's imports, and reaching
//! an instance's exports.
//!
//! Imports the caller gives are matched against the module's own import
//! types here (so a failed link lists every problem, typed, not Wasmtime's
//! first message); `wasi_snapshot_preview1` imports nobody gave come from
//! the engine's WASI linker, defined once per engine. A module whose imports
//! are all WASI (or none) instantiates through an `InstancePre` made once.

use crate::config::Interrupts;
use crate::error::{Error, LinkIssue, LinkProblem};
use crate::externs::{extern_desc, to_extern, wasmtime_extern, Extern};
use crate::module::Module;
use crate::store::Store;
use crate::store_data::StoreData;
use crate::trap::guest_error;
use crate::types::ExternDesc;
use crate::wasi::WASI_MODULE;
use std::collections::HashMap;
use wasmtime::{ExternType, Func, Instance, Memory, Mutability, StoreContextMut, ValType};

impl Store {
    /// Records the flag byte of a new instance of a woven module, then runs
    /// its start function (weaving moved it out of the start section so
    /// that it runs only once the flag is in place, and so can be stopped).
    fn start_woven(&self, ctx: &mut StoreContextMut<'_, StoreData>, instance: Instance) -> Result<Instance, Error> {
        if self.mode != Interrupts::Flag {
            return Ok(instance);
        }
        if let Some(m) = instance.get_memory(&mut *ctx, crate::instrument::FLAG_EXPORT) {
            self.interrupt.add(m.data_ptr(&*ctx));
            // Reserved, never grown, one byte ever written: not what
            // `memory_bytes` tells a host's collector about.
            self.uncount_memory_bytes(m.data_size(&*ctx) as u64);
        }
        if let Some(start) = instance.get_func(&mut *ctx, crate::instrument::START_EXPORT) {
            start.call(&mut *ctx, &[], &mut []).map_err(|e| guest_error(&mut *ctx, e))?;
        }
        Ok(instance)
    }

    /// Whether an export name is one weaving added (hidden from users).
    fn is_woven_export(&self, name: &str) -> bool {
        self.mode == Interrupts::Flag && name.starts_with(crate::instrument::RESERVED_PREFIX)
    }

    /// Instantiates `module` with the given imports (module name, field
    /// name, item). Imports of `wasi_snapshot_preview1` that are not given
    /// link to WASI, which answers from this store's context (see
    /// [`Store::set_wasi`]; without one, every call that needs a grant is
    /// refused).
    ///
    /// # Errors
    ///
    /// [`Error::Link`] listing every missing or mismatched import;
    /// [`Error::Trap`] when the start function or a segment traps;
    /// [`Error::MemoryLimit`] when the store's limits forbid it.
    pub fn instantiate(&self, module: &Module, imports: &[(String, String, Extern)]) -> Result<Instance, Error> {
        if !module.engine().same(self.engine()) {
            return Err(Error::invalid("the module was compiled for another engine config than this store's"));
        }
        // The code for this store's tier (waiting for the Cranelift code
        // in a store that runs it).
        let code = module.code_for(self.wasmtime_engine())?;
        self.check_shared_memories(&code.module)?;
        if imports.is_empty() {
            if let Some(pre) = module.instance_pre(&code)? {
                return self.with_call(|mut ctx| {
                    note_wasi_memory(&mut ctx, &code.module);
                    let i = pre.instantiate(&mut ctx).map_err(|e| guest_error(&mut ctx, e))?;
                    self.start_woven(&mut ctx, i)
                });
            }
        }
        self.with_call(|mut ctx| {
            let externs = self.resolve(&mut ctx, &code.module, imports)?;
            note_wasi_memory(&mut ctx, &code.module);
            let instance = Instance::new(&mut ctx, &code.module, &externs).map_err(|e| guest_error(&mut ctx, e))?;
            self.start_woven(&mut ctx, instance)
        })
    }

    /// A shared memory grows without asking the store, so a module's own
    /// shared memories must fit the store's memory limit at their declared
    /// maximum (weaving names them with [`crate::instrument::SHARED_EXPORT_PREFIX`]).
    fn check_shared_memories(&self, module: &wasmtime::Module) -> Result<(), Error> {
        // Only engines with threads on admit shared memories: the common path stays as it was.
        if !self.engine().config().threads {
            return Ok(());
        }
        let limit = self.with(|ctx| Ok(ctx.data().limiter.options.max_memory_bytes))?;
        let Some(limit) = limit else { return Ok(()) };
        for e in module.exports() {
            if !e.name().starts_with(crate::instrument::SHARED_EXPORT_PREFIX) {
                continue;
            }
            if let ExternType::Memory(m) = e.ty() {
                let max = m.maximum().map(|pages| u128::from(pages) * u128::from(m.page_size()));
                if max.is_none_or(|bytes| bytes > u128::from(limit)) {
                    return Err(Error::MemoryLimit {
                        message: format!(
                            "the module's shared memory may grow to {} bytes, past the store's limit of {limit} bytes; a shared memory grows without asking the store, so its declared maximum must fit maxMemory",
                            max.map_or("an unbounded number of".to_string(), |b| b.to_string())
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// The items to instantiate `module` with, in import order; every
    /// problem at once as an [`Error::Link`].
    fn resolve(
        &self,
        ctx: &mut StoreContextMut<'_, StoreData>,
        module: &wasmtime::Module,
        imports: &[(String, String, Extern)],
    ) -> Result<Vec<wasmtime::Extern>, Error> {
        let mut provided: HashMap<(&str, &str), &Extern> = HashMap::new();
        for (m, n, e) in imports {
            provided.insert((m.as_str(), n.as_str()), e);
        }
        let wasi = self.engine().wasi_linker_for(self.wasmtime_engine())?;
        let mut issues = Vec::new();
        let mut externs = Vec::with_capacity(module.imports().len());
        for imp in module.imports() {
            let want = imp.ty();
            let issue = |problem, actual: Option<String>| LinkIssue {
                module: imp.module().into(),
                name: imp.name().into(),
                problem,
                expected: ExternDesc::from_wasmtime(&want).to_string(),
                actual,
            };
            if imp.module() == crate::fuel::FUEL_MODULE {
                // The store's own fuel globals, never an item the caller
                // gives (a guest must not get to set its own counter).
                match (ctx.data().fuel_globals, imp.name()) {
                    (Some((counter, _)), crate::fuel::FUEL_COUNTER) => externs.push(counter.into()),
                    (Some((_, out)), crate::fuel::FUEL_OUT) => externs.push(out.into()),
                    _ => issues.push(issue(LinkProblem::Missing, None)),
                }
                continue;
            }
            match provided.get(&(imp.module(), imp.name())) {
                Some(item) => {
                    if compatible(ctx, &want, item) {
                        if let Extern::SharedMemory(m) = item {
                            // It grows without asking this store: its maximum must fit this store's limit too.
                            let max = m.ty().maximum().map_or(u128::MAX, |pages| u128::from(pages) * u128::from(m.page_size()));
                            if let Some(limit) = ctx.data().limiter.options.max_memory_bytes.filter(|&l| max > u128::from(l)) {
                                return Err(Error::MemoryLimit {
                                    message: format!(
                                        "the shared memory given for import {}::{} may grow to {max} bytes, past the store's limit of {limit} bytes; a shared memory grows without asking the store, so it must fit maxMemory",
                                        imp.module(),
                                        imp.name()
                                    ),
                                });
                            }
                        }
                        externs.push(wasmtime_extern(item));
                    } else {
                        issues.push(issue(LinkProblem::Incompatible, Some(extern_desc(ctx, item).to_string())));
                    }
                }
                None if imp.module() == WASI_MODULE => match wasi.get_by_import(&mut *ctx, &imp) {
                    Some(e) if e.ty(&*ctx).func().zip(want.func()).is_some_and(|(have, want)| have.matches(want)) => externs.push(e),
                    Some(e) => issues.push(issue(LinkProblem::Incompatible, Some(ExternDesc::from_wasmtime(&e.ty(&*ctx)).to_string()))),
                    None => issues.push(issue(LinkProblem::Missing, None)),
                },
                None => issues.push(issue(LinkProblem::Missing, None)),
            }
        }
        if !issues.is_empty() {
            return Err(link_error(issues));
        }
        Ok(externs)
    }

    /// The exports of an instance, in order (a shared memory as
    /// [`Extern::SharedMemory`]).
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] as for [`Store::with`].
    pub fn exports(&self, instance: Instance) -> Result<Vec<(String, Extern)>, Error> {
        self.with(|mut ctx| {
            let names: Vec<String> = instance
                .exports(&mut ctx)
                .map(|e| e.name().to_string())
                .filter(|n| !self.is_woven_export(n))
                .collect();
            let mut out = Vec::with_capacity(names.len());
            for name in names {
                if let Some(ext) = instance.get_export(&mut ctx, &name) {
                    out.push((name, to_extern(ext)));
                }
            }
            Ok(out)
        })
    }

    /// One export of an instance by name.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when there is no such export.
    pub fn export(&self, instance: Instance, name: &str) -> Result<Extern, Error> {
        self.with(|mut ctx| match instance.get_export(&mut ctx, name).filter(|_| !self.is_woven_export(name)) {
            Some(ext) => Ok(to_extern(ext)),
            None => Err(Error::invalid(format!("the instance has no export named '{name}'"))),
        })
    }

    /// An exported function by name.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when there is no such export or it is not a function.
    pub fn export_func(&self, instance: Instance, name: &str) -> Result<Func, Error> {
        match self.export(instance, name)? {
            Extern::Func(f) => Ok(f),
            _ => Err(Error::invalid(format!("the export '{name}' is not a function"))),
        }
    }

    /// An exported memory by name (not a shared one: see [`Store::export`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when there is no such export or it is not an unshared memory.
    pub fn export_memory(&self, instance: Instance, name: &str) -> Result<Memory, Error> {
        match self.export(instance, name)? {
            Extern::Memory(m) => Ok(m),
            Extern::SharedMemory(_) => Err(Error::invalid(format!("the export '{name}' is a shared memory: take it with Store::export"))),
            _ => Err(Error::invalid(format!("the export '{name}' is not a memory"))),
        }
    }
}

/// Remembers where a WASI-importing module's `memory` export is, for the
/// WASI functions' lookups (see `StoreData::wasi_memories`).
fn note_wasi_memory(ctx: &mut StoreContextMut<'_, StoreData>, module: &wasmtime::Module) {
    if !module.imports().any(|i| i.module() == WASI_MODULE) {
        return;
    }
    if let Some(at) = module.get_export_index("memory") {
        let known = &mut ctx.data_mut().wasi_memories;
        // A handful of modules per store at most; a linear scan is cheapest.
        if known.len() < 64 && !known.iter().any(|(m, _)| wasmtime::Module::same(m, module)) {
            known.push((module.clone(), at));
        }
    }
}

/// Whether `item` may satisfy an import of type `want`: the spec's import
/// matching (subtyping for functions and immutable globals, current sizes
/// within limits for memories and tables).
fn compatible(ctx: &StoreContextMut<'_, StoreData>, want: &ExternType, item: &Extern) -> bool {
    match (want, item) {
        // Declared subtyping (rec groups, `sub` chains), as Wasmtime checks
        // it when instantiating; `FuncType::matches` alone is structural.
        (ExternType::Func(want), Extern::Func(f)) => {
            wasmtime::HeapType::ConcreteFunc(f.ty(ctx)).matches(&wasmtime::HeapType::ConcreteFunc(want.clone()))
        }
        (ExternType::Global(want), Extern::Global(g)) => {
            let have = g.ty(ctx);
            have.mutability() == want.mutability()
                && (if want.mutability() == Mutability::Var {
                    ValType::eq(have.content(), want.content())
                } else {
                    have.content().matches(want.content())
                })
        }
        (ExternType::Memory(want), Extern::Memory(m)) => {
            let have = m.ty(ctx);
            have.is_64() == want.is_64()
                && have.is_shared() == want.is_shared()
                && have.page_size() == want.page_size()
                && m.size(ctx) >= want.minimum()
                && match want.maximum() {
                    None => true,
                    Some(max) => have.maximum().is_some_and(|h| h <= max),
                }
        }
        (ExternType::Memory(want), Extern::SharedMemory(m)) => {
            let have = m.ty();
            have.is_64() == want.is_64()
                && want.is_shared()
                && have.page_size() == want.page_size()
                && m.size() >= want.minimum()
                && match want.maximum() {
                    None => true,
                    Some(max) => have.maximum().is_some_and(|h| h <= max),
                }
        }
        (ExternType::Table(want), Extern::Table(t)) => {
            let have = t.ty(ctx);
            have.is_64() == want.is_64()
                && have.element().matches(want.element())
                && want.element().matches(have.element())
                && t.size(ctx) >= want.minimum()
                && match want.maximum() {
                    None => true,
                    Some(max) => have.maximum().is_some_and(|h| h <= max),
                }
        }
        (ExternType::Tag(want), Extern::Tag(t)) => {
            // Tags match only when their types are the same type.
            wasmtime::FuncType::eq(t.ty(ctx).ty(), want.ty())
        }
        _ => false,
    }
}

fn link_error(issues: Vec<LinkIssue>) -> Error {
    let parts: Vec<String> = issues
        .iter()
        .map(|i| match i.problem {
            LinkProblem::Missing => format!("missing import {}::{} ({})", i.module, i.name, i.expected),
            LinkProblem::Incompatible => format!(
                "import {}::{} must be {} but was given {}",
                i.module,
                i.name,
                i.expected,
                i.actual.clone().unwrap_or_default()
            ),
        })
        .collect();
    Error::Link { message: format!("cannot link the module: {}", parts.join("; ")), issues }
}
