//! What the runtimes that run core modules only share.

use conformance::Form;

/// `Target::supports` of a runtime that runs core modules only: commands, no components.
pub(crate) fn command_only(runtime: &str, form: Form) -> Result<(), String> {
    match form {
        Form::Command => Ok(()),
        _ => Err(format!(
            "{runtime} has no component model: it runs core modules only"
        )),
    }
}
