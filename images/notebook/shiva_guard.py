"""Nothing of a Shiva sandbox's notebook server answers without the sandbox's secret.

The server's port is published on the machine, where any local account can connect to it.
Jupyter's own authentication (shiva_auth.py) guards the pages and the API, but notebook 6 serves
some handlers without asking who is there: /static/, /custom/, the login page and, worst,
/nbextensions/, whose files come from the user's own ~/.local/share/jupyter/nbextensions. This
server extension puts one rule in front of all of Tornado's routing: a request that carries the
secret neither as `Authorization: token <secret>` (what the hub's proxy adds for bearer tokens,
and its readiness probe) nor as `X-Shiva-Sandbox-Secret: <secret>` (what it adds for signed-in
browsers) gets 403 before any handler runs. It only refuses; who the request is, and whether
Jupyter's XSRF check applies, stays shiva_auth.py's business.

The secret reaches this process on a file descriptor (see shiva-entry), never in its
environment, so /proc/<pid>/environ of the long-lived server does not show it. `main()` reads
it, keeps it here, hands it to shiva_auth.py the way that module takes it, and runs the server.
"""
import hmac
import os
import sys

from tornado.routing import Matcher, Rule
from tornado.web import RequestHandler

_SECRET = b""


def _carries_secret(request):
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "token" and hmac.compare_digest(value.strip().encode(), _SECRET):
        return True
    header = request.headers.get("X-Shiva-Sandbox-Secret")
    return header is not None and hmac.compare_digest(header.strip().encode(), _SECRET)


class _LacksSecret(Matcher):
    """Matches every request without the secret (an empty dict: no path arguments)."""

    def match(self, request):
        return None if _SECRET and _carries_secret(request) else {}


class _Refused(RequestHandler):
    def check_xsrf_cookie(self):
        # Refused anyway; the XSRF check would only change the words.
        pass

    def prepare(self):
        self.set_status(403)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish("Open this sandbox through the Shiva hub.\n")


def load_jupyter_server_extension(nbapp):
    """Called by notebook 6 once its Tornado application exists (NotebookApp.nbserver_extensions)."""
    if not _SECRET:
        raise SystemExit("shiva_guard: no sandbox secret; start the server with shiva_guard.main()")
    router = nbapp.web_app.default_router
    # Application.add_handlers inserts before the last rule, so index 0 stays first.
    router.rules.insert(0, router.process_rule(Rule(_LacksSecret(), _Refused)))


def main():
    """Reads the secret from the descriptor named by SHIVA_SECRET_FD, then runs the notebook server with sys.argv."""
    global _SECRET
    fd = int(os.environ.pop("SHIVA_SECRET_FD", "-1"))
    if fd < 0:
        raise SystemExit("shiva_guard: SHIVA_SECRET_FD is not set; start the container through shiva-entry")
    with os.fdopen(fd, "rb") as source:
        _SECRET = source.read().strip()
    if not _SECRET:
        raise SystemExit("shiva_guard: the sandbox secret is empty; refusing to start without one")
    # shiva_auth.py takes (and removes) it from os.environ at import; putenv() changes this
    # process's environment block, not the one the kernel shows in /proc/<pid>/environ.
    os.environ["SHIVA_SANDBOX_TOKEN"] = _SECRET.decode()
    from notebook.notebookapp import NotebookApp

    NotebookApp.launch_instance(argv=sys.argv[1:])
