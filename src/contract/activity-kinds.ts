/**
 * The kinds of activity that keep a sandbox from being culled (docs/culling.md, "What counts as
 * activity"), as the `kind` of an `idle_warning_cleared` event carries them, and how the hub's
 * English text names each. Shared by the hub's messages and the dashboard's English catalogue.
 */
export type ActivityKind = 'http' | 'websocket' | 'kernel' | 'terminal' | 'gpu' | 'ssh' | 'keep';

/** What each kind of activity is, in words: "In use again (a kernel at work): …". */
export const ACTIVITY_WORDS: Readonly<Record<ActivityKind, string>> = {
  http: 'a request through the hub',
  websocket: 'a kernel or terminal connection',
  kernel: 'a kernel at work',
  terminal: 'a terminal',
  gpu: 'its GPUs at work',
  ssh: 'an SSH session',
  keep: 'Keep it running',
};
