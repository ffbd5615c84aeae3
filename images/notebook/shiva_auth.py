"""Authentication of a Shiva sandbox's notebook server.

Only requests that carry the sandbox's secret get in; the hub's proxy adds it to every request
it lets through, in one of two headers:

- `Authorization: token <secret>` for requests the hub authenticated by an API token. Jupyter
  treats them as token-authenticated, which exempts them from its XSRF check: a bearer token is
  not something a browser sends on its own.
- `X-Shiva-Sandbox-Secret: <secret>` for requests the hub authenticated by a browser's cookie.
  They are let in as the same user but NOT marked token-authenticated, so Jupyter's own XSRF
  check (the `_xsrf` cookie echoed in X-XSRFToken) and its WebSocket Origin check still apply.

The proxy drops any `X-Shiva-*` header a client sends. The secret is deliberately not
the server's own `token` setting: Jupyter prints that token into every page it serves (and into
links), which would hand it to whoever opens the notebook. Cookies are ignored, so a copied
cookie opens nothing on the sandbox's port.
"""
import hmac
import os

from notebook.auth.login import LoginHandler

# Taken out of the environment at import, so kernels and terminals started later do not inherit it.
_SECRET = os.environ.pop("SHIVA_SANDBOX_TOKEN", "").encode()


class ShivaLoginHandler(LoginHandler):
    """Authenticates by the proxy's header alone; there is no login form."""

    @classmethod
    def get_user(cls, handler):
        if getattr(handler, "_user_id", None):
            return handler._user_id
        headers = handler.request.headers
        scheme, _, value = headers.get("Authorization", "").partition(" ")
        cookie_secret = headers.get("X-Shiva-Sandbox-Secret")
        user = None
        if _SECRET and scheme.lower() == "token" and hmac.compare_digest(value.strip().encode(), _SECRET):
            user = "shiva"
            # Like Jupyter's own token: exempts API clients behind the proxy from the XSRF check.
            handler._token_authenticated = True
        elif _SECRET and cookie_secret is not None and hmac.compare_digest(cookie_secret.strip().encode(), _SECRET):
            # A browser's request: the same user, with every browser check left on.
            user = "shiva"
        handler._user_id = user
        return user

    @classmethod
    def get_login_available(cls, settings):
        # No login page, no logout button: signing in and out happens at the hub.
        return False

    @classmethod
    def validate_security(cls, app, ssl_options=None):
        if not _SECRET:
            raise SystemExit("shiva_auth: SHIVA_SANDBOX_TOKEN is empty; refusing to start without a secret")

    def get(self):
        self.set_status(403)
        self.finish("Sign in at the Shiva hub to open this sandbox.")

    post = get
