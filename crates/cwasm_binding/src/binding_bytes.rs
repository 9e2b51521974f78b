//! Bytes calls (`cwasm_core::Store::call_bytes`, the `allocate`
//! convention) and releasing a store, on `BindingStore`.

use crate::binding_executor::token_of;
use crate::binding_store::BindingStore;
use crate::error::guard;
use napi::bindgen_prelude::{Object, Uint8Array};
use napi::Env;
use napi_derive::napi;

#[napi]
impl BindingStore {
    /// Calls export `name` of instance `index` with `input` as bytes and
    /// returns the output bytes, on this thread (under call token `token`, if given).
    #[napi]
    pub fn call_bytes(&self, index: u32, name: String, input: &[u8], token: Option<f64>) -> napi::Result<Uint8Array> {
        guard(|| {
            let instance = self.instance(index)?;
            let token = token_of(token)?;
            Ok(Uint8Array::from(self.inner.call_bytes(instance, &name, input, token.as_deref())?))
        })
    }

    /// `callBytes` on the native thread pool. `input` is copied.
    #[napi(ts_return_type = "Promise<Uint8Array>")]
    pub fn call_bytes_async<'env>(&self, env: &'env Env, index: u32, name: String, input: &[u8], token: Option<f64>) -> napi::Result<Object<'env>> {
        let instance = guard(|| self.instance(index))?;
        let (deferred, promise) = env.create_deferred()?;
        let store = self.inner.clone();
        let input = input.to_vec();
        let token = token_of(token);
        let id = token.as_ref().ok().and_then(|t| t.as_ref().map(|t| t.id())).unwrap_or(0);
        cwasm_core::spawn_call(id, move || {
            match guard(|| store.call_bytes(instance, &name, &input, token?.as_deref())) {
                Ok(out) => deferred.resolve(move |_| Ok(Uint8Array::from(out))),
                Err(e) => deferred.reject(e),
            }
        });
        Ok(promise)
    }

    /// Frees everything in the store now; later uses fail with `invalid_argument`.
    #[napi]
    pub fn release(&self, env: &Env) -> napi::Result<()> {
        let r = guard(|| self.inner.release());
        crate::binding_store::report_memory(env.raw(), &self.inner, false);
        r
    }
}
