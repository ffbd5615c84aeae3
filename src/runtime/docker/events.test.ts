/** Docker's event lines read as the Runtime contract's events, and cursors in the engine's time form. */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { engineTime, eventsOptions, readEvents, toContainerEvent } from './events.js';

const line = (over: Record<string, unknown>) =>
  JSON.stringify({
    Type: 'container',
    Action: 'die',
    Actor: { ID: 'abc', Attributes: { exitCode: '137', 'org.shiva.deployment': 'd1', name: 'x' } },
    time: 1700000000,
    timeNano: 1700000000123456789,
    ...over,
  });

describe('Docker container events', () => {
  it('writes a cursor as seconds with nine digits of nanoseconds', () => {
    expect(engineTime('1700000000000000007')).toBe('1700000000.000000007');
    expect(engineTime('5')).toBe('0.000000005');
  });

  it('asks the engine for container events of the deployment label only, from the cursor', () => {
    const options = eventsOptions({ labels: { 'org.shiva.deployment': 'd1' }, since: '1700000000500000000' });
    expect(options).toEqual({
      since: '1700000000.500000000',
      filters: { type: ['container'], event: ['oom', 'kill', 'die', 'stop', 'destroy'], label: ['org.shiva.deployment=d1'] },
    });
    expect(eventsOptions({ labels: {}, since: null })).not.toHaveProperty('since');
  });

  it('reads a die with its exit code, a kill with its signal, and drops other types, actions and broken lines', () => {
    expect(toContainerEvent(line({ timeNano: '1700000000123456789' }))).toEqual({
      action: 'die',
      containerId: 'abc',
      labels: { exitCode: '137', 'org.shiva.deployment': 'd1', name: 'x' },
      exitCode: 137,
      signal: null,
      cursor: '1700000000123456789',
    });
    expect(toContainerEvent(line({ Action: 'kill', Actor: { ID: 'abc', Attributes: { signal: '9' } } }))).toMatchObject({ action: 'kill', signal: '9', exitCode: null });
    expect(toContainerEvent(line({ Action: 'kill', Actor: { ID: 'abc', Attributes: { signal: 'SIGTERM' } } }))).toMatchObject({ signal: 'SIGTERM' });
    expect(toContainerEvent(line({ Type: 'network' }))).toBeNull();
    expect(toContainerEvent(line({ Action: 'start' }))).toBeNull();
    expect(toContainerEvent('{"Type":')).toBeNull();
  });

  it("drops a signal that is not one: an image's labels are copied over the attributes and could put any text there", () => {
    for (const signal of ['killed by the admin\u001b[2J', 'SIGKILL; see https://example.invalid', '', '999'])
      expect(toContainerEvent(line({ Action: 'kill', Actor: { ID: 'abc', Attributes: { signal } } }))).toMatchObject({ action: 'kill', signal: null });
  });

  it('skips events at or before the cursor, since the engine takes `since` inclusively', async () => {
    const lines = [
      line({ timeNano: '100', Action: 'kill', Actor: { ID: 'abc', Attributes: { signal: '9' } } }),
      line({ timeNano: '200' }),
      line({ timeNano: '300', Action: 'destroy' }),
    ];
    const stream = Readable.from([`${lines.join('\n')}\n`]);
    const got: string[] = [];
    for await (const e of readEvents(stream, '200', new AbortController().signal)) got.push(`${e.action}@${e.cursor}`);
    expect(got).toEqual(['destroy@300']);
  });
});
