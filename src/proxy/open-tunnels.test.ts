import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ClientTunnel, OpenTunnels, type TunnelKind } from './open-tunnels.js';
import type { ProxyIdentity } from './types.js';

const alice: ProxyIdentity = { userId: 1, username: 'alice', admin: false, via: 'session', credentialId: 'session-hash-of-alice' };
const bob: ProxyIdentity = { userId: 2, username: 'bob', admin: false, via: 'token', credentialId: 'tok_bob' };

/** The client's side of a tunnel: destroying it emits close, as sockets and responses do. */
class FakeStream extends EventEmitter {
  destroyed = false;
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
}

function logger() {
  const infos: Array<Record<string, unknown>> = [];
  return { infos, log: { info: (obj: object) => infos.push(obj as Record<string, unknown>), warn: () => {}, error: () => {} } };
}

function open(tunnels: OpenTunnels, identity: ProxyIdentity, sandboxId = 's1', kind: TunnelKind = 'websocket', since?: number) {
  const stream = new FakeStream();
  const added = tunnels.track(new ClientTunnel(kind, identity, sandboxId, false, stream), stream, since);
  return { stream, added };
}

describe('OpenTunnels', () => {
  it("ends only the tunnels an ending selects, and logs each with user, sandbox and reason but never a session's id", () => {
    const { infos, log } = logger();
    const tunnels = new OpenTunnels(log);
    const a = open(tunnels, alice);
    const b = open(tunnels, bob);
    expect(tunnels.end((t) => t.identity.userId === alice.userId, 'signed out')).toBe(1);
    expect(a.stream.destroyed).toBe(true);
    expect(b.stream.destroyed).toBe(false);
    expect(tunnels.size).toBe(1);
    expect(infos).toEqual([{ user: 'alice', sandbox: 's1', kind: 'websocket', via: 'session', asAdmin: false, reason: 'signed out' }]);
    expect(JSON.stringify(infos)).not.toContain(alice.credentialId);
  });

  it('forgets a tunnel when its client side closes by itself', () => {
    const tunnels = new OpenTunnels(logger().log);
    const a = open(tunnels, alice);
    expect(tunnels.size).toBe(1);
    a.stream.destroy();
    expect(tunnels.size).toBe(0);
  });

  it('keeps the others when tunnels close in any order, and ends exactly those still open', () => {
    const tunnels = new OpenTunnels(logger().log);
    const all = ['s1', 's2', 's3', 's4'].map((id) => open(tunnels, alice, id));
    all[1]!.stream.destroy();
    all[3]!.stream.destroy();
    all[3]!.stream.destroy();
    expect(tunnels.size).toBe(2);
    const ended: string[] = [];
    expect(tunnels.end((t) => (ended.push(t.sandboxId), true), 'signed out')).toBe(2);
    expect(ended.sort()).toEqual(['s1', 's3']);
    expect(tunnels.size).toBe(0);
    expect(open(tunnels, alice, 's5').added).toBe(true);
    expect(tunnels.size).toBe(1);
  });

  it('does not add a tunnel whose client side is already gone', () => {
    const tunnels = new OpenTunnels(logger().log);
    const stream = new FakeStream();
    stream.destroy();
    expect(tunnels.track(new ClientTunnel('request', alice, 's1', false, stream), stream)).toBe(false);
    expect(tunnels.size).toBe(0);
  });

  it('ends at once a tunnel whose credential ended while its identity was being checked', () => {
    const tunnels = new OpenTunnels(logger().log);
    const since = tunnels.endings;
    tunnels.end((t) => t.identity.credentialId === alice.credentialId, 'signed out');
    const late = open(tunnels, alice, 's1', 'websocket', since);
    expect(late.added).toBe(false);
    expect(late.stream.destroyed).toBe(true);
    const other = open(tunnels, bob, 's1', 'websocket', since);
    expect(other.added).toBe(true);
    expect(tunnels.size).toBe(1);
  });

  it('ends a late tunnel when the endings since its check are too many to be remembered', () => {
    const tunnels = new OpenTunnels(logger().log);
    const since = tunnels.endings;
    for (let i = 0; i < 1_001; i++) tunnels.end(() => false, 'something else');
    expect(open(tunnels, bob, 's1', 'websocket', since).added).toBe(false);
    expect(open(tunnels, bob, 's1', 'websocket').added).toBe(true);
  });

  it("ends the proxied tunnels into a stopped sandbox but leaves its event streams, which end with its last event", () => {
    const tunnels = new OpenTunnels(logger().log);
    const socket = open(tunnels, alice, 's1', 'websocket');
    const request = open(tunnels, alice, 's1', 'request');
    const events = open(tunnels, alice, 's1', 'events');
    const elsewhere = open(tunnels, alice, 's2', 'websocket');
    expect(tunnels.endSandbox('s1', 'the sandbox is no longer running')).toBe(2);
    expect([socket.stream.destroyed, request.stream.destroyed, events.stream.destroyed, elsewhere.stream.destroyed]).toEqual([true, true, false, false]);
  });

  it('ends everything when cleared', () => {
    const tunnels = new OpenTunnels(logger().log);
    const a = open(tunnels, alice);
    const b = open(tunnels, bob, 's2', 'events');
    tunnels.clear();
    expect([a.stream.destroyed, b.stream.destroyed, tunnels.size]).toEqual([true, true, 0]);
  });
});
