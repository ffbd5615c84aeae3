/**
 * The headers every answer of the hub itself carries (API, dashboard, error pages): no other
 * site may frame the hub (clickjacking), browsers must not guess types, and the dashboard may
 * load nothing from anywhere but the hub. Sandboxes' answers (`/user/…`) never come through
 * here: they go from Node's server straight to the proxy (see app.ts), so a sandbox keeps its
 * own policy and the hub's does not break Jupyter.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * The hub's Content-Security-Policy (CSP Level 3). Scripts, fonts, images and connections
 * ('self' covers the dashboard's fetch and EventSource) come from the hub only. Styles also
 * allow 'unsafe-inline' because MUI's styling engine, emotion, injects <style> elements at run
 * time; a nonce would need a fresh index.html per answer, and inline styles cannot run code.
 * `data:` images are for the SVG icons MUI may inline. No plugins, no <base>, forms only to
 * the hub, and no framing by anyone (`frame-ancestors 'none'`, with X-Frame-Options for
 * browsers without CSP 2).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Header name → value, set on every answer of the hub's own (not on proxied sandbox answers). */
export const HUB_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  // The hub's URLs (sandbox names, ?next=) stay on the hub; links elsewhere get no Referer.
  'referrer-policy': 'same-origin',
};

/**
 * Sets HUB_SECURITY_HEADERS on the raw response as soon as a request arrives, so answers that
 * bypass Fastify's reply (hijacked event streams, static files, error pages) carry them too.
 */
export const securityHeaders = fp(async (app: FastifyInstance) => {
  app.addHook('onRequest', async (_request, reply) => {
    for (const [name, value] of Object.entries(HUB_SECURITY_HEADERS)) reply.raw.setHeader(name, value);
  });
});
