/**
 * Calling the API of a hub that runs as its own process (see process.ts), the way a script
 * would: a token for the admin by HTTP Basic, then JSON requests with that token.
 */

/**
 * Creates an API token named `name` for the admin, signing in with HTTP Basic and `password`
 * (what SHIVA_ADMIN_PASSWORD gave the hub). Fails with the hub's answer unless it is 201.
 */
export async function createAdminToken(url: string, password: string, name: string): Promise<string> {
  const basic = Buffer.from(`admin:${password}`).toString('base64');
  const created = await fetch(`${url}/api/tokens`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  if (created.status !== 201) throw new Error(`admin token: HTTP ${created.status} ${await created.text()}`);
  return ((await created.json()) as { token: string }).token;
}

/**
 * Sends `method` to `url` + `urlPath` with `token` as a bearer, and `body` as JSON when given;
 * answers the status and the JSON body (typed `T`, not checked).
 */
export async function callApi<T>(url: string, token: string, method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${url}${urlPath}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as T };
}
