/**
 * What an API token may do. A session (a signed-in browser) may do everything its user may; a
 * token only what its scopes name, and never more than its owner: the `admin` scope counts
 * only while the owner is an admin.
 */
export const SCOPES = [
  'sandboxes:read',
  'sandboxes:launch',
  'sandboxes:access',
  'machines:read',
  'tokens:write',
  'account:write',
  'ssh-keys:write',
  'metrics:read',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

/** Scopes only admins may give a token: they reach every user's sandboxes or data. */
export const ADMIN_ONLY_SCOPES: readonly Scope[] = ['metrics:read', 'admin'];

/**
 * Scopes over the credentials themselves: a token with them can mint, list and revoke tokens,
 * add and remove SSH keys, or change the password (given the current one). Sessions always may; the dashboard offers
 * them unticked, so a token made for a script does not get them by accident.
 */
export const CREDENTIAL_SCOPES: readonly Scope[] = ['tokens:write', 'account:write', 'ssh-keys:write'];

export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  'sandboxes:read': 'see your sandboxes and follow their events',
  'sandboxes:launch': 'launch and stop your sandboxes',
  'sandboxes:access': 'open your sandboxes through the proxy (Jupyter, its API and kernels)',
  'machines:read': 'see machines and the image catalogue',
  'tokens:write': 'list, create and revoke your API tokens',
  'account:write': 'change your password (the current one is still needed)',
  'ssh-keys:write': 'list, add and remove your SSH keys (a key added signs in to your sandboxes)',
  'metrics:read': "read the hub's Prometheus metrics at /metrics, every user's included (only for admins)",
  admin: 'everything an admin may do (only for admins)',
};

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
