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

  it('keeps one source from filling the room, and when full lets a newcomer in by cutting the busiest source\'s oldest', () => {
    const room = new WaitingRoom({ graceMs: 30_000, perAddress: 2, total: 3 });
    const [first, second] = [socket('10.0.0.1'), socket('10.0.0.1')];
    expect([room.admit(first), room.admit(second), room.admit(socket('10.0.0.1'))]).toEqual(['admitted', 'admitted', 'address_full']);
    const other = socket('10.0.0.2');
    expect(room.admit(other)).toBe('admitted');
    expect(room.admit(socket('10.0.0.3'))).toBe('admitted_evicting');
    expect([first.destroyed, second.destroyed, other.destroyed]).toEqual([true, false, false]);
    expect(room.size).toBe(3);
  });

  it('counts an IPv6 /64 as one source, and an IPv4-mapped address as its IPv4', () => {
    const room = new WaitingRoom({ graceMs: 30_000, perAddress: 2, total: 10 });
    expect([room.admit(socket('2001:db8:1:2::1')), room.admit(socket('2001:db8:1:2:ffff::9')), room.admit(socket('2001:db8:1:2:0:0:0:7'))]).toEqual(['admitted', 'admitted', 'address_full']);
    expect(room.admit(socket('2001:db8:1:3::1'))).toBe('admitted');
    expect([room.admit(socket('::ffff:10.0.0.9')), room.admit(socket('10.0.0.9')), room.admit(socket('::ffff:10.0.0.9'))]).toEqual(['admitted', 'admitted', 'address_full']);
  });
});
