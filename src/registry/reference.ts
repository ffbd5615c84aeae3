/**
 * What a repository name, a tag and a digest may be, from distribution's reference grammar
 * (github.com/distribution/reference, `reference.go`): checked before they go into a URL path,
 * so that no input can reach another endpoint of the registry.
 */

/** `path-component ('/' path-component)*`, each `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`; 255 characters at most. */
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
/** `[\w][\w.-]{0,127}`. */
const TAG = /^[\w][\w.-]{0,127}$/;
/** `algorithm:hex`; sha256 and sha512 are what registries use. */
const DIGEST = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;

export const isRepository = (name: string): boolean => name.length <= 255 && REPOSITORY.test(name);
export const isTag = (tag: string): boolean => TAG.test(tag);
export const isDigest = (digest: string): boolean => DIGEST.test(digest);
