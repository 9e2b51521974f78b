//! What the host holds of a store: memories, tables, globals and function
//! handles, created standalone or taken from an instance's exports.

use crate::error::Error;
use crate::store::Store;
use crate::store_data::{func_handle, StoreData};
use crate::trap::run_error;
use crate::types::{func_sig, parse_ref_type, parse_val_type, ExternDesc, FuncSig};
use crate::value::{Value, ValueKind};
use wasmtime::{
    Func, Global, GlobalType, Memory, MemoryTypeBuilder, Mutability, SharedMemory, StoreContextMut, Table, TableType, Val,
};

/// Something an instance exports or imports.
#[derive(Clone, Debug)]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A linear memory.
    Memory(Memory),
    /// A shared linear memory (engine option `threads`). Unlike the others
    /// it is not tied to one store: guests on other threads may read and
    /// write it while the host does (see [`Store::shared_memory_read`]).
    SharedMemory(SharedMemory),
    /// A table.
    Table(Table),
    /// A global.
    Global(Global),
    /// An exception tag.
    Tag(wasmtime::Tag),
}

impl Store {
    /// The type of an extern.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] as for [`Store::with`].
    pub fn extern_type(&self, ext: &Extern) -> Result<ExternDesc, Error> {
        self.with(|mut ctx| Ok(extern_desc(&mut ctx, ext)))
    }

    /// The signature of a function.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] as for [`Store::with`].
    pub fn func_sig(&self, func: Func) -> Result<FuncSig, Error> {
        self.with(|ctx| Ok(func_sig(&func.ty(&ctx))))
    }

    /// Decodes one 16-byte slot (see [`Value::to_slot`]) as a value of `kind`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an unknown type name or funcref handle.
    pub fn slot_to_value(&self, kind: &str, slot: &[u8]) -> Result<Value, Error> {
        let kind = ValueKind::of(&parse_val_type(kind)?);
        self.with(|ctx| {
            let data = ctx.data();
            Value::from_slot(kind, slot, |h| data.funcs.get(h))
        })
    }

    /// Encodes a value as a 16-byte slot, registering a funcref handle if needed.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] as for [`Store::with`].
    pub fn value_to_slot(&self, value: Value) -> Result<[u8; 16], Error> {
        self.with(|mut ctx| Ok(value.to_slot(|f| func_handle(&mut ctx, f))))
    }

    /// A numeric handle for a function, for use in slots. Handles stay valid
    /// for the life of the store.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] as for [`Store::with`].
    pub fn func_handle(&self, func: Func) -> Result<u32, Error> {
        self.with(|ctx| Ok(func_handle(ctx, func)))
    }

    /// The function behind a handle.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a handle this store did not give out.
    pub fn func_from_handle(&self, handle: u32) -> Result<Func, Error> {
        self.with(|ctx| {
            ctx.data()
                .funcs.get(handle)
                .ok_or_else(|| Error::invalid(format!("funcref handle {handle} does not belong to this store")))
        })
    }

    /// Creates a standalone memory (sizes in 64 KiB pages).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for impossible sizes; [`Error::MemoryLimit`] past the store's limit.
    pub fn new_memory(&self, minimum: u64, maximum: Option<u64>, memory64: bool) -> Result<Memory, Error> {
        let ty = MemoryTypeBuilder::new()
            .min(minimum)
            .max(maximum)
            .memory64(memory64)
            .build()
            .map_err(|e| Error::invalid(format!("invalid memory type: {e:#}")))?;
        self.with(|mut ctx| Memory::new(&mut ctx, ty).map_err(run_error))
    }

    /// Creates a standalone shared memory (sizes in 64 KiB pages), for a
    /// module that imports one. A shared memory grows without asking the
    /// store, so its `maximum` is required and must fit the store's memory
    /// limit, as for a module's own shared memory.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when the engine has no `threads`, for
    /// impossible sizes, or without a maximum; [`Error::MemoryLimit`] when
    /// the maximum passes the store's limit.
    ///
    /// # Examples
    ///
    /// ```
    /// # use cwasm_core::{Engine, EngineConfig, Store, StoreOptions};
    /// let engine = Engine::shared(&EngineConfig { threads: true, ..Default::default() })?;
    /// let store = Store::new(&engine, StoreOptions::default());
    /// let mem = store.new_shared_memory(1, Some(2), false)?;
    /// assert_eq!(store.shared_memory_grow(&mem, 1)?, 1);
    /// # Ok::<(), cwasm_core::Error>(())
    /// ```
    pub fn new_shared_memory(&self, minimum: u64, maximum: Option<u64>, memory64: bool) -> Result<SharedMemory, Error> {
        if !self.engine().config().threads {
            return Err(Error::invalid("a shared memory needs an engine with threads: true (the threads proposal is off by default)"));
        }
        let Some(max) = maximum else {
            return Err(Error::invalid("a shared memory needs a maximum: it is reserved at its maximum size and grows without asking the store"));
        };
        let ty = MemoryTypeBuilder::new()
            .min(minimum)
            .max(Some(max))
            .memory64(memory64)
            .shared(true)
            .build()
            .map_err(|e| Error::invalid(format!("invalid memory type: {e:#}")))?;
        self.check_shared_cap(u128::from(max) * u128::from(ty.page_size()), "may grow to")?;
        let memory = SharedMemory::new(self.wasmtime_engine(), ty).map_err(|e| {
            crate::trap::system_refused_memory(&e).unwrap_or_else(|| Error::invalid(format!("cannot make the shared memory: {e:#}")))
        })?;
        // Made outside the store, so its limiter never saw it.
        self.note_memory_bytes(memory.data_size() as u64);
        Ok(memory)
    }

    /// Refuses a shared memory size past the store's memory limit (a shared
    /// memory grows without asking the store, so the limit is checked here).
    pub(crate) fn check_shared_cap(&self, bytes: u128, what: &str) -> Result<(), Error> {
        let limit = self.with(|ctx| Ok(ctx.data().limiter.options.max_memory_bytes))?;
        match limit {
            Some(limit) if bytes > u128::from(limit) => Err(Error::MemoryLimit {
                message: format!(
                    "the shared memory {what} {bytes} bytes, past the store's limit of {limit} bytes; a shared memory grows without asking the store, so it must fit maxMemory"
                ),
            }),
            _ => Ok(()),
        }
    }

    /// Size of a shared memory in bytes.
    pub fn shared_memory_size(&self, memory: &SharedMemory) -> u64 {
        memory.data_size() as u64
    }

    /// Copies `len` bytes out of a shared memory. Guests on other threads
    /// may write the same bytes meanwhile: the copy then holds a mix of old
    /// and new bytes, as a copy out of a `SharedArrayBuffer` would.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when the range is out of bounds.
    pub fn shared_memory_read(&self, memory: &SharedMemory, offset: u64, len: u64) -> Result<Vec<u8>, Error> {
        let data = memory.data();
        let range = checked_range(offset, len, data.len())?;
        let mut out = vec![0u8; range.len()];
        if !out.is_empty() {
            // SAFETY: `range` lies within `data` (checked above), whose
            // base never moves and which never shrinks while `memory`
            // lives; `out` is a fresh buffer of the same length, so the two
            // do not overlap. Bytes may change under the copy (other threads
            // write through the same cells), which `UnsafeCell` allows: we
            // read raw bytes, never form a `&[u8]` over the shared cells.
            unsafe { std::ptr::copy_nonoverlapping(data[range.start].get().cast_const(), out.as_mut_ptr(), range.len()) };
        }
        Ok(out)
    }

    /// Copies bytes into a shared memory (racing with guests on other
    /// threads as a write into a `SharedArrayBuffer` would).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when the range is out of bounds.
    pub fn shared_memory_write(&self, memory: &SharedMemory, offset: u64, bytes: &[u8]) -> Result<(), Error> {
        let data = memory.data();
        let range = checked_range(offset, bytes.len() as u64, data.len())?;
        if !bytes.is_empty() {
            // SAFETY: as in `shared_memory_read`; `bytes` is host memory,
            // never part of the shared memory, so they do not overlap.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), data[range.start].get(), range.len()) };
        }
        Ok(())
    }

    /// Grows a shared memory by `delta` pages; returns the old size in pages.
    /// The new size is checked against the store's memory limit first (a
    /// shared memory grows without asking its store).
    ///
    /// # Errors
    ///
    /// [`Error::MemoryLimit`] past the store's limit or the memory's maximum.
    pub fn shared_memory_grow(&self, memory: &SharedMemory, delta: u64) -> Result<u64, Error> {
        let page = u128::from(memory.page_size());
        let wanted = (u128::from(memory.size()) + u128::from(delta)) * page;
        self.check_shared_cap(wanted, "would grow to")?;
        memory.grow(delta).map_err(|e| Error::MemoryLimit { message: format!("cannot grow the shared memory by {delta} pages: {e:#}") })
    }

    /// Creates a standalone table of a reference type, filled with `init`; 32-bit indices, or 64-bit with `table64`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an unknown element type or wrong init value.
    pub fn new_table(&self, element: &str, minimum: u64, maximum: Option<u64>, init: Value, table64: bool) -> Result<Table, Error> {
        let rt = parse_ref_type(element)?;
        let ty = if table64 {
            TableType::new64(rt, minimum, maximum)
        } else {
            // A 32-bit table (the kind a module without table64 imports).
            let elements = |n: u64| {
                u32::try_from(n).map_err(|_| Error::invalid(format!("a table of {n} elements is too large (at most 2^32-1; set table64 for more)")))
            };
            TableType::new(rt, elements(minimum)?, maximum.map(elements).transpose()?)
        };
        self.with(|mut ctx| {
            let r = init.to_ref(&mut ctx)?;
            Table::new(&mut ctx, ty, r).map_err(run_error)
        })
    }

    /// Creates a standalone global.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an unknown type or a value of another type.
    pub fn new_global(&self, value_type: &str, mutable: bool, value: Value) -> Result<Global, Error> {
        let vt = parse_val_type(value_type)?;
        let ty = GlobalType::new(vt.clone(), if mutable { Mutability::Var } else { Mutability::Const });
        self.with(|mut ctx| {
            let v = value.to_val_checked(&mut ctx, &vt, || format!("the value of a {value_type} global"))?;
            Global::new(&mut ctx, ty, v).map_err(|e| Error::invalid(format!("{e:#}")))
        })
    }

    /// Reads a global.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a reference type that cannot cross.
    pub fn global_get(&self, global: Global) -> Result<Value, Error> {
        self.with(|mut ctx| {
            let v = global.get(&mut ctx);
            Value::from_val(&v, &mut ctx)
        })
    }

    /// Sets a mutable global.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when the global is immutable or the value has another type.
    pub fn global_set(&self, global: Global, value: Value) -> Result<(), Error> {
        self.with(|mut ctx| {
            let ty = global.ty(&ctx);
            if ty.mutability() != Mutability::Var {
                return Err(Error::invalid("the global is immutable; only (mut …) globals can be set"));
            }
            let v = value.to_val_checked(&mut ctx, ty.content(), || "the global's new value".into())?;
            global.set(&mut ctx, v).map_err(|e| Error::invalid(format!("{e:#}")))
        })
    }

    /// Size of a memory in bytes.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] as for [`Store::with`].
    pub fn memory_size(&self, memory: Memory) -> Result<u64, Error> {
        self.with(|ctx| Ok(memory.data_size(&ctx) as u64))
    }

    /// Copies `len` bytes out of a memory.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when the range is out of bounds.
    pub fn memory_read(&self, memory: Memory, offset: u64, len: u64) -> Result<Vec<u8>, Error> {
        self.with(|ctx| {
            let data = memory.data(&ctx);
            let range = checked_range(offset, len, data.len())?;
            Ok(data[range].to_vec())
        })
    }

    /// Copies bytes into a memory.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when the range is out of bounds.
    pub fn memory_write(&self, memory: Memory, offset: u64, bytes: &[u8]) -> Result<(), Error> {
        self.with(|mut ctx| {
            let data = memory.data_mut(&mut ctx);
            let range = checked_range(offset, bytes.len() as u64, data.len())?;
            data[range].copy_from_slice(bytes);
            Ok(())
        })
    }

    /// Grows a memory by `delta` pages; returns the old size in pages.
    ///
    /// # Errors
    ///
    /// [`Error::MemoryLimit`] past the store's limit or the memory's maximum.
    pub fn memory_grow(&self, memory: Memory, delta: u64) -> Result<u64, Error> {
        self.with(|mut ctx| {
            memory.grow(&mut ctx, delta).map_err(|e| match run_error(e) {
                Error::InvalidArgument { message } => Error::MemoryLimit { message },
                other => other,
            })
        })
    }

    /// Number of elements in a table.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] as for [`Store::with`].
    pub fn table_size(&self, table: Table) -> Result<u64, Error> {
        self.with(|ctx| Ok(table.size(&ctx)))
    }

    /// Reads one table element.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when the index is out of bounds.
    pub fn table_get(&self, table: Table, index: u64) -> Result<Value, Error> {
        self.with(|mut ctx| match table.get(&mut ctx, index) {
            Some(r) => {
                let v: Val = r.into();
                Value::from_val(&v, &mut ctx)
            }
            None => Err(Error::invalid(format!("table index {index} is out of bounds"))),
        })
    }

    /// Writes one table element.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when the index is out of bounds or the value has another type.
    pub fn table_set(&self, table: Table, index: u64, value: Value) -> Result<(), Error> {
        self.with(|mut ctx| {
            let r = value.to_ref(&mut ctx)?;
            table.set(&mut ctx, index, r).map_err(|e| Error::invalid(format!("{e:#}")))
        })
    }

    /// Grows a table by `delta` elements filled with `init`; returns the old size.
    ///
    /// # Errors
    ///
    /// [`Error::MemoryLimit`] past a limit or the table's maximum.
    pub fn table_grow(&self, table: Table, delta: u64, init: Value) -> Result<u64, Error> {
        self.with(|mut ctx| {
            let r = init.to_ref(&mut ctx)?;
            table.grow(&mut ctx, delta, r).map_err(|e| match run_error(e) {
                Error::InvalidArgument { message } => Error::MemoryLimit { message },
                other => other,
            })
        })
    }
}

fn checked_range(offset: u64, len: u64, size: usize) -> Result<std::ops::Range<usize>, Error> {
    match offset.checked_add(len) {
        Some(end) if end <= size as u64 => Ok(offset as usize..end as usize),
        _ => Err(Error::invalid(format!(
            "bytes {offset}..{} are outside the memory of {size} bytes",
            offset.saturating_add(len)
        ))),
    }
}

pub(crate) fn to_extern(ext: wasmtime::Extern) -> Extern {
    match ext {
        wasmtime::Extern::Func(f) => Extern::Func(f),
        wasmtime::Extern::Memory(m) => Extern::Memory(m),
        wasmtime::Extern::Table(t) => Extern::Table(t),
        wasmtime::Extern::Global(g) => Extern::Global(g),
        wasmtime::Extern::Tag(t) => Extern::Tag(t),
        wasmtime::Extern::SharedMemory(m) => Extern::SharedMemory(m),
    }
}

/// The Wasmtime item an [`Extern`] stands for.
pub(crate) fn wasmtime_extern(e: &Extern) -> wasmtime::Extern {
    match e {
        Extern::Func(f) => (*f).into(),
        Extern::Memory(x) => (*x).into(),
        Extern::Table(x) => (*x).into(),
        Extern::Global(x) => (*x).into(),
        Extern::Tag(x) => (*x).into(),
        Extern::SharedMemory(x) => x.clone().into(),
    }
}

pub(crate) fn extern_desc(ctx: &mut StoreContextMut<'_, StoreData>, ext: &Extern) -> ExternDesc {
    ExternDesc::from_wasmtime(&wasmtime_extern(ext).ty(&*ctx))
}
