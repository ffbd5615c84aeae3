import { describe, expect, it } from 'vitest';
import { sandboxOrigins } from './origins.js';

describe('sandbox origins', () => {
  it('gives each sandbox a *.localhost origin on the hub port when the hub is on loopback', () => {
    for (const hub of ['http://127.0.0.1:8000', 'http://localhost:8000', 'http://[::1]:8000']) {
      const origins = sandboxOrigins(hub, undefined);
      expect(origins.mode).toBe('localhost');
      expect(origins.url('alice', 'main')).toBe('http://main--alice.localhost:8000/user/alice/main/');
      expect(origins.originOf('main--alice')).toBe('http://main--alice.localhost:8000');
      expect(origins.labelOf('main--alice.localhost:8000')).toBe('main--alice');
      expect(origins.labelOf('MAIN--Alice.LocalHost:8000')).toBe('main--alice');
    }
  });

  it('reads no sandbox from the hub host, another port, a nested name or a bad label', () => {
    const origins = sandboxOrigins('http://127.0.0.1:8000', undefined);
    for (const host of [undefined, '127.0.0.1:8000', 'localhost:8000', 'main--alice.localhost:9000', 'main--alice.localhost', 'a.main--alice.localhost:8000', '-x.localhost:8000', '.localhost:8000', 'x_y.localhost:8000']) {
      expect(origins.labelOf(host)).toBeNull();
    }
  });

  it('serves sandboxes under the sandbox domain with the public scheme and port', () => {
    const origins = sandboxOrigins('https://hub.example.com', 'sandboxes.example.net');
    expect(origins.mode).toBe('domain');
    expect(origins.secure).toBe(true);
    expect(origins.hubOrigin).toBe('https://hub.example.com');
    expect(origins.url('bob', 'lab')).toBe('https://lab--bob.sandboxes.example.net/user/bob/lab/');
    expect(origins.labelOf('lab--bob.sandboxes.example.net')).toBe('lab--bob');
    expect(origins.labelOf('lab--bob.sandboxes.example.net:8443')).toBeNull();
    expect(origins.labelOf('hub.example.com')).toBeNull();
    const withPort = sandboxOrigins('https://hub.example.com:8443', 'sb.example.net');
    expect(withPort.originOf('lab--bob')).toBe('https://lab--bob.sb.example.net:8443');
    expect(withPort.labelOf('lab--bob.sb.example.net:8443')).toBe('lab--bob');
  });

  it('falls back to the path form on the hub origin when the hub is elsewhere and has no sandbox domain', () => {
    const origins = sandboxOrigins('http://hub.lan:8000', undefined);
    expect(origins.mode).toBe('path-only');
    expect(origins.url('alice', 'main')).toBe('http://hub.lan:8000/user/alice/main/');
    expect(origins.originOf('main--alice')).toBe('http://hub.lan:8000');
    expect(origins.labelOf('main--alice.localhost:8000')).toBeNull();
  });
});
