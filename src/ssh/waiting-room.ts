/**
 * The connections that have not signed in yet, from their first TCP byte on: each has
 * GRACE_MS to sign in or is cut (OpenSSH's LoginGraceTime), one address may keep at most
 * PER_ADDRESS of them waiting and all addresses together TOTAL (OpenSSH's MaxStartups, without
 * its random early drop), so a client that opens sockets and says nothing cannot hold the
 * gateway's descriptors or shut others out from another address.
 *
 * It sees the socket before the SSH library does: the library only reports a connection once
 * the client has sent its version line, and a client that never sends one would otherwise wait
 * for ever.
 */
import type { Socket } from 'node:net';

export interface WaitingRoomLimits {
  graceMs: number;
  perAddress: number;
  total: number;
}

interface Waiting {
  socket: Socket;
  address: string;
  timer: NodeJS.Timeout;
}

export class WaitingRoom {
  private readonly waiting = new Map<string, Waiting>();
  private readonly perAddress = new Map<string, number>();

  constructor(private readonly limits: WaitingRoomLimits) {}

  /** Takes a new socket in, or answers why not (and the caller destroys it). */
  admit(socket: Socket): 'admitted' | 'address_full' | 'full' {
    const address = socket.remoteAddress ?? '';
    const key = keyOf(address, socket.remotePort);
    if (this.waiting.size >= this.limits.total) return 'full';
    const count = this.perAddress.get(address) ?? 0;
    if (count >= this.limits.perAddress) return 'address_full';
    this.perAddress.set(address, count + 1);
    const timer = setTimeout(() => socket.destroy(), this.limits.graceMs);
    this.waiting.set(key, { socket, address, timer });
    socket.once('close', () => this.leave(key));
    return 'admitted';
  }

  /** The connection from `address:port` signed in: it no longer waits. */
  signedIn(address: string, port: number): void {
    this.leave(keyOf(address, port));
  }

  get size(): number {
    return this.waiting.size;
  }

  private leave(key: string): void {
    const entry = this.waiting.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.waiting.delete(key);
    const left = (this.perAddress.get(entry.address) ?? 1) - 1;
    if (left <= 0) this.perAddress.delete(entry.address);
    else this.perAddress.set(entry.address, left);
  }
}

const keyOf = (address: string, port: number | undefined) => `${address}\n${port ?? 0}`;
