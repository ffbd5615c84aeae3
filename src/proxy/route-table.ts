/**
 * The in-memory table of where each `/user/<user>/<name>/` goes, and the parser that finds
 * `<user>` and `<name>` in a request's URL. Both sit on the path of every proxied request, so
 * lookups allocate nothing and the parser scans the string once.
 */
import { isValidName } from '../contract/names.js';
import { sandboxLabel } from '../contract/sandbox-host.js';
import type { ProxyRoute } from './types.js';

export class RouteTable {
  /** user → name → route: two map lookups, no key string built per request. */
  readonly #byUser = new Map<string, Map<string, ProxyRoute>>();
  readonly #bySandboxId = new Map<string, ProxyRoute>();
  /** DNS label (contract/sandbox-host.ts) → route, for requests on a sandbox's own origin. */
  readonly #byLabel = new Map<string, ProxyRoute>();
  #size = 0;
  readonly #removed: Array<(sandboxId: string) => void> = [];

  /**
   * Calls `listener` with a sandbox's id when it stops being routed (its route is deleted, or
   * its address is given to another sandbox); not when its route is only set again. The proxy
   * ends that sandbox's open tunnels then. Returns the function that unsubscribes.
   */
  onRemoved(listener: (sandboxId: string) => void): () => void {
    this.#removed.push(listener);
    return () => {
      const at = this.#removed.indexOf(listener);
      if (at !== -1) this.#removed.splice(at, 1);
    };
  }

  /** Adds the route, or replaces the one at the same `user/name`. */
  set(route: ProxyRoute): void {
    // A sandbox has one address; if it was routed under another name, that route goes.
    const sameSandbox = this.#bySandboxId.get(route.sandboxId);
    if (sameSandbox && (sameSandbox.user !== route.user || sameSandbox.name !== route.name)) {
      this.delete(sameSandbox.user, sameSandbox.name);
    }
    let names = this.#byUser.get(route.user);
    if (!names) {
      names = new Map();
      this.#byUser.set(route.user, names);
    }
    const previous = names.get(route.name);
    let replaced: string | null = null;
    if (previous) {
      if (this.#bySandboxId.get(previous.sandboxId) === previous) {
        this.#bySandboxId.delete(previous.sandboxId);
        if (previous.sandboxId !== route.sandboxId) replaced = previous.sandboxId;
      }
    } else {
      this.#size++;
    }
    const entry: ProxyRoute = Object.freeze({ ...route, target: Object.freeze({ ...route.target }) });
    names.set(route.name, entry);
    this.#bySandboxId.set(route.sandboxId, entry);
    this.#byLabel.set(sandboxLabel(route.user, route.name), entry);
    if (replaced !== null) this.#notifyRemoved(replaced);
  }

  /** Removes the route at `user/name`; true if there was one. */
  delete(user: string, name: string): boolean {
    const names = this.#byUser.get(user);
    const route = names?.get(name);
    if (!names || !route) return false;
    names.delete(name);
    if (names.size === 0) this.#byUser.delete(user);
    this.#byLabel.delete(sandboxLabel(user, name));
    this.#size--;
    if (this.#bySandboxId.get(route.sandboxId) === route) {
      this.#bySandboxId.delete(route.sandboxId);
      this.#notifyRemoved(route.sandboxId);
    }
    return true;
  }

  #notifyRemoved(sandboxId: string): void {
    for (const listener of this.#removed) listener(sandboxId);
  }

  get(user: string, name: string): ProxyRoute | undefined {
    return this.#byUser.get(user)?.get(name);
  }

  /** The route of the sandbox served at `<label>.<sandbox domain>`. */
  byLabel(label: string): ProxyRoute | undefined {
    return this.#byLabel.get(label);
  }

  bySandboxId(sandboxId: string): ProxyRoute | undefined {
    return this.#bySandboxId.get(sandboxId);
  }

  list(): ProxyRoute[] {
    const out: ProxyRoute[] = [];
    for (const names of this.#byUser.values()) for (const route of names.values()) out.push(route);
    return out;
  }

  get size(): number {
    return this.#size;
  }

  clear(): void {
    const removed = [...this.#bySandboxId.keys()];
    this.#byUser.clear();
    this.#bySandboxId.clear();
    this.#byLabel.clear();
    this.#size = 0;
    for (const sandboxId of removed) this.#notifyRemoved(sandboxId);
  }
}

export interface UserPath {
  user: string;
  name: string;
  /**
   * Index in the URL just past `/user/<user>/<name>`. When the URL has no `/` there (it is
   * `/user/alice/main` or `/user/alice/main?x`), `needsSlash` is true and the caller redirects
   * to the same URL with the slash inserted at this index, as JupyterHub does.
   */
  prefixEnd: number;
  needsSlash: boolean;
}

const PREFIX = '/user/';
const SLASH = 0x2f;
const QUESTION = 0x3f;
const encodedDot = /%2e/gi;

/**
 * Finds `<user>` and `<name>` in a request URL of the form `/user/<user>/<name>[/…][?…]`.
 * Null when the URL has another shape, a name breaks the name pattern, or the path holds a dot
 * segment (`.`, `..`, or their percent-encoded forms) anywhere: a sandbox's server or a proxy
 * in front could resolve those differently from us, so such paths are refused, not normalised.
 */
export function parseUserPath(url: string): UserPath | null {
  if (!url.startsWith(PREFIX)) return null;
  const userEnd = url.indexOf('/', PREFIX.length);
  if (userEnd === -1) return null;
  const user = url.slice(PREFIX.length, userEnd);
  let nameEnd = userEnd + 1;
  const length = url.length;
  while (nameEnd < length) {
    const c = url.charCodeAt(nameEnd);
    if (c === SLASH || c === QUESTION) break;
    nameEnd++;
  }
  const name = url.slice(userEnd + 1, nameEnd);
  if (!isValidName(user) || !isValidName(name)) return null;
  const needsSlash = nameEnd === length || url.charCodeAt(nameEnd) === QUESTION;
  if (!needsSlash) {
    let pathEnd = url.indexOf('?', nameEnd);
    if (pathEnd === -1) pathEnd = length;
    if (hasDotSegment(url, nameEnd, pathEnd)) return null;
  }
  return { user, name, prefixEnd: nameEnd, needsSlash };
}

/** True when a segment of `url` between `from` (a `/`) and `to` is `.` or `..`, plain or encoded. */
function hasDotSegment(url: string, from: number, to: number): boolean {
  const dot = url.indexOf('.', from);
  const pct = url.indexOf('%', from);
  if ((dot === -1 || dot >= to) && (pct === -1 || pct >= to)) return false;
  let start = from + 1;
  while (start <= to) {
    let end = url.indexOf('/', start);
    if (end === -1 || end > to) end = to;
    const len = end - start;
    // The longest spelling of a dot segment is `%2e%2e`.
    if (len >= 1 && len <= 6) {
      const segment = url.slice(start, end).replace(encodedDot, '.');
      if (segment === '.' || segment === '..') return true;
    }
    start = end + 1;
  }
  return false;
}
