"""OAuth2 checks of scripts/mail-stack/smoke-test (python3 stdlib only).

The whole authorization-code + PKCE flow done by a script against the stack's OAuth2
server (HTTPS verified with the stack's CA), then XOAUTH2 / OAUTHBEARER logins at Dovecot
(IMAP) and Postfix (SMTP through Dovecot SASL), refresh rotation, revocation, PKCE and
code-replay refusals. Works on smoke@example.test only: its tokens, switches and counters
are reset at the start (other users' tokens are left alone). No token is ever printed.
"""
import base64
import hashlib
import http.client
import imaplib
import json
import secrets
import smtplib
import time
import urllib.parse

USER = ("smoke@example.test", "smoke-pass-1")
NON_USER = "nobody-oauth@example.test"  # valid tokens, but no mailbox in the stack
REDIRECT = "http://127.0.0.1:9/callback"  # never contacted: the script reads Location
SCOPE = "openid email offline_access https://outlook.office.com/IMAP.AccessAsUser.All"
TIMEOUT = 10


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def jwt_part(token, i):
    p = token.split(".")[i]
    return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))


def pkce():
    verifier = secrets.token_urlsafe(48)
    return verifier, b64url(hashlib.sha256(verifier.encode()).digest())


class OAuth:
    def __init__(self, env, ctx):
        self.port = int(env["MAILSTACK_OAUTH_PORT"])
        self.browser_port = int(env["MAILSTACK_OAUTH_BROWSER_PORT"])
        self.client_id = env["MAILSTACK_OAUTH_CLIENT_ID"]
        self.secret = env["MAILSTACK_OAUTH_CLIENT_SECRET"]
        self.base = env["MAILSTACK_OAUTH_URL"]
        self.ctx = ctx

    def https(self, method, path, body=None, headers=None):
        c = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=TIMEOUT)
        try:
            c.request(method, path, body, headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, (json.loads(data) if data else None), r
        finally:
            c.close()

    def form(self, path, fields, basic=True):
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        fields = dict(fields)
        if basic:
            cred = f"{urllib.parse.quote(self.client_id)}:{urllib.parse.quote(fields.pop('_secret', self.secret))}"
            headers["Authorization"] = "Basic " + base64.b64encode(cred.encode()).decode()
        else:
            fields.update(client_id=self.client_id, client_secret=self.secret)
        status, body, _ = self.https("POST", path, urllib.parse.urlencode(fields), headers)
        return status, body

    def control(self, path, obj=None):
        if obj is None:
            status, body, _ = self.https("GET", path)
        else:
            status, body, _ = self.https("POST", path, json.dumps(obj), {"Content-Type": "application/json"})
        assert status == 200, (path, status, body)
        return body

    def authorize(self, params):
        """GET /authorize on the browser port -> (status, Location query dict or None, body)."""
        c = http.client.HTTPConnection("127.0.0.1", self.browser_port, timeout=TIMEOUT)
        try:
            c.request("GET", "/authorize?" + urllib.parse.urlencode(params))
            r = c.getresponse()
            body = r.read().decode("utf-8", "replace")
            loc = r.getheader("Location")
        finally:
            c.close()
        if loc is None:
            return r.status, None, body
        assert loc.startswith(REDIRECT + "?"), loc.split("?")[0]
        return r.status, dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query)), body

    def auth_params(self, email, challenge, state, **extra):
        p = dict(response_type="code", client_id=self.client_id, redirect_uri=REDIRECT, scope=SCOPE,
                 state=state, code_challenge=challenge, code_challenge_method="S256")
        if email:
            p["login_hint"] = email
        p.update(extra)
        return p

    def code_for(self, email):
        verifier, challenge = pkce()
        state = "st " + secrets.token_hex(4) + " &=ü"
        status, q, _ = self.authorize(self.auth_params(email, challenge, state))
        assert status == 302 and q, (status, q)
        assert q.get("state") == state, "state not echoed verbatim"
        assert "code" in q, q
        return q["code"], verifier

    def redeem(self, code, verifier, basic=True):
        return self.form("/token", dict(grant_type="authorization_code", code=code,
                                        redirect_uri=REDIRECT, code_verifier=verifier), basic)

    def refresh(self, rt):
        return self.form("/token", dict(grant_type="refresh_token", refresh_token=rt))

    def introspect(self, token):
        status, body = self.form("/introspect", dict(token=token))
        assert status == 200, (status, body)
        return body


def xoauth2(user, token):
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def imap_bearer(host, port, ctx, user, token, mech="XOAUTH2"):
    """True when AUTHENTICATE succeeds, False when refused (NO)."""
    if mech == "XOAUTH2":
        first = xoauth2(user, token)
    else:  # OAUTHBEARER, RFC 7628
        first = f"n,a={user},\x01host=localhost\x01port={port}\x01auth=Bearer {token}\x01\x01"
    m = imaplib.IMAP4_SSL(host, port, ssl_context=ctx, timeout=TIMEOUT)
    try:
        assert f"AUTH={mech}" in m.capabilities, m.capabilities
        # On failure the server sends an error challenge; an empty answer ends the exchange.
        m.authenticate(mech, lambda challenge: first.encode() if not challenge else b"")
    except imaplib.IMAP4.error as e:
        assert "AUTHENTICATIONFAILED" in str(e), e
        return False
    finally:
        try:
            m.logout()
        except Exception:  # noqa: BLE001
            pass
    return True


def run(r, env, ctx, host):
    if "MAILSTACK_OAUTH_URL" not in env:
        r.check("OAuth2 server in the env file", lambda: (_ for _ in ()).throw(AssertionError("no MAILSTACK_OAUTH_URL: restart the stack")))
        return
    o = OAuth(env, ctx)
    imaps, smtps = int(env["MAILSTACK_IMAPS_PORT"]), int(env["MAILSTACK_SMTPS_PORT"])
    submission = int(env["MAILSTACK_SUBMISSION_PORT"])
    email = USER[0]
    t = {}  # tokens of the flow, shared by the checks below

    def t_discovery():
        o.control("/_test/reset", {"email": email})
        o.control("/_test/reset", {"email": NON_USER})
        status, d, _ = o.https("GET", "/.well-known/openid-configuration")
        assert status == 200 and d["issuer"] == o.base, d
        assert d["authorization_endpoint"] == env["MAILSTACK_OAUTH_BROWSER_URL"] + "/authorize", d
        assert d["code_challenge_methods_supported"] == ["S256"], d
        status, jwks, _ = o.https("GET", "/jwks")
        assert status == 200 and jwks["keys"] and all("d" not in k for k in jwks["keys"]), "bad JWKS"
        t["kids"] = {k["kid"] for k in jwks["keys"]}
        c = http.client.HTTPConnection("127.0.0.1", o.browser_port, timeout=TIMEOUT)
        c.request("POST", "/token", "grant_type=x", {"Content-Type": "application/x-www-form-urlencoded"})
        plain = c.getresponse().status
        c.close()
        assert plain == 404, f"plain-HTTP port answers /token with {plain}"
        return f"issuer {o.base}, {len(jwks['keys'])} key(s); plain-HTTP port serves /authorize only"
    r.check("OAuth2 discovery + JWKS over HTTPS (test CA)", t_discovery)

    def t_signin_page():
        _, challenge = pkce()
        status, q, html = o.authorize(o.auth_params(None, challenge, "page"))
        assert status == 200 and q is None, status
        for needle in ("<h1>Sign in</h1>", 'name="login_hint" type="email"', '<label for="login_hint">Email</label>',
                       '<button type="submit">Sign in</button>', 'method="get" action="/authorize"',
                       f'name="code_challenge" value="{challenge}"', 'name="state" value="page"'):
            assert needle in html, f"sign-in page lacks {needle}"
        return "form with hidden parameters, no JavaScript"
    r.check("/authorize without login_hint shows the sign-in form", t_signin_page)

    def t_code_flow():
        code, verifier = o.code_for(email)
        status, tok = o.redeem(code, verifier, basic=False)  # client_secret_post
        assert status == 200, (status, tok)
        for k in ("access_token", "token_type", "expires_in", "refresh_token", "scope", "id_token"):
            assert k in tok, f"{k} missing"
        assert tok["token_type"] == "Bearer" and tok["expires_in"] == 3600, tok["expires_in"]
        at, it = jwt_part(tok["access_token"], 1), jwt_part(tok["id_token"], 1)
        assert jwt_part(tok["access_token"], 0)["kid"] in t["kids"], "kid not in JWKS"
        assert at["iss"] == o.base and at["email"] == email and at["exp"] - at["iat"] == 3600, at
        assert at["tid"] == "4a1b2c3d-0000-4000-8000-000000000001" and at["aud"] == "https://outlook.office.com", at
        assert it["aud"] == o.client_id and it["preferred_username"] == email and it["sub"] == at["sub"], it
        t.update(access=tok["access_token"], refresh=tok["refresh_token"], sub=at["sub"])
        intro = o.introspect(tok["access_token"])
        assert intro["active"] is True and intro["email"] == email and intro["username"] == email, intro
        assert intro["client_id"] == o.client_id and intro["sub"] == at["sub"], intro
        return "code -> tokens (client_secret_post), JWT claims and introspection ok"
    r.check(f"OAuth2 code + PKCE flow for {email}", t_code_flow)

    def t_imap_xoauth2():
        assert imap_bearer(host, imaps, ctx, email, t["access"]), "XOAUTH2 refused"
        assert imap_bearer(host, imaps, ctx, email, t["access"], "OAUTHBEARER"), "OAUTHBEARER refused"
        m = imaplib.IMAP4_SSL(host, imaps, ssl_context=ctx, timeout=TIMEOUT)
        m.login(*USER)  # the same user still logs in with its password
        m.logout()
        return "XOAUTH2 and OAUTHBEARER; password login still works"
    r.check("IMAP AUTHENTICATE XOAUTH2 with the access token", t_imap_xoauth2)

    def t_smtp_xoauth2():
        s = smtplib.SMTP(host, submission, timeout=TIMEOUT)
        s.starttls(context=ctx)
        s.ehlo()
        auth = s.esmtp_features.get("auth", "")
        s.quit()
        assert "XOAUTH2" in auth.split(), f"EHLO after STARTTLS offers AUTH {auth}"
        s = smtplib.SMTP_SSL(host, smtps, context=ctx, timeout=TIMEOUT)
        s.ehlo()
        s.auth("XOAUTH2", lambda challenge=None: "" if challenge else xoauth2(email, t["access"]))
        s.quit()
        return f"submissions :{smtps}; submission EHLO: AUTH {auth.strip()}"
    r.check("SMTP AUTH XOAUTH2 on the submissions port", t_smtp_xoauth2)

    def t_wrong_user():
        assert not imap_bearer(host, imaps, ctx, "alice@example.test", t["access"]), "smoke's token logged in as alice"
        code, verifier = o.code_for(NON_USER)
        status, tok = o.redeem(code, verifier)
        assert status == 200, (status, tok)
        assert not imap_bearer(host, imaps, ctx, NON_USER, tok["access_token"]), "token of a non-user logged in"
        return "another user's name and a non-user's token are refused"
    r.check("IMAP XOAUTH2 refuses a token for someone else / a non-user", t_wrong_user)

    def t_refresh():
        status, tok = o.refresh(t["refresh"])
        assert status == 200, (status, tok)
        assert tok["refresh_token"] != t["refresh"] and tok["access_token"] != t["access"], "not rotated"
        assert jwt_part(tok["access_token"], 1)["sub"] == t["sub"], "sub changed"
        assert imap_bearer(host, imaps, ctx, email, tok["access_token"]), "refreshed token refused"
        status, again = o.refresh(t["refresh"])
        assert status == 400 and again["error"] == "invalid_grant", (status, again)
        assert o.introspect(t["access"])["active"], "refresh must not revoke the older access token"
        t.update(access2=tok["access_token"], refresh2=tok["refresh_token"])
        return "new tokens; the old refresh token -> 400 invalid_grant"
    r.check("refresh rotates: the old refresh token is refused", t_refresh)

    def t_bad_pkce():
        code, verifier = o.code_for(email)
        status, body = o.redeem(code, verifier[:-1] + ("A" if verifier[-1] != "A" else "B"))
        assert status == 400 and body["error"] == "invalid_grant", (status, body)
        status, body = o.redeem(code, verifier)  # the failed attempt used the code up
        assert status == 400 and body["error"] == "invalid_grant", (status, body)
        return "400 invalid_grant"
    r.check("a wrong PKCE code_verifier is refused", t_bad_pkce)

    def t_replay():
        code, verifier = o.code_for(email)
        status, tok = o.redeem(code, verifier)
        assert status == 200, (status, tok)
        status, body = o.redeem(code, verifier)
        assert status == 400 and body["error"] == "invalid_grant", (status, body)
        assert not o.introspect(tok["access_token"])["active"], "tokens of a replayed code stay active"
        status, body = o.refresh(tok["refresh_token"])
        assert status == 400 and body["error"] == "invalid_grant", (status, body)
        return "400 invalid_grant; what the first redemption got is revoked"
    r.check("a replayed authorization code is refused", t_replay)

    def t_bad_client():
        status, body = o.form("/token", dict(grant_type="refresh_token", refresh_token=t["refresh2"], _secret="wrong"))
        assert status == 401 and body["error"] == "invalid_client", (status, body)
        return "401 invalid_client"
    r.check("a wrong client secret is refused", t_bad_client)

    def t_expired():
        o.control("/_test/user", {"email": email, "expires_in": 0})
        try:
            code, verifier = o.code_for(email)
            status, tok = o.redeem(code, verifier)
            assert status == 200 and tok["expires_in"] == 0, (status, tok)
        finally:
            o.control("/_test/user", {"email": email, "expires_in": 3600})
        time.sleep(0.01)
        assert not o.introspect(tok["access_token"])["active"], "expired token active"
        assert not imap_bearer(host, imaps, ctx, email, tok["access_token"]), "expired token logged in"
        return "introspection inactive, IMAP refused"
    r.check("an expired access token is refused (expires_in switch)", t_expired)

    def t_deny():
        o.control("/_test/user", {"email": email, "deny": True})
        try:
            _, challenge = pkce()
            status, q, _ = o.authorize(o.auth_params(email, challenge, "deny-state"))
        finally:
            o.control("/_test/user", {"email": email, "deny": False})
        assert status == 302 and q["error"] == "access_denied" and q["state"] == "deny-state" and "code" not in q, q
        return "redirect with error=access_denied&state"
    r.check("a user set to deny gets access_denied", t_deny)

    def t_revoke():
        got = o.control("/_test/revoke", {"email": email})
        assert got["revoked_refresh_tokens"] >= 1, got
        assert not imap_bearer(host, imaps, ctx, email, t["access2"]), "revoked token still logs in"
        assert not o.introspect(t["access2"])["active"], "revoked token introspects active"
        status, body = o.refresh(t["refresh2"])
        assert status == 400 and body["error"] == "invalid_grant", (status, body)
        return f"{got['revoked_refresh_tokens']} refresh + {got['revoked_access_tokens']} access tokens revoked"
    r.check("after /_test/revoke: IMAP XOAUTH2 fails, refresh gets invalid_grant", t_revoke)

    def t_stats():
        s = o.control(f"/_test/stats?email={urllib.parse.quote(email)}")
        want = {"code_grants": 3, "refresh_grants": 1, "refresh_failures": 3, "code_failures": 3}
        got = {k: s[k] for k in want}
        assert got == want, f"{got} != {want}"
        return ", ".join(f"{k}={v}" for k, v in s.items())
    r.check(f"per-user counters of {email}", t_stats)
