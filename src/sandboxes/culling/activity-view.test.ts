import { describe, expect, it } from 'vitest';
import type { Machine } from '../../machines/registry.js';
import { RouteTable } from '../../proxy/route-table.js';
import { ActivityRecorder } from '../activity.js';
import { CombinedActivityView, hubActivityView, newest, type ActivitySources } from './activity-view.js';
import type { ActivitySubject, LastActivity } from './types.js';

const subject: ActivitySubject = { id: 's1', username: 'alice', name: 'lab', machine: 'gpu-1', gpus: ['GPU-a'], startedAt: '2026-11-30T10:00:00Z' };
const T = Date.parse('2026-11-30T11:00:00Z');
const quiet = { warn: () => undefined, info: () => undefined, debug: () => undefined, error: () => undefined };

function sources(answers: { recorded?: LastActivity | null; jupyter?: LastActivity | null | Error; gpus?: LastActivity | null }): ActivitySources {
  return {
    recorded: () => answers.recorded ?? null,
    jupyter: async () => {
      if (answers.jupyter instanceof Error) throw answers.jupyter;
      return answers.jupyter ?? null;
    },
    gpus: () => answers.gpus ?? null,
  };
}

describe('the combined activity view', () => {
  it('answers the newest activity of all sources, with the kind of the one that saw it', async () => {
    const view = new CombinedActivityView(
      sources({ recorded: { at: T, kind: 'http' }, jupyter: { at: T + 5_000, kind: 'terminal' }, gpus: { at: T + 1_000, kind: 'gpu' } }),
      quiet,
    );
    expect(await view.lastActivity(subject, { gpuUtilisationPercent: 10 })).toEqual({ at: T + 5_000, kind: 'terminal' });
    expect(newest([null, { at: T, kind: 'keep' }, { at: T, kind: 'gpu' }])).toEqual({ at: T, kind: 'keep' });
  });

  it('answers null when no source saw anything, and leaves out a source that fails, logging it', async () => {
    expect(await new CombinedActivityView(sources({}), quiet).lastActivity(subject, { gpuUtilisationPercent: 10 })).toBeNull();
    const warned: object[] = [];
    const view = new CombinedActivityView(sources({ recorded: { at: T, kind: 'websocket' }, jupyter: new Error('boom') }), { warn: (o) => warned.push(o) });
    expect(await view.lastActivity(subject, { gpuUtilisationPercent: 10 })).toEqual({ at: T, kind: 'websocket' });
    expect(warned).toEqual([expect.objectContaining({ sandboxId: 's1', source: 'jupyter', err: 'boom' })]);
  });
});

describe("the hub's activity view", () => {
  function build() {
    let onReading: ((m: Machine) => void) | null = null;
    const activity = new ActivityRecorder();
    const routes = new RouteTable();
    const built = hubActivityView({ activity, routes, machines: { onGpuReading: (l) => void (onReading = l) }, log: quiet });
    const reading = (at: number, percent: number) =>
      onReading!({
        name: 'gpu-1',
        gpusAt: new Date(at).toISOString(),
        gpus: [{ index: 0, uuid: 'GPU-a', name: 'H200', memoryTotalBytes: 1, memoryUsedBytes: 0, utilizationPercent: percent, temperatureC: null, powerDrawW: null }],
      } as Machine);
    return { ...built, activity, reading };
  }

  it('counts GPU readings at or above the threshold asked, and the recorder with its kinds', async () => {
    const { view, activity, reading } = build();
    reading(T, 80);
    reading(T + 60_000, 2);
    expect(await view.lastActivity(subject, { gpuUtilisationPercent: 50 })).toEqual({ at: T, kind: 'gpu' });
    expect(await view.lastActivity(subject, { gpuUtilisationPercent: 1 })).toEqual({ at: T + 60_000, kind: 'gpu' });
    expect(await view.lastActivity({ ...subject, id: 's2', gpus: [] }, { gpuUtilisationPercent: 1 })).toBeNull();
    activity.touch('s1', 'keep');
    expect((await view.lastActivity(subject, { gpuUtilisationPercent: 1 }))?.kind).toBe('keep');
  });

  it("makes what it found the sandbox's last activity, for its view and the database", async () => {
    const { view, activity, reading } = build();
    reading(T, 80);
    expect(activity.last('s1')).toBeNull();
    await view.lastActivity(subject, { gpuUtilisationPercent: 50 });
    expect(activity.lastActivity('s1')).toEqual({ at: T, kind: 'gpu' });
    expect(activity.drain().get('s1')).toBe(new Date(T).toISOString());
    // Something older found later changes nothing.
    activity.observe('s1', { at: T - 1, kind: 'kernel' });
    expect(activity.lastActivity('s1')).toEqual({ at: T, kind: 'gpu' });
    expect(activity.drain().size).toBe(0);
  });

  it('keeps what the database held from before a restart, unless something newer is known', async () => {
    const { view, activity } = build();
    activity.restore('s1', '2026-11-30T11:30:00.000Z');
    expect(await view.lastActivity(subject, { gpuUtilisationPercent: 10 })).toEqual({ at: Date.parse('2026-11-30T11:30:00Z'), kind: 'http' });
    activity.touch('s1', 'ssh');
    activity.restore('s1', '2026-11-30T11:40:00.000Z');
    expect((await view.lastActivity(subject, { gpuUtilisationPercent: 10 }))?.kind).toBe('ssh');
    // The callers that know only times and batches see what they saw before kinds existed.
    expect(activity.last('s1')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect([...activity.drain().keys()]).toEqual(['s1']);
    expect(activity.drain().size).toBe(0);
  });
});
