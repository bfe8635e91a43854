// The token-verifier world (wit/token/token.wit) through jco's bindings.
import { result } from './common.mjs';

const POLICY_DEFAULTS = {
  'allowed-algorithms': [],
  'allowed-issuers': [],
  audiences: [],
  'require-exp': true,
  'leeway-seconds': 0,
  'max-age-seconds': undefined,
  'required-claims': [],
  'max-token-bytes': 8192,
};

export function call(component, request) {
  const { Verifier } = component.verifier;
  const config = request.config;
  const policy = { ...POLICY_DEFAULTS, ...(config.policy ?? {}) };
  const jwks = typeof config.jwks === 'string' ? config.jwks : JSON.stringify(config.jwks);
  const error = (e) => ({ code: e.code, message: e.message, field: e.field ?? null });
  const created = result(
    () =>
      Verifier.create({
        jwks,
        policy: {
          allowedAlgorithms: policy['allowed-algorithms'],
          allowedIssuers: policy['allowed-issuers'],
          audiences: policy.audiences,
          requireExp: policy['require-exp'],
          leewaySeconds: policy['leeway-seconds'],
          maxAgeSeconds: policy['max-age-seconds'] ?? undefined,
          requiredClaims: policy['required-claims'],
          maxTokenBytes: policy['max-token-bytes'],
        },
      }),
    (v) => v,
    error,
  );
  if (created.err) return created;
  const now = request.now === undefined || request.now === null ? undefined : BigInt(request.now);
  return result(
    () => created.ok.verify(request.token, now),
    (v) => ({ alg: v.alg, kid: v.kid ?? null, claims: JSON.parse(v.claims) }),
    error,
  );
}
