/**
 * Which proxied requests are a person's work and which are a page's own background traffic, so
 * that a browser tab left open does not keep a sandbox running forever (docs/culling.md, "What
 * counts as activity"). The routes are Jupyter's (Notebook 6's handlers.py files, the same
 * paths in jupyter_server and JupyterLab): what a page fetches by itself on a timer or at load
 * is read-only API and static files; what a person does is open a page or a file, or change
 * something (save, run, upload, rename, start or stop a kernel or terminal).
 */

/** GET and HEAD paths (after `/user/<user>/<name>`) that pages fetch by themselves. */
const BACKGROUND_PREFIXES: readonly string[] = [
  // Every read of the REST API: /api/status, /api/kernels and /api/kernels/<id>, /api/sessions,
  // /api/terminals, /api/contents checks and listings, /api/kernelspecs, /api/config, /api/me,
  // /api/spec.yaml, /api/nbconvert. Reading through the API is what pages do on their timers
  // (the tree page's sessions and terminals every 60 s, JupyterLab's many polls).
  '/api/',
  // JupyterLab's own API: settings, workspaces, translations, listings.
  '/lab/api/',
  // Static files: the page's scripts, styles, extensions, kernel logos.
  '/static/',
  '/nbextensions/',
  '/custom/',
  '/kernelspecs/',
  '/favicon.ico',
  '/robots.txt',
];

/**
 * Whether a request into a sandbox counts as activity: `method` as sent, `path` the URL after
 * the sandbox's prefix `/user/<user>/<name>` (starting with `/`, query included or not).
 *
 * - Any method that may change state (POST, PUT, PATCH, DELETE, and anything unknown) counts:
 *   a save, an execution through the REST API, an upload, a new kernel or terminal, a rename.
 * - OPTIONS never counts (a browser's CORS preflight is no one's work).
 * - GET and HEAD count unless they read the API or a static file (BACKGROUND_PREFIXES): opening
 *   a page (`/tree`, `/notebooks/…`, `/edit/…`, `/terminals/<n>`, `/lab`) or a file (`/files/…`,
 *   `/view/…`, `/nbconvert/…`) counts.
 *
 * Pure and allocation-free: the proxy asks it for every admitted request.
 */
export function countsAsActivity(method: string, path: string): boolean {
  if (method === 'OPTIONS') return false;
  if (method !== 'GET' && method !== 'HEAD') return true;
  for (let i = 0; i < BACKGROUND_PREFIXES.length; i++) {
    if (path.startsWith(BACKGROUND_PREFIXES[i]!)) return false;
  }
  // `/api` itself (the server's version), with or without a query.
  return !(path.startsWith('/api') && (path.length === 4 || path.charCodeAt(4) === 63 /* ? */));
}
