/**
 * The processes the SSH gateway starts inside a sandbox, as argv for Runtime.exec. Each runs as
 * the sandbox's own user, so files it writes are the user's and it can reach only what the user
 * can. They assume no more of an image than a POSIX sh and getent (libc), and say in plain words
 * what is missing when an image lacks the rest.
 */

/**
 * The user's login shell from the passwd entry the sandbox made for them (OpenSSH runs the
 * same: sshd(8) LOGIN PROCESS), falling back to /bin/sh. Interactive (`command` absent): a login
 * shell, as `ssh host` gives. With `command`: `<shell> -c command`, as `ssh host command` runs
 * it, so VS Code's and rsync's commands behave as under OpenSSH.
 */
export function shellCommand(command?: string): string[] {
  const pick = 'shell=$(getent passwd "$(id -u)" | cut -d: -f7); [ -x "$shell" ] || shell=/bin/sh; ';
  if (command === undefined) return ['/bin/sh', '-c', `${pick}cd "$HOME" 2>/dev/null; exec "$shell" -l`];
  return ['/bin/sh', '-c', `${pick}cd "$HOME" 2>/dev/null; exec "$shell" -c "$1"`, 'sh', command];
}

/** Where Debian, Red Hat and Arch put OpenSSH's SFTP server. */
const SFTP_SERVERS = ['/usr/lib/openssh/sftp-server', '/usr/libexec/openssh/sftp-server', '/usr/lib/ssh/sftp-server'];

/**
 * OpenSSH's own SFTP server, run in the sandbox so that permissions are the user's; 127 with a
 * message on stderr when the image has none.
 */
export function sftpServerCommand(): string[] {
  const tries = SFTP_SERVERS.map((p) => `[ -x ${p} ] && exec ${p}`).join('; ');
  return ['/bin/sh', '-c', `cd "$HOME" 2>/dev/null; ${tries}; echo "this sandbox's image has no SFTP server (Debian: apt-get install openssh-sftp-server)" >&2; exit 127`];
}

/** What the relay writes on stderr once connected: the gateway then confirms the channel. */
export const RELAY_CONNECTED = 'connected';

/**
 * A TCP relay for `ssh -L`: connects to host:port from inside the sandbox, says RELAY_CONNECTED
 * on stderr, then copies stdin to the socket and the socket to stdout, passing each end of
 * input on as a half close. On failure it says `refused <reason>` on stderr and exits 1. Python
 * because every Jupyter image has it; an image without it refuses forwarding with exit 127.
 */
export function relayCommand(host: string, port: number): string[] {
  return ['python3', '-c', RELAY, host, String(port)];
}

const RELAY = `
import os, socket, sys, threading
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
except OSError as e:
    os.write(2, ("refused %s\\n" % (e.strerror or e)).encode())
    sys.exit(1)
s.settimeout(None)
os.write(2, b"${RELAY_CONNECTED}\\n")
def up():
    while True:
        b = os.read(0, 65536)
        if not b:
            break
        s.sendall(b)
    try:
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass
threading.Thread(target=up, daemon=True).start()
while True:
    try:
        b = s.recv(65536)
    except OSError:
        break
    if not b:
        break
    v = memoryview(b)
    while v:
        v = v[os.write(1, v):]
os._exit(0)
`;
