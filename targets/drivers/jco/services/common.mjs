// Shared glue: JSON form (kebab-case WIT names) <-> jco's JS bindings (camelCase, result
// errors thrown as ComponentError with a `payload`, options as undefined).

export function camel(name) {
  return name.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
}

/** Calls `f`; returns the JSON form of WIT's result: {ok: value} or {err: payload}. */
export function result(f, ok = (v) => v, err = (e) => e) {
  try {
    return { ok: ok(f()) };
  } catch (e) {
    if (e && e.constructor && e.constructor.name === 'ComponentError' && 'payload' in e) {
      return { err: err(e.payload) };
    }
    throw e;
  }
}
