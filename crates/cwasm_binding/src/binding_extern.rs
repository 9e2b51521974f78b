//! `BindingExtern`: a function, memory, table, global or tag of a store.
//! Values cross as 16-byte slots (see `cwasm_core::Value::to_slot`).

use crate::binding_types::{extern_type, BindingExternType};
use crate::convert::whole;
use crate::error::guard;
use cwasm_core::{Error, Extern, ExternDesc, Func, FuncKinds, Store};
use std::sync::OnceLock;
use napi::bindgen_prelude::{Object, Uint8Array};
use napi::Env;
use napi_derive::napi;
use std::sync::Arc;

/// One item of a store.
#[napi]
pub struct BindingExtern {
    pub(crate) store: Arc<Store>,
    pub(crate) item: Extern,
    name: Option<String>,
    /// A function's kinds, looked up on its first call.
    kinds: OnceLock<FuncKinds>,
    /// Its id in this thread's fast-call table, once registered.
    fast_id: std::cell::Cell<u32>,
}

impl Drop for BindingExtern {
    fn drop(&mut self) {
        if self.fast_id.get() != 0 {
            crate::binding_fast_call::unregister(self.fast_id.get());
        }
    }
}

fn wrong(kind: &str) -> Error {
    Error::InvalidArgument { message: format!("this item is not a {kind}") }
}

impl BindingExtern {
    pub(crate) fn new(store: &Arc<Store>, item: Extern, name: Option<String>) -> BindingExtern {
        BindingExtern { store: store.clone(), item, name, kinds: OnceLock::new(), fast_id: std::cell::Cell::new(0) }
    }

    fn kinds(&self, f: Func) -> Result<&FuncKinds, Error> {
        if let Some(k) = self.kinds.get() {
            return Ok(k);
        }
        let k = self.store.func_kinds(f)?;
        Ok(self.kinds.get_or_init(|| k))
    }

    fn table_element(&self) -> Result<String, Error> {
        match self.store.extern_type(&self.item)? {
            ExternDesc::Table { element, .. } => Ok(element),
            _ => Err(wrong("table")),
        }
    }
}

#[napi]
impl BindingExtern {
    /// `func`, `memory`, `table`, `global` or `tag`.
    #[napi(getter)]
    pub fn kind(&self) -> String {
        match self.item {
            Extern::Func(_) => "func",
            Extern::Memory(_) | Extern::SharedMemory(_) => "memory",
            Extern::Table(_) => "table",
            Extern::Global(_) => "global",
            Extern::Tag(_) => "tag",
        }
        .to_string()
    }

    /// The export name this item was found under, if any.
    #[napi(getter)]
    pub fn name(&self) -> Option<String> {
        self.name.clone()
    }

    /// The item's full type.
    #[napi]
    pub fn ty(&self) -> napi::Result<BindingExternType> {
        guard(|| Ok(extern_type(&self.store.extern_type(&self.item)?)))
    }

    /// Whether two handles refer to the same store.
    #[napi]
    pub fn same_store(&self, other: &BindingExtern) -> bool {
        Arc::ptr_eq(&self.store, &other.store)
    }

    /// Calls a function: arguments are read from `slots`, results written back; returns the result count.
    #[napi]
    pub fn call(&self, env: &Env, mut slots: Uint8Array) -> napi::Result<u32> {
        // SAFETY: the typed array stays referenced for this synchronous call,
        // and no JS runs on it meanwhile except host functions, which are
        // handed copies, never this buffer.
        let slots = unsafe { slots.as_mut() };
        let r = guard(|| match self.item {
            Extern::Func(f) => Ok(self.store.call_slots_with(f, self.kinds(f)?, slots)? as u32),
            _ => Err(wrong("function")),
        });
        // The call may have grown a memory.
        crate::binding_store::report_memory(env.raw(), &self.store, false);
        r
    }

    /// Calls a function on the native thread pool; resolves to the result slots.
    /// `slots` is copied, so the caller may reuse it at once. With `token`
    /// (from `newCallToken`), `cancelCall(token)` stops this call alone.
    #[napi(ts_return_type = "Promise<Uint8Array>")]
    pub fn call_async<'env>(&self, env: &'env Env, slots: &[u8], token: Option<f64>) -> napi::Result<Object<'env>> {
        let f = match self.item {
            Extern::Func(f) => f,
            _ => return Err(crate::error::to_napi(wrong("function"))),
        };
        let (deferred, promise) = env.create_deferred()?;
        let store = self.store.clone();
        let kinds = crate::error::guard(|| self.kinds(f).cloned())?;
        let mut buf = slots.to_vec();
        let token = crate::binding_executor::token_of(token);
        let id = token.as_ref().ok().and_then(|t| t.as_ref().map(|t| t.id())).unwrap_or(0);
        cwasm_core::spawn_call(id, move || {
            let r = crate::error::guard(|| store.call_slots_token(f, &kinds, &mut buf, token?.as_deref()));
            match r {
                Ok(_) => deferred.resolve(move |_| Ok(Uint8Array::from(buf))),
                Err(e) => deferred.reject(e),
            }
        });
        Ok(promise)
    }

    /// Calls a function on this thread under call token `token`, as `call`
    /// does: a worker thread's call that the main thread can cancel.
    #[napi]
    pub fn call_with_token(&self, mut slots: Uint8Array, token: f64) -> napi::Result<u32> {
        // SAFETY: as in `call`.
        let slots = unsafe { slots.as_mut() };
        guard(|| match self.item {
            Extern::Func(f) => {
                let token = crate::binding_executor::token_of(Some(token))?;
                Ok(self.store.call_slots_token(f, self.kinds(f)?, slots, token.as_deref())? as u32)
            }
            _ => Err(wrong("function")),
        })
    }

    /// Registers this function for `callFast` on this thread and returns its id.
    #[napi]
    pub fn fast_id(&self) -> napi::Result<u32> {
        if self.fast_id.get() != 0 {
            return Ok(self.fast_id.get());
        }
        guard(|| match self.item {
            Extern::Func(f) => {
                let kinds = Arc::new(self.kinds(f)?.clone());
                let id = crate::binding_fast_call::register(self.store.clone(), f, kinds);
                self.fast_id.set(id);
                Ok(id)
            }
            _ => Err(wrong("function")),
        })
    }

    /// A funcref handle for this function, to put in a slot.
    #[napi]
    pub fn handle(&self) -> napi::Result<u32> {
        guard(|| match self.item {
            Extern::Func(f) => self.store.func_handle(f),
            _ => Err(wrong("function")),
        })
    }

    /// Memory size in bytes.
    #[napi]
    pub fn memory_size(&self) -> napi::Result<f64> {
        guard(|| match self.item {
            Extern::Memory(m) => Ok(self.store.memory_size(m)? as f64),
            Extern::SharedMemory(ref m) => Ok(self.store.shared_memory_size(m) as f64),
            _ => Err(wrong("memory")),
        })
    }

    /// Copies bytes out of memory.
    #[napi]
    pub fn memory_read(&self, offset: f64, length: f64) -> napi::Result<Uint8Array> {
        guard(|| match self.item {
            Extern::Memory(m) => Ok(Uint8Array::from(self.store.memory_read(m, whole(offset, "offset")?, whole(length, "length")?)?)),
            Extern::SharedMemory(ref m) => Ok(Uint8Array::from(self.store.shared_memory_read(m, whole(offset, "offset")?, whole(length, "length")?)?)),
            _ => Err(wrong("memory")),
        })
    }

    /// Copies bytes into memory.
    #[napi]
    pub fn memory_write(&self, offset: f64, bytes: &[u8]) -> napi::Result<()> {
        guard(|| match self.item {
            Extern::Memory(m) => self.store.memory_write(m, whole(offset, "offset")?, bytes),
            Extern::SharedMemory(ref m) => self.store.shared_memory_write(m, whole(offset, "offset")?, bytes),
            _ => Err(wrong("memory")),
        })
    }

    /// Grows memory by `delta` pages; returns the old size in pages.
    #[napi]
    pub fn memory_grow(&self, env: &Env, delta: f64) -> napi::Result<f64> {
        let r = guard(|| match self.item {
            Extern::Memory(m) => Ok(self.store.memory_grow(m, whole(delta, "delta")?)? as f64),
            Extern::SharedMemory(ref m) => Ok(self.store.shared_memory_grow(m, whole(delta, "delta")?)? as f64),
            _ => Err(wrong("memory")),
        });
        crate::binding_store::report_memory(env.raw(), &self.store, false);
        r
    }

    /// Number of table elements.
    #[napi]
    pub fn table_size(&self) -> napi::Result<f64> {
        guard(|| match self.item {
            Extern::Table(t) => Ok(self.store.table_size(t)? as f64),
            _ => Err(wrong("table")),
        })
    }

    /// One table element, as a slot.
    #[napi]
    pub fn table_get(&self, index: f64) -> napi::Result<Uint8Array> {
        guard(|| match self.item {
            Extern::Table(t) => {
                let v = self.store.table_get(t, whole(index, "index")?)?;
                Ok(Uint8Array::from(self.store.value_to_slot(v)?.to_vec()))
            }
            _ => Err(wrong("table")),
        })
    }

    /// Sets one table element from a slot.
    #[napi]
    pub fn table_set(&self, index: f64, slot: &[u8]) -> napi::Result<()> {
        guard(|| match self.item {
            Extern::Table(t) => {
                let v = self.store.slot_to_value(&self.table_element()?, slot)?;
                self.store.table_set(t, whole(index, "index")?, v)
            }
            _ => Err(wrong("table")),
        })
    }

    /// Grows a table by `delta` elements set to the `init` slot; returns the old size.
    #[napi]
    pub fn table_grow(&self, delta: f64, init: &[u8]) -> napi::Result<f64> {
        guard(|| match self.item {
            Extern::Table(t) => {
                let v = self.store.slot_to_value(&self.table_element()?, init)?;
                Ok(self.store.table_grow(t, whole(delta, "delta")?, v)? as f64)
            }
            _ => Err(wrong("table")),
        })
    }

    /// A global's value, as a slot.
    #[napi]
    pub fn global_get(&self) -> napi::Result<Uint8Array> {
        guard(|| match self.item {
            Extern::Global(g) => {
                let v = self.store.global_get(g)?;
                Ok(Uint8Array::from(self.store.value_to_slot(v)?.to_vec()))
            }
            _ => Err(wrong("global")),
        })
    }

    /// Sets a mutable global from a slot.
    #[napi]
    pub fn global_set(&self, slot: &[u8]) -> napi::Result<()> {
        guard(|| match self.item {
            Extern::Global(g) => {
                let ty = match self.store.extern_type(&self.item)? {
                    ExternDesc::Global { value_type, .. } => value_type,
                    _ => return Err(wrong("global")),
                };
                let v = self.store.slot_to_value(&ty, slot)?;
                self.store.global_set(g, v)
            }
            _ => Err(wrong("global")),
        })
    }
}
