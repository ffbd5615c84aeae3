/**
 * The next page of a registry listing, from its `Link` header (RFC 8288 §3; the registry HTTP API
 * v2, "Pagination": `Link: </v2/_catalog?last=b&n=2>; rel="next"`). The target is resolved
 * against the URL that was asked and followed only on the same origin: a listing must not send
 * the hub, with its credentials, anywhere else.
 */

/** The `rel="next"` target of `header` resolved against `asked`; null when there is none or it leaves the origin. */
export function nextPage(header: string | undefined, asked: URL): URL | null {
  if (!header) return null;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!m) continue;
    const rels = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(m[2]!);
    const rel = (rels?.[1] ?? rels?.[2] ?? '').toLowerCase().split(/\s+/);
    if (!rel.includes('next')) continue;
    let target: URL;
    try {
      target = new URL(m[1]!, asked);
    } catch {
      return null;
    }
    return target.origin === asked.origin ? target : null;
  }
  return null;
}
