/**
 * "The internet" for tests that must not leave the machine: a network namespace joined to the
 * host by a veth pair, with addresses from the benchmarking range 198.18.0.0/15 (RFC 2544
 * appendix C: never routed on the internet) and a tiny HTTP server inside. To a sandbox it is
 * a host out there, reached through the host's routing and NAT exactly as a package mirror
 * would be; nothing leaves the machine. Needs root (ip netns).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { waitFor } from './wait.js';

/** The system's Python, not a version manager's shim: a shim is a shell that outlives the kill. */
const PYTHON = '/usr/bin/python3';

export interface TestInternet {
  /** The server's URL, e.g. http://198.18.7.2:8080/ */
  url: string;
  /** What the server answers at `url`. */
  body: string;
  close(): Promise<void>;
}

/** Why the test internet cannot be made here, or null when it can. */
export function testInternetUnavailableReason(): string | null {
  if (process.getuid?.() !== 0) return 'a network namespace needs root';
  for (const tool of ['ip', PYTHON]) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'pipe' });
    } catch {
      return `${tool} is not installed`;
    }
  }
  return null;
}

export async function startTestInternet(): Promise<TestInternet> {
  const id = randomBytes(3).toString('hex');
  const namespace = `shiva-inet-${id}`;
  const hostSide = `shvi${id}`;
  const farSide = `shvo${id}`;
  const subnet = freeSubnet();
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
  const body = `mirror ${id}\n`;
  let server: ChildProcess | null = null;
  const close = async (): Promise<void> => {
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      server.kill('SIGKILL');
      await exited;
    }
    // Deleting the namespace deletes its end of the pair, which deletes the other end.
    for (const args of [['netns', 'del', namespace], ['link', 'del', hostSide]]) {
      try {
        ip(...args);
      } catch {
        // Never made, or gone with the namespace.
      }
    }
  };
  try {
    ip('netns', 'add', namespace);
    ip('link', 'add', hostSide, 'type', 'veth', 'peer', 'name', farSide);
    ip('link', 'set', farSide, 'netns', namespace);
    ip('addr', 'add', `${subnet}.1/24`, 'dev', hostSide);
    ip('link', 'set', hostSide, 'up');
    ip('netns', 'exec', namespace, 'ip', 'addr', 'add', `${subnet}.2/24`, 'dev', farSide);
    ip('netns', 'exec', namespace, 'ip', 'link', 'set', farSide, 'up');
    ip('netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up');
    // No default route: the host masquerades sandboxes' traffic as its own address on this
    // link, so replies need only the link's own route.
    const script = [
      'import http.server, socketserver, sys',
      'body = sys.argv[1].encode()',
      'class H(http.server.BaseHTTPRequestHandler):',
      '    def do_GET(self):',
      '        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)',
      '    def log_message(self, *a): pass',
      // HTTPServer.server_bind looks its own name up in DNS, which has no server here.
      'class S(http.server.HTTPServer):',
      '    def server_bind(self):',
      '        socketserver.TCPServer.server_bind(self); self.server_name = "mirror"; self.server_port = 8080',
      `S(("${subnet}.2", 8080), H).serve_forever()`,
    ].join('\n');
    server = spawn('ip', ['netns', 'exec', namespace, PYTHON, '-c', script, body], { stdio: 'ignore' });
    const url = `http://${subnet}.2:8080/`;
    await waitFor(
      async () => {
        if (server!.exitCode !== null) throw new Error('the test internet server exited');
        return new Promise<boolean>((resolve) => {
          const socket = net.connect(8080, `${subnet}.2`, () => resolve(true)).on('error', () => resolve(false));
          socket.setTimeout(1000, () => socket.destroy());
          socket.on('close', () => resolve(false));
        });
      },
      { timeoutMs: 10_000, what: 'the test internet server' },
    );
    return { url, body, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** 198.18.N or 198.19.N (a /24 of 198.18.0.0/15) that no interface here uses yet. */
function freeSubnet(): string {
  const used = execFileSync('ip', ['-4', '-o', 'addr', 'show'], { encoding: 'utf8' });
  for (let attempt = 0; attempt < 100; attempt++) {
    const candidate = `198.${18 + (attempt % 2)}.${1 + Math.floor(Math.random() * 254)}`;
    if (!used.includes(`${candidate}.`)) return candidate;
  }
  throw new Error('no free /24 in 198.18.0.0/15');
}
