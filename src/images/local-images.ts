/**
 * Which catalogue images a machine holds, from its engine's image list (Runtime.listImages): a
 * catalogue reference is matched against the names the engine lists, in the engine's short
 * forms (Docker drops `docker.io/` and `library/`, and a name without a tag means `:latest`).
 */
import type { LocalImage } from '../runtime/types.js';

/** `ref` as an engine lists it: `python` → `python:latest`, `docker.io/library/python:3` → `python:3`. */
export function listedName(ref: string): string {
  let name = ref.replace(/^(docker\.io|index\.docker\.io)\//, '');
  if (name !== ref) name = name.replace(/^library\//, '');
  const at = name.indexOf('@');
  // A digest names one manifest whatever the tag says: engines list it as repository@digest.
  if (at !== -1) return `${name.slice(0, at).replace(/:[\w][\w.-]*$/, '')}${name.slice(at)}`;
  const lastPart = name.slice(name.lastIndexOf('/') + 1);
  return lastPart.includes(':') ? name : `${name}:latest`;
}

/** Each of `refs` that one of `images` is listed under, with that image. */
export function presentImages(images: readonly LocalImage[], refs: Iterable<string>): Map<string, LocalImage> {
  const byName = new Map<string, LocalImage>();
  for (const image of images) for (const name of [...image.tags, ...image.digests]) byName.set(name, image);
  const present = new Map<string, LocalImage>();
  for (const ref of refs) {
    const image = byName.get(listedName(ref));
    if (image) present.set(ref, image);
  }
  return present;
}
