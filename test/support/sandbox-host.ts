/**
 * Talking to a sandbox's own origin from Node: `*.localhost` names resolve to loopback in
 * browsers (RFC 6761 §6.3) but not in Node's resolver, so requests go to 127.0.0.1 with the
 * sandbox's Host header, as a browser's would arrive. Also the sign-in handshake a browser goes
 * through, step by step.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import type { TestHub } from './hub.js';

export interface HostReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request to the hub's port with `host` as the Host header. */
export function hostRequest(
  t: TestHub,
  host: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HostReply> {
  const port = new URL(t.url).port;
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: { host: `${host}:${port}`, ...options.headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Signs `username` in on the hub; returns the Cookie header a browser would send the hub (session and CSRF). */
export async function hubSession(t: TestHub, username: string, password = `${username}-password-123`): Promise<string> {
  const res = await fetch(`${t.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in of ${username}: ${res.status}`);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
}

/** The hub's answer to `/api/sandboxes/authorize` for a browser with `hubCookie`. */
export function authorize(t: TestHub, hubCookie: string | null, label: string, next: string): Promise<Response> {
  return fetch(`${t.url}/api/sandboxes/authorize?host=${label}&next=${encodeURIComponent(next)}`, {
    redirect: 'manual',
    headers: { accept: 'text/html', ...(hubCookie ? { cookie: hubCookie } : {}) },
  });
}

/** The one-time code in an authorize redirect. */
export function codeOf(location: string | null): string {
  const code = location === null ? null : new URL(location).searchParams.get('code');
  if (!code) throw new Error(`no code in ${location}`);
  return code;
}

/** The whole handshake: returns the `shiva_sandbox=…` pair the sandbox host set. */
export async function sandboxCookie(t: TestHub, hubCookie: string, label: string, next: string): Promise<string> {
  const issued = await authorize(t, hubCookie, label, next);
  if (issued.status !== 302) throw new Error(`authorize ${label}: ${issued.status} ${await issued.text()}`);
  const callback = await hostRequest(t, `${label}.localhost`, `/_shiva/callback?code=${codeOf(issued.headers.get('location'))}`, { headers: { accept: 'text/html' } });
  const set = callback.headers['set-cookie']?.[0];
  if (callback.status !== 302 || !set) throw new Error(`callback on ${label}: ${callback.status} ${callback.body}`);
  return set.split(';')[0]!;
}
