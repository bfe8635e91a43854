//! What the runtime tables (`matrix.md`, COMPATIBILITY.md, `matrix.html`) say of a runtime,
//! each in its own markup.

use crate::matrix::RuntimeInfo;

/// A runtime's cells in the runtime tables, as plain text, in the tables' order: id, kind,
/// version, forms, availability (with the reason when it is not available), settings.
pub(super) struct RuntimeRow<'a> {
    pub id: &'a str,
    pub kind: String,
    pub version: &'a str,
    pub forms: String,
    pub available: bool,
    /// `yes`, or `no: ` and the reason.
    pub availability: String,
    pub settings: &'a str,
}

impl<'a> RuntimeRow<'a> {
    pub fn of(runtime: &'a RuntimeInfo) -> RuntimeRow<'a> {
        let kind = serde_json::to_value(runtime.kind).expect("a kind serialises");
        let forms: Vec<&str> = runtime.forms.iter().map(|f| f.name()).collect();
        RuntimeRow {
            id: &runtime.id,
            kind: kind.as_str().unwrap_or("").to_owned(),
            version: &runtime.version,
            forms: forms.join(", "),
            available: runtime.available,
            availability: if runtime.available {
                "yes".to_owned()
            } else {
                format!("no: {}", runtime.reason)
            },
            settings: &runtime.settings,
        }
    }
}
