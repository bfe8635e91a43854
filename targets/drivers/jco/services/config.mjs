// The config-validator world (wit/config/config.wit) through jco's bindings.
import { createThen, toJs } from './common.mjs';

export function call(component, request) {
  const { Validator } = component.validator;
  return createThen(
    () => Validator.create(toJs(request.config)),
    (validator) => validator.validate(request.schema, request.document, request.format),
  );
}
