/**
 * Conditional GETs for answers that are polled (RFC 9110 §8.8.3, §13.1.2; RFC 9111 §5.2.2):
 * a strong ETag made from the answer's own bytes, `Cache-Control: private, no-cache`, and
 * `304 Not Modified` without a body when the request's If-None-Match names that tag. A browser
 * keeps such an answer and revalidates it by itself on each fetch, so a dashboard polling an
 * unchanged list pays a header, not the list.
 *
 * The tag is a hash of the bytes this requester would get, not a version number: the machines'
 * answer draws on the registry, the scheduler's ledger, live stats, the catalogue and the
 * requester's role, and a counter would be right only while every one of them remembered to
 * bump it. A hash is right by construction, and it differs wherever two answers differ, so an
 * admin's and a member's tags differ whenever their views do.
 *
 * Why this never hands one user another's answer: the comparison is always against the answer
 * made for this request's own credential, so a 304 only ever confirms bytes this requester
 * would have been sent anyway (a browser that still holds the previous user's copy gets a 304
 * only if that copy is byte for byte what the new user would get). `private` keeps shared
 * caches (a team's proxy) from storing it at all; `Vary: Authorization, Cookie` tells a browser
 * that a different sign-in is a different request, so it does not even offer the old copy.
 *
 * Written here rather than taken from @fastify/etag: that plugin tags the answers of every route
 * in its scope and leaves Cache-Control and Vary to each route, while what is wanted is these
 * three headers together, on the two polled routes only, in a few lines with no new dependency.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const REVALIDATE_CACHE_CONTROL = 'private, no-cache';
export const REVALIDATE_VARY = 'Authorization, Cookie';

/** The strong entity tag of `body`: 128 bits of its SHA-256, base64url, quoted. */
export function entityTag(body: string | Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
}

/**
 * Whether an If-None-Match header matches `tag` (RFC 9110 §13.1.2: `*`, or a list of tags
 * compared weakly, so a W/ prefix a cache may have added still matches).
 */
export function noneMatchHits(header: string | undefined, tag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const opaque = tag.replace(/^W\//, '');
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === opaque);
}

/**
 * An onSend hook for a route's successful JSON answers: tags them, marks them for
 * revalidation, and turns a repeated one into a bodiless 304. Error answers pass untouched.
 */
export async function revalidate(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  if (reply.statusCode !== 200 || (typeof payload !== 'string' && !Buffer.isBuffer(payload))) return payload;
  const tag = entityTag(payload);
  void reply.header('etag', tag).header('cache-control', REVALIDATE_CACHE_CONTROL).header('vary', REVALIDATE_VARY);
  if (!noneMatchHits(request.headers['if-none-match'], tag)) return payload;
  // A 304 repeats the validators and caching headers (RFC 9110 §15.4.5), not the representation's type or length.
  void reply.code(304).removeHeader('content-type').removeHeader('content-length');
  return null;
}
