// The token-verifier world (wit/token/token.wit) through jco's bindings.
import { createThen, toJs } from './common.mjs';

export function call(component, request) {
  const { Verifier } = component.verifier;
  const now = request.now === undefined || request.now === null ? undefined : BigInt(request.now);
  return createThen(
    () => Verifier.create(toJs(request.config)),
    (verifier) => verifier.verify(request.token, now),
    // WIT carries the claims as JSON text; the JSON form has the object.
    (v) => ({ alg: v.alg, kid: v.kid ?? null, claims: JSON.parse(v.claims) }),
  );
}
