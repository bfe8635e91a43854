//! The service registry: one table, [`SPECS`], that says what each service is — its name, its
//! WIT world, its crates per form, what a release bundle says about it, and its native core
//! behind the services' JSON form. The build, the harness's columns, the benchmarks, the
//! differential run and `dist` iterate it instead of listing services by hand; the code that
//! is really per service (the HTTP mapping in [`crate::routes`], the wasmtime bindings, the
//! fixtures and fuzz targets) lives in its own modules and is named in ARCHITECTURE.md's
//! "Add a service".
//!
//! A test (`every_service_folder_is_registered`) fails when `components/<name>/` holds a
//! service's crates that the table lacks, or the table names a crate that is not there.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Service;

/// What the registry knows about one service.
#[derive(Debug)]
pub struct Spec {
    pub service: Service,
    /// `token`: the vectors' `service`, the folder under `components/` and `wit/`, the route
    /// segment after `/v1/`, the artifact manifest's key.
    pub name: &'static str,
    /// One line for a bundle's README title.
    pub title: &'static str,
    pub wit: Wit,
    /// The crates under `components/<name>/`.
    pub crates: Crates,
    /// The vector group and case whose request is a release bundle's example.
    pub example: (&'static str, &'static str),
    serve: fn(&Value, &dyn Fn() -> i64) -> Result<Value, serde_json::Error>,
    canonical: fn(&Value) -> Result<Value, serde_json::Error>,
}

/// A service's WIT world (`wit/<name>/<name>.wit`) and the names bindings give it.
#[derive(Debug)]
pub struct Wit {
    /// The world the component exports.
    pub world: &'static str,
    /// The world's type name in wasmtime's and jco's bindings.
    pub world_type: &'static str,
    /// The exported interface and its resource (`<interface>.<Resource>` in jco's bindings).
    pub interface: &'static str,
    pub resource_type: &'static str,
}

/// A service's crates: the core (native, the reference) and the two guest forms.
#[derive(Debug)]
pub struct Crates {
    pub core: &'static str,
    /// The WASI component (`wasm32-wasip2`).
    pub component: &'static str,
    /// The WASI preview 1 command (`wasm32-wasip1`).
    pub command: &'static str,
}

/// Every service, in [`Service::ALL`]'s order.
pub static SPECS: [Spec; 3] = [
    Spec {
        service: Service::Token,
        name: "token",
        title: "JWT verification against a JWKS and a policy",
        wit: Wit {
            world: "token-verifier",
            world_type: "TokenVerifier",
            interface: "verifier",
            resource_type: "Verifier",
        },
        crates: Crates {
            core: "token-core",
            component: "token-component",
            command: "token-command",
        },
        example: ("rfc-examples", "rfc7515-a1"),
        serve: |request, clock| {
            let request: token_core::json::Request = serde_json::from_value(request.clone())?;
            serde_json::to_value(token_core::json::serve(&request, clock))
        },
        canonical: round_trip::<token_core::json::Request>,
    },
    Spec {
        service: Service::Config,
        name: "config",
        title: "JSON Schema validation of JSON, YAML and TOML documents",
        wit: Wit {
            world: "config-validator",
            world_type: "ConfigValidator",
            interface: "validator",
            resource_type: "Validator",
        },
        crates: Crates {
            core: "config-core",
            component: "config-component",
            command: "config-command",
        },
        example: ("service-config", "yaml-invalid"),
        serve: |request, _| {
            let request: config_core::json::Request = serde_json::from_value(request.clone())?;
            serde_json::to_value(config_core::json::serve(&request))
        },
        canonical: round_trip::<config_core::json::Request>,
    },
    Spec {
        service: Service::Thumbnail,
        name: "thumbnail",
        title: "thumbnails of JPEG, PNG, WebP and GIF images",
        wit: Wit {
            world: "thumbnail",
            world_type: "Thumbnail",
            interface: "thumbnailer",
            resource_type: "Thumbnailer",
        },
        crates: Crates {
            core: "thumbnail-core",
            component: "thumbnail-component",
            command: "thumbnail-command",
        },
        example: ("formats-and-fits", "contain-png"),
        serve: |request, _| {
            let request: thumbnail_core::json::Request = serde_json::from_value(request.clone())?;
            serde_json::to_value(thumbnail_core::json::serve(&request))
        },
        canonical: round_trip::<thumbnail_core::json::Request>,
    },
];

fn round_trip<T: DeserializeOwned + Serialize>(
    request: &Value,
) -> Result<Value, serde_json::Error> {
    serde_json::to_value(serde_json::from_value::<T>(request.clone())?)
}

impl Spec {
    /// The registered service called `name`.
    pub fn named(name: &str) -> Option<&'static Spec> {
        SPECS.iter().find(|s| s.name == name)
    }

    /// Every service's name, in the table's order.
    pub fn names() -> impl Iterator<Item = &'static str> {
        SPECS.iter().map(|s| s.name)
    }

    /// The native core on a request in the service's JSON form: the reference response, in
    /// its JSON form. `clock` is the wall clock (seconds since the Unix epoch) for a
    /// request that carries no time of its own.
    pub fn serve(&self, request: &Value, clock: &dyn Fn() -> i64) -> Result<Value, String> {
        (self.serve)(request, clock).map_err(|e| format!("not a {} request: {e}", self.name))
    }

    /// The request in canonical JSON form: parsed by the service's core and written back, so
    /// every field (defaults included) is explicit and the defaults live in one place.
    pub fn canonical(&self, request: &Value) -> Result<Value, String> {
        (self.canonical)(request).map_err(|e| format!("not a {} request: {e}", self.name))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn the_table_follows_service_all() {
        assert_eq!(SPECS.len(), Service::ALL.len());
        for (spec, service) in SPECS.iter().zip(Service::ALL) {
            assert_eq!(spec.service, service);
            assert_eq!(spec.name, service.name());
            assert!(std::ptr::eq(service.spec(), spec));
        }
    }

    /// The package name in `<dir>/Cargo.toml`, if there is one.
    fn package_name(dir: &Path) -> Option<String> {
        let text = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
        let name = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("name = "))?
            .trim_matches('"');
        Some(name.to_owned())
    }

    /// A service is a folder `components/<name>/` with `core/`, `component/` or `command/`
    /// crates and a `wit/<name>/` world: each must be in the table, with the crates it names.
    #[test]
    fn every_service_folder_is_registered() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&root).unwrap() {
            let dir = entry.unwrap().path();
            let crates: Vec<String> = ["core", "component", "command"]
                .iter()
                .filter_map(|form| package_name(&dir.join(form)))
                .collect();
            if crates.is_empty() {
                continue;
            }
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let spec = Spec::named(&name).unwrap_or_else(|| {
                panic!("components/{name}/ holds service crates {crates:?} but the registry has no `{name}`")
            });
            assert_eq!(
                crates,
                [spec.crates.core, spec.crates.component, spec.crates.command],
                "components/{name}/'s crates"
            );
            found.push(name);
        }
        for spec in &SPECS {
            assert!(
                found.iter().any(|n| n == spec.name),
                "no components/{}/",
                spec.name
            );
            let wit = root.join(format!("../wit/{0}/{0}.wit", spec.name));
            let wit =
                std::fs::read_to_string(&wit).unwrap_or_else(|e| panic!("{}: {e}", wit.display()));
            assert!(
                wit.contains(&format!("\nworld {} {{", spec.wit.world)),
                "wit/{0}/{0}.wit has no world {1}",
                spec.name,
                spec.wit.world
            );
        }
    }

    #[test]
    fn the_native_core_serves_and_canonicalises() {
        let token = Spec::named("token").unwrap();
        let refusal = token
            .serve(
                &serde_json::json!({"config": {"jwks": "{}"}, "token": "x", "now": 0}),
                &|| 0,
            )
            .unwrap();
        assert!(refusal["err"]["code"].is_string(), "{refusal}");
        assert!(
            token
                .serve(&serde_json::json!({"token": 1}), &|| 0)
                .is_err()
        );
        let canonical = token
            .canonical(&serde_json::json!({"config": {"jwks": "{}"}, "token": "x"}))
            .unwrap();
        assert!(canonical["config"]["policy"].is_object(), "{canonical}");
    }
}
