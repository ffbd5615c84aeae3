import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WaitingRoom } from './waiting-room.js';

let port = 1000;
const socket = (address: string) => {
  const s = Object.assign(new EventEmitter(), { remoteAddress: address, remotePort: ++port, destroyed: false, destroy: () => {} });
  s.destroy = () => {
    s.destroyed = true;
    s.emit('close');
  };
  return s as unknown as Socket & { destroyed: boolean };
};

describe('the connections waiting to sign in', () => {
  afterEach(() => vi.useRealTimers());

  it('cuts one that has not signed in within the grace time, and not one that has', () => {
    vi.useFakeTimers();
    const room = new WaitingRoom({ graceMs: 30_000, perAddress: 5, total: 10 });
    const [slow, quick] = [socket('10.0.0.1'), socket('10.0.0.1')];
    expect(room.admit(slow)).toBe('admitted');
    expect(room.admit(quick)).toBe('admitted');
    room.signedIn('10.0.0.1', quick.remotePort!);
    vi.advanceTimersByTime(30_000);
    expect(slow.destroyed).toBe(true);
    expect(quick.destroyed).toBe(false);
    expect(room.size).toBe(0);
  });

  it('keeps one address from filling the room, and refuses everyone only when it is full', () => {
    const room = new WaitingRoom({ graceMs: 30_000, perAddress: 2, total: 3 });
    expect([room.admit(socket('10.0.0.1')), room.admit(socket('10.0.0.1')), room.admit(socket('10.0.0.1'))]).toEqual(['admitted', 'admitted', 'address_full']);
    const other = socket('10.0.0.2');
    expect(room.admit(other)).toBe('admitted');
    expect(room.admit(socket('10.0.0.3'))).toBe('full');
    other.destroy();
    expect(room.admit(socket('10.0.0.3'))).toBe('admitted');
  });
});
