#!/usr/bin/python3
"""Tiny stand-in for the notebook image, used by tests.

Same contract as shiva/notebook: listens on 0.0.0.0:8888, serves only under
SHIVA_BASE_URL (default "/"), requires JUPYTER_TOKEN as an
"Authorization: token <t>" header, an "X-Shiva-Sandbox-Secret: <t>" header
or a "?token=<t>" query parameter.

  GET  {base}api              200 {"version": "tiny"} (no token, like Jupyter)
  GET  {base}api/status       200 {"started": iso, "user": uid, ...}
  GET  {base}files/<path>     file contents from $HOME (directory: JSON list)
  PUT  {base}files/<path>     write the request body to $HOME/<path>
  ANY  {base}echo[...]        JSON echo of method, path, query, headers
                              (+ bodySize and bodySha256 when a body is sent)
  ANY  {base}misbehave/<mode> a deliberately malformed answer, for the proxy's
                              framing tests; each is followed on the same
                              connection by a forged second answer:
         te-and-cl            Transfer-Encoding: chunked and Content-Length
         extra-after-204      204 No Content, then the forged answer
  POST {base}hog/<mib>        the server allocates and keeps <mib> MiB more (memory-limit
                              tests: past its limit the kernel kills the server for memory)

TINY_FAIL_AT_START=<value> makes it exit 3 at once (launch-failure tests).
TINY_LISTEN_AFTER_MS=<n> makes it listen only n milliseconds after it starts, as a server
that takes its time to come up does (readiness and race tests).
"""
import datetime
import hashlib
import hmac
import json
import os
import re
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = 8888
CHUNK = 64 * 1024


def fail(code, message):
    sys.stderr.write("tiny: %s\n" % message)
    sys.stderr.flush()
    sys.exit(code)


if "TINY_FAIL_AT_START" in os.environ:
    fail(3, "failing at start as asked: %s" % os.environ["TINY_FAIL_AT_START"])

if "TINY_LISTEN_AFTER_MS" in os.environ:
    time.sleep(int(os.environ["TINY_LISTEN_AFTER_MS"]) / 1000)

TOKEN = os.environ.get("JUPYTER_TOKEN", "")
if not TOKEN:
    fail(2, "JUPYTER_TOKEN is empty; refusing to start without a token")

BASE = os.environ.get("SHIVA_BASE_URL", "") or "/"
if not BASE.startswith("/"):
    BASE = "/" + BASE
if not BASE.endswith("/"):
    BASE += "/"

HOME = os.path.realpath(os.environ.get("HOME") or "/home/shiva")
STARTED = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
AUTH_RE = re.compile(r"^\s*(?:token|bearer)\s+(\S+)\s*$", re.IGNORECASE)
TOKEN_IN_QUERY_RE = re.compile(r"(?i)(^|[?&])token=[^&]*")


# What POST {base}hog/<mib> has allocated, kept for the life of the server.
HELD = []


class Forbidden(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "shiva-tiny"

    def version_string(self):
        return self.server_version

    # ---------------------------------------------------------------- helpers
    def log_message(self, fmt, *args):  # default goes to stderr; we want one stdout line
        pass

    def log_request(self, code="-", size="-"):
        # called by send_response(); the line is written once the body is out
        self._status = code

    def log_line(self, size):
        path = TOKEN_IN_QUERY_RE.sub(r"\1token=[redacted]", getattr(self, "path", "") or "")
        client = self.client_address[0]
        headers = getattr(self, "headers", None)
        if headers is not None:
            client = headers.get("X-Forwarded-For", client)
        sys.stdout.write('tiny: %s "%s %s" %s %s\n' % (
            client, getattr(self, "command", None) or "-", path, getattr(self, "_status", "-"), size))
        sys.stdout.flush()

    def send_error(self, code, message=None, explain=None):
        # malformed requests handled by http.server itself
        super().send_error(code, message, explain)
        self.log_line("-")

    def send_bytes(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.log_line(len(body))

    def send_json(self, status, obj):
        self.send_bytes(status, (json.dumps(obj, indent=1) + "\n").encode(), "application/json")

    def send_error_json(self, status, message):
        self.send_json(status, {"status": status, "message": message})

    def request_body(self):
        """Yield the request body in chunks (Content-Length or chunked)."""
        te = self.headers.get("Transfer-Encoding", "").lower()
        if "chunked" in te:
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return
                left = size
                while left > 0:
                    data = self.rfile.read(min(left, CHUNK))
                    if not data:
                        return
                    left -= len(data)
                    yield data
                self.rfile.readline(3)
        else:
            left = int(self.headers.get("Content-Length") or 0)
            while left > 0:
                data = self.rfile.read(min(left, CHUNK))
                if not data:
                    return
                left -= len(data)
                yield data

    def has_body(self):
        return bool(self.headers.get("Content-Length")) or "chunked" in self.headers.get("Transfer-Encoding", "").lower()

    def drain(self):
        for _ in self.request_body():
            pass

    def authorized(self, query):
        supplied = []
        m = AUTH_RE.match(self.headers.get("Authorization", ""))
        if m:
            supplied.append(m.group(1))
        # What the hub's proxy sends for cookie-authenticated requests (see shiva_auth.py).
        if self.headers.get("X-Shiva-Sandbox-Secret") is not None:
            supplied.append(self.headers.get("X-Shiva-Sandbox-Secret").strip())
        supplied.extend(query.get("token", []))
        return any(hmac.compare_digest(t.encode(), TOKEN.encode()) for t in supplied)

    def home_path(self, rel):
        rel = urllib.parse.unquote(rel)
        parts = [p for p in rel.split("/") if p not in ("", ".")]
        if any(p == ".." for p in parts) or "\0" in rel:
            raise Forbidden()
        full = os.path.join(HOME, *parts) if parts else HOME
        real = os.path.realpath(full)
        if real != HOME and not real.startswith(HOME + os.sep):
            raise Forbidden()
        return full

    # --------------------------------------------------------------- dispatch
    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        path = url.path
        if path + "/" == BASE:
            path = BASE
        if not path.startswith(BASE):
            self.drain()
            return self.send_error_json(404, "not under base url %s" % BASE)
        rel = path[len(BASE):]

        if rel in ("api", "api/") and self.command in ("GET", "HEAD"):
            return self.send_json(200, {"version": "tiny"})

        if not self.authorized(query):
            self.drain()
            return self.send_error_json(403, "Forbidden: a valid token is required")

        if rel == "" and self.command in ("GET", "HEAD"):
            page = "<!doctype html><title>shiva tiny</title><p>shiva tiny server at %s</p>\n" % BASE
            return self.send_bytes(200, page.encode(), "text/html; charset=utf-8")
        if rel == "api/status" and self.command in ("GET", "HEAD"):
            return self.send_json(200, {
                "started": STARTED,
                "user": os.getuid(),
                "gid": os.getgid(),
                "pid": os.getpid(),
                "home": HOME,
                "base_url": BASE,
            })
        if rel == "echo" or rel.startswith("echo/") or rel.startswith("echo?"):
            return self.echo(url, query)
        if rel.startswith("hog/") and self.command == "POST":
            self.drain()
            return self.hog(rel[len("hog/"):])
        if rel.startswith("misbehave/"):
            self.drain()
            return self.misbehave(rel[len("misbehave/"):])
        if rel.startswith("files/") or rel == "files":
            try:
                target = self.home_path(rel[len("files/"):] if rel.startswith("files/") else "")
            except Forbidden:
                self.drain()
                return self.send_error_json(403, "Forbidden: path outside home")
            if self.command in ("GET", "HEAD"):
                return self.get_file(target)
            if self.command == "PUT":
                return self.put_file(target)
            self.drain()
            return self.send_error_json(405, "method not allowed")
        self.drain()
        return self.send_error_json(404, "not found: %s" % path)

    def echo(self, url, query):
        headers = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = headers[key] + ", " + value if key in headers else value
        out = {
            "method": self.command,
            "path": url.path,
            "query": url.query,
            "args": query,
            "headers": headers,
        }
        if self.has_body():
            digest, size = hashlib.sha256(), 0
            for data in self.request_body():
                digest.update(data)
                size += len(data)
            out["bodySize"] = size
            out["bodySha256"] = digest.hexdigest()
        self.send_json(200, out)

    def hog(self, mib):
        if not mib.isdigit():
            return self.send_error_json(400, "hog/<mib> takes a whole number of MiB")
        # Filled with ones, not zeros: every page is written, so the memory is really in use.
        HELD.append(b"\x01" * (int(mib) * 1024 * 1024))
        return self.send_json(200, {"heldMiB": sum(len(b) for b in HELD) // (1024 * 1024)})

    FORGED = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
              b"Cache-Control: public, max-age=31536000\r\nContent-Length: 27\r\n\r\n"
              b'{"forged": "by a sandbox"}\n')

    def misbehave(self, mode):
        # Raw bytes, not send_response: these answers are wrong on purpose.
        if mode == "te-and-cl":
            body = b"5\r\nhello\r\n0\r\n\r\n"
            head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
                    b"Content-Length: %d\r\n\r\n" % len(body))
            wire = head + body + self.FORGED
        elif mode == "extra-after-204":
            wire = b"HTTP/1.1 204 No Content\r\n\r\n" + self.FORGED
        else:
            return self.send_error_json(404, "no such misbehaviour: %s" % mode)
        self._status = "misbehave-" + mode
        self.wfile.write(wire)
        self.wfile.flush()
        # The connection stays open, as a sandbox trying to desynchronise it would keep it.
        self.close_connection = False
        self.log_line(len(wire))

    def get_file(self, target):
        if os.path.isdir(target):
            entries = []
            for name in sorted(os.listdir(target)):
                p = os.path.join(target, name)
                entries.append({"name": name, "type": "directory" if os.path.isdir(p) else "file"})
            return self.send_json(200, {"type": "directory", "entries": entries})
        try:
            with open(target, "rb") as f:
                body = f.read()
        except FileNotFoundError:
            return self.send_error_json(404, "no such file")
        except PermissionError:
            return self.send_error_json(403, "permission denied")
        self.send_bytes(200, body, "application/octet-stream")

    def put_file(self, target):
        if target == HOME or os.path.isdir(target):
            self.drain()
            return self.send_error_json(400, "cannot write a directory")
        digest, size = hashlib.sha256(), 0
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            tmp = target + ".tiny-upload"
            with open(tmp, "wb") as f:
                for data in self.request_body():
                    f.write(data)
                    digest.update(data)
                    size += len(data)
            os.replace(tmp, target)
        except PermissionError:
            self.drain()
            return self.send_error_json(403, "permission denied")
        except OSError as e:
            self.drain()
            return self.send_error_json(500, "write failed: %s" % e.strerror)
        self.send_json(201, {"path": os.path.relpath(target, HOME), "size": size, "sha256": digest.hexdigest()})

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_PATCH = do_OPTIONS = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    server = Server(("0.0.0.0", PORT), Handler)
    sys.stdout.write("tiny: listening on 0.0.0.0:%d base_url %s home %s\n" % (PORT, BASE, HOME))
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
