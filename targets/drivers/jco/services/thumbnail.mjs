// The thumbnail world (wit/thumbnail/thumbnail.wit) through jco's bindings.
import { createThen, toJs } from './common.mjs';

export function call(component, request) {
  const { Thumbnailer } = component.thumbnailer;
  const image = new Uint8Array(Buffer.from(request.image, 'base64'));
  return createThen(
    () => Thumbnailer.create(toJs(request.config)),
    (thumbnailer) => thumbnailer.thumbnail(image, toJs(request.request)),
  );
}
