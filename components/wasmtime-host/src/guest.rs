//! The services' WIT worlds driven the one way every host drives them: instantiate,
//! `create` the resource from the deployment config, call it. What differs per service is
//! only its [`World`]: the bindings' names and the conversions between its WIT types and
//! its JSON form.

use anyhow::Context;
use serde_json::{Value, json};
use wasmtime::Store;
use wasmtime::component::{InstancePre, ResourceAny};

use crate::Host;

/// One service's WIT world: its typed bindings (which bindgen names after the world) and
/// its WIT types converted from and to the service's JSON form (the one the command and the
/// native core use). [`Guest`] does the rest.
pub trait World: 'static {
    /// The resource's name in the WIT (`verifier`), for errors.
    const RESOURCE: &'static str;
    /// The world's bindings over an `InstancePre`: its exports looked up once.
    type Pre: Clone + Send + Sync;
    /// The world's bindings on one instance.
    type Bindings;
    /// The resource's `create` argument.
    type Config: Sync;
    /// The rest of a request: the method's arguments but the resource.
    type Call: Sync;
    /// What the method returns when it succeeds.
    type Ok;
    /// The world's `error` record.
    type Error;

    fn pre(pre: InstancePre<Host>) -> wasmtime::Result<Self::Pre>;
    fn instantiate(pre: &Self::Pre, store: &mut Store<Host>) -> wasmtime::Result<Self::Bindings>;
    fn create(
        bindings: &Self::Bindings,
        store: &mut Store<Host>,
        config: &Self::Config,
    ) -> wasmtime::Result<Result<ResourceAny, Self::Error>>;
    fn call(
        bindings: &Self::Bindings,
        store: &mut Store<Host>,
        resource: ResourceAny,
        call: &Self::Call,
    ) -> wasmtime::Result<Result<Self::Ok, Self::Error>>;

    /// A request in the JSON form, in the WIT's types.
    fn request(json: &Value) -> anyhow::Result<(Self::Config, Self::Call)>;
    /// A success in the JSON form: what goes under `ok`.
    fn ok(ok: Self::Ok) -> anyhow::Result<Value>;
    /// A refusal in the JSON form, as the core writes it: what goes under `err`.
    fn error(error: &Self::Error) -> Value;
}

/// A request in the WIT's types, converted once, before any step.
pub struct Request<W: World> {
    config: W::Config,
    call: W::Call,
}

/// An instance of `W`'s world, and its resource once created, driven in the steps a host
/// takes. [`serve`] takes them all for one request; the harness's benchmarks time each one
/// on its own.
pub struct Guest<W: World> {
    bindings: W::Bindings,
    resource: Option<ResourceAny>,
}

impl<W: World> Guest<W> {
    pub fn pre(pre: InstancePre<Host>) -> anyhow::Result<W::Pre> {
        Ok(W::pre(pre)?)
    }

    pub fn request(json: &Value) -> anyhow::Result<Request<W>> {
        let (config, call) = W::request(json)?;
        Ok(Request { config, call })
    }

    pub fn instantiate(store: &mut Store<Host>, pre: &W::Pre) -> anyhow::Result<Guest<W>> {
        Ok(Guest {
            bindings: W::instantiate(pre, store)?,
            resource: None,
        })
    }

    /// The resource's `create`; `Ok(Err(response))` when the service refuses the config
    /// (`response` is the refusal in the JSON form).
    pub fn create(
        &mut self,
        store: &mut Store<Host>,
        request: &Request<W>,
    ) -> anyhow::Result<Result<(), Value>> {
        // A second `create` (the benchmarks time one on a warm instance) replaces the first.
        if let Some(old) = self.resource.take() {
            old.resource_drop(&mut *store)?;
        }
        Ok(match W::create(&self.bindings, store, &request.config)? {
            Ok(created) => {
                self.resource = Some(created);
                Ok(())
            }
            Err(error) => Err(refusal::<W>(&error)),
        })
    }

    /// The request itself, on the resource `create` made.
    pub fn call(
        &mut self,
        store: &mut Store<Host>,
        request: &Request<W>,
    ) -> anyhow::Result<Result<W::Ok, W::Error>> {
        let created = self
            .resource
            .with_context(|| format!("the {} was not created", W::RESOURCE))?;
        Ok(W::call(&self.bindings, store, created, &request.call)?)
    }

    /// The JSON form of the response.
    pub fn response(output: Result<W::Ok, W::Error>) -> anyhow::Result<Value> {
        Ok(match output {
            Ok(ok) => json!({ "ok": W::ok(ok)? }),
            Err(error) => refusal::<W>(&error),
        })
    }
}

/// The JSON form of a refusal: `{"err": …}`.
pub(crate) fn refusal<W: World>(error: &W::Error) -> Value {
    json!({ "err": W::error(error) })
}

/// One request on a fresh instance: every step of [`Guest`].
pub fn serve<W: World>(
    store: &mut Store<Host>,
    pre: &InstancePre<Host>,
    request: &Value,
) -> anyhow::Result<Value> {
    let request = Guest::<W>::request(request)?;
    let mut guest = Guest::<W>::instantiate(store, &Guest::<W>::pre(pre.clone())?)?;
    match guest.create(store, &request)? {
        Err(refusal) => Ok(refusal),
        Ok(()) => Guest::<W>::response(guest.call(store, &request)?),
    }
}

/// `ErrorCode::NotYetValid` → `not-yet-valid`: the WIT name of a case of a generated enum,
/// from its `Debug` form (bindgen emits no name table).
pub(crate) fn wit_case_name(case: impl std::fmt::Debug) -> String {
    let debug = format!("{case:?}");
    let camel = debug.rsplit("::").next().unwrap_or(&debug);
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}
