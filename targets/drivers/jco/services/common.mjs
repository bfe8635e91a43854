// Shared glue: the JSON form (kebab-case WIT names) <-> jco's JS bindings (camelCase
// fields, `undefined` for none, results' errors thrown as ComponentError with a `payload`).
// The harness sends canonical requests (every field present), so glue needs no defaults.

const camel = (name) => name.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
const kebab = (name) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** JSON form -> JS bindings: camelCase keys, null -> undefined. */
export function toJs(value) {
  if (value === null) return undefined;
  if (Array.isArray(value)) return value.map(toJs);
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [camel(k), toJs(v)]));
  }
  return value;
}

/** JS bindings -> JSON form: kebab-case keys, undefined -> null, bytes -> base64, bigint -> number. */
export function fromJs(value) {
  if (value === undefined || value === null) return null;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(fromJs);
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [kebab(k), fromJs(v)]));
  }
  return value;
}

/** Calls `f`; returns WIT's result in JSON form: {ok: value} or {err: payload}. */
export function result(f, ok = fromJs) {
  try {
    return { ok: ok(f()) };
  } catch (e) {
    if (e && e.constructor && e.constructor.name === 'ComponentError' && 'payload' in e) {
      return { err: fromJs(e.payload) };
    }
    throw e;
  }
}

/** `create` the service's resource from `config`, then `call` it: both results in one. */
export function createThen(create, call, ok = fromJs) {
  const created = result(create, (v) => v);
  return created.err ? created : result(() => call(created.ok), ok);
}
