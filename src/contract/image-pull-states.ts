/**
 * The states of a pull of a catalogue image to a machine, listed once for the hub, the CLI and
 * the dashboard (which names its event listeners after them): queued → pulling → done | failed.
 */
export const IMAGE_PULL_STATES = ['queued', 'pulling', 'done', 'failed'] as const;

export type ImagePullState = (typeof IMAGE_PULL_STATES)[number];

/** Whether a pull has ended, well or not. */
export const pullEnded = (state: ImagePullState): boolean => state === 'done' || state === 'failed';
