#!/usr/bin/env node
// OAuth2 / OpenID Connect authorization server for the mail-stack: authorization code +
// PKCE (S256), refresh with rotation, RFC 7662 introspection, RFC 7009 revocation and
// per-user test switches. Built on oauth2-mock-server's issuer (key generation, JWT
// signing, JWKS) and jose (verification); the flows, users and token bookkeeping are
// here. See scripts/mail-stack/README.md ("OAuth2 server").
//
//   node server.mjs --state DIR [--pidfile FILE]
//     HTTPS on 127.0.0.1:$MAILSTACK_OAUTH_PORT (10443): token, introspect, revoke, jwks,
//       userinfo, discovery, /_test/* (certificate DIR/tls/server.pem + server.key);
//     HTTP on 127.0.0.1:$MAILSTACK_OAUTH_BROWSER_PORT (10180): /authorize only.
// Tokens, codes and secrets are never logged.
import { readFileSync, writeFileSync, renameSync, existsSync, mkdirSync } from "node:fs";
import { createServer as createHttps } from "node:https";
import { createServer as createHttp } from "node:http";
import { dirname, join } from "node:path";
import { OAuth2Issuer } from "oauth2-mock-server";
import { createLocalJWKSet, jwtVerify } from "jose";
import { Store, subjectOf, oidOf, randomToken, b64url, sha256, CODE_TTL_S } from "./store.mjs";
import {
  HttpError, oauthError, readForm, singleParams, send, sendHtml, authenticateClient, signInPage, errorPage,
} from "./web.mjs";
import { EMAIL_RE, controlHandler, discovery } from "./control.mjs";

// ---- settings -------------------------------------------------------------------------
function arg(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const env = process.env;
const STATE = arg("state");
const HOST = "127.0.0.1";
const PORT = Number(env.MAILSTACK_OAUTH_PORT || 10443);
const BROWSER_PORT = Number(env.MAILSTACK_OAUTH_BROWSER_PORT || 10180);
const CERT = arg("cert") ?? env.MAILSTACK_OAUTH_CERT ?? (STATE && join(STATE, "tls/server.pem"));
const KEY = arg("key") ?? env.MAILSTACK_OAUTH_KEY ?? (STATE && join(STATE, "tls/server.key"));
const SIGNING_KEY = arg("signing-key") ?? (STATE && join(STATE, "oauth/signing-key.json"));
const PIDFILE = arg("pidfile");
const CLIENT_ID = env.MAILSTACK_OAUTH_CLIENT_ID || "mailcenter-test";
const CLIENT_SECRET = env.MAILSTACK_OAUTH_CLIENT_SECRET || "mailcenter-test-secret";
// Redirect URIs: any http(s) URI on a loopback host (RFC 8252 section 7.3, any port),
// plus the exact URIs listed here (comma-separated).
const EXTRA_REDIRECTS = new Set((env.MAILSTACK_OAUTH_REDIRECT_URIS || "").split(",").map((s) => s.trim()).filter(Boolean));
if (!CERT || !KEY) {
  console.error("usage: node server.mjs --state DIR [--pidfile FILE]  (or --cert FILE --key FILE)");
  process.exit(2);
}
const ISSUER = `https://${HOST}:${PORT}`;
const BROWSER_BASE = `http://${HOST}:${BROWSER_PORT}`;
const clients = new Map([[CLIENT_ID, CLIENT_SECRET]]);

const log = (msg) => console.log(`${new Date().toISOString()} ${msg}`);

// ---- keys -----------------------------------------------------------------------------
const issuer = new OAuth2Issuer();
issuer.url = ISSUER;
async function loadSigningKey() {
  if (SIGNING_KEY && existsSync(SIGNING_KEY)) {
    try {
      await issuer.keys.add(JSON.parse(readFileSync(SIGNING_KEY, "utf8")));
      return "loaded";
    } catch (e) {
      log(`signing key ${SIGNING_KEY} unusable (${e.message}): generating a new one`);
    }
  }
  const jwk = await issuer.keys.generate("RS256");
  if (SIGNING_KEY) {
    mkdirSync(dirname(SIGNING_KEY), { recursive: true });
    writeFileSync(`${SIGNING_KEY}.tmp`, JSON.stringify(jwk), { mode: 0o600 });
    renameSync(`${SIGNING_KEY}.tmp`, SIGNING_KEY);
  }
  return "generated";
}
let jwks;
const store = new Store();
const control = controlHandler(store, log);

// ---- tokens ---------------------------------------------------------------------------
// The audience of an access token: the origin of the first URL-style scope
// (https://outlook.office.com/IMAP.AccessAsUser.All -> https://outlook.office.com,
// https://mail.google.com/ -> https://mail.google.com), else the client id.
function audienceOf(scope, client_id) {
  for (const s of scope.split(" ")) {
    if (/^https?:\/\//.test(s)) {
      try {
        return new URL(s).origin;
      } catch {
        // not a URL after all
      }
    }
  }
  return client_id;
}

async function issueTokens(grant, email, client_id, scope, refreshScope, nonce) {
  const u = store.user(email);
  const sub = subjectOf(email);
  const jti = randomToken(16);
  let exp = 0;
  const access_token = await issuer.buildToken({
    expiresIn: u.expires_in,
    scopesOrTransform: (header, p) => {
      header.typ = "at+jwt";
      Object.assign(p, {
        aud: audienceOf(scope, client_id), sub, oid: oidOf(email), email, preferred_username: email,
        tid: u.tid, scope, scp: scope, client_id, azp: client_id, jti,
      });
      exp = p.exp;
    },
  });
  store.newAccess(jti, grant, email, client_id, scope, exp);
  const id_token = await issuer.buildToken({
    expiresIn: u.expires_in,
    scopesOrTransform: (_h, p) => {
      Object.assign(p, {
        aud: client_id, sub, oid: oidOf(email), email, email_verified: true,
        preferred_username: email, name: email.split("@")[0], tid: u.tid, azp: client_id,
        jti: randomToken(16), ...(nonce ? { nonce } : {}),
      });
    },
  });
  const refresh_token = store.newRefresh(grant, email, client_id, refreshScope);
  return { access_token, token_type: "Bearer", expires_in: u.expires_in, refresh_token, scope, id_token };
}

// Verifies signature and issuer, then asks the store: null when not one of our access
// tokens at all, else {rec, active, payload}.
async function checkAccessToken(token) {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, jwks, { issuer: ISSUER, algorithms: ["RS256"], clockTolerance: 0 }));
  } catch (e) {
    if (e?.code !== "ERR_JWT_EXPIRED" || !e.payload?.jti) return null;
    payload = e.payload;
  }
  const found = typeof payload.jti === "string" ? store.accessActive(payload.jti) : null;
  return found ? { ...found, payload } : null;
}

// ---- /authorize (browser) -------------------------------------------------------------
function redirectAllowed(uri) {
  if (!uri) return false;
  if (EXTRA_REDIRECTS.has(uri)) return true;
  let u;
  try {
    u = new URL(uri);
  } catch {
    return false;
  }
  return (u.protocol === "http:" || u.protocol === "https:") && !u.hash && !uri.includes("#") &&
    ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
}

function redirect(res, uri, params) {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) u.searchParams.set(k, v);
  res.writeHead(302, { Location: u.toString(), "Cache-Control": "no-store", "Content-Length": 0 });
  res.end();
}

function authorize(req, res, url) {
  if (req.method !== "GET" && req.method !== "HEAD") {
    return sendHtml(res, 405, errorPage("Use GET."));
  }
  let params;
  try {
    params = singleParams(url.searchParams);
  } catch (e) {
    return sendHtml(res, 400, errorPage(e.message));
  }
  const client_id = params.get("client_id");
  if (!clients.has(client_id ?? "")) return sendHtml(res, 400, errorPage("Unknown client_id."));
  const redirect_uri = params.get("redirect_uri");
  if (!redirectAllowed(redirect_uri)) {
    return sendHtml(res, 400, errorPage("Missing or unregistered redirect_uri (loopback http(s) URIs are allowed)."));
  }
  const state = params.get("state");
  const fail = (error, error_description) => redirect(res, redirect_uri, { error, error_description, state });
  if (params.get("response_type") !== "code") return fail("unsupported_response_type", "only response_type=code");
  const scope = (params.get("scope") ?? "").trim().split(/\s+/).filter(Boolean).join(" ");
  if (!scope) return fail("invalid_scope", "scope is required");
  const challenge = params.get("code_challenge");
  if (!challenge) return fail("invalid_request", "PKCE is required: code_challenge missing");
  if (params.get("code_challenge_method") !== "S256") {
    return fail("invalid_request", "code_challenge_method must be S256");
  }
  if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) return fail("invalid_request", "malformed code_challenge");
  const prompt = (params.get("prompt") ?? "").split(" ");
  const email = (params.get("login_hint") ?? "").trim().toLowerCase();
  if (!email) {
    if (prompt.includes("none")) return fail("login_required", "prompt=none without login_hint");
    return sendHtml(res, 200, signInPage(params));
  }
  if (!EMAIL_RE.test(email)) {
    return sendHtml(res, 200, signInPage(params, { prefill: email, message: "Enter a valid email address." }));
  }
  if ((prompt.includes("login") || prompt.includes("select_account")) && params.get("_signin") !== "1") {
    return sendHtml(res, 200, signInPage(params, { prefill: email }));
  }
  if (store.user(email).deny) {
    log(`authorize: ${email} denied (test switch)`);
    return fail("access_denied", "the user declined (test switch deny)");
  }
  const code = store.newCode({ email, client_id, redirect_uri, scope, challenge, nonce: params.get("nonce") });
  log(`authorize: code for ${email} (valid ${CODE_TTL_S} s)`);
  return redirect(res, redirect_uri, { code, state });
}

// ---- /token ---------------------------------------------------------------------------
async function tokenEndpoint(req, res) {
  const form = await readForm(req);
  const client_id = authenticateClient(req, form, clients);
  const grantType = form.get("grant_type");
  if (grantType === "authorization_code") {
    const code = form.get("code");
    if (!code) throw oauthError(400, "invalid_request", "code missing");
    const { rec, error } = store.takeCode(code);
    if (error) throw oauthError(400, "invalid_grant", error);
    const bad = (why) => {
      store.count(rec.email, "code_failures");
      return oauthError(400, "invalid_grant", why);
    };
    if (rec.client_id !== client_id) throw bad("code was issued to another client");
    if (form.get("redirect_uri") !== rec.redirect_uri) throw bad("redirect_uri differs from the authorization request");
    const verifier = form.get("code_verifier") ?? "";
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) throw bad("code_verifier missing or malformed");
    if (b64url(sha256(verifier)) !== rec.challenge) throw bad("PKCE verification failed");
    const grant = store.newGrant(rec.email, client_id, rec.scope);
    rec.grant = grant;
    store.count(rec.email, "code_grants");
    log(`token: authorization_code for ${rec.email}`);
    return send(res, 200, await issueTokens(grant, rec.email, client_id, rec.scope, rec.scope, rec.nonce));
  }
  if (grantType === "refresh_token") {
    const token = form.get("refresh_token");
    if (!token) throw oauthError(400, "invalid_request", "refresh_token missing");
    let scope = null;
    const { rec, error, scope: badScope } = store.useRefresh(token, client_id, (r) => {
      if (!form.has("scope")) return null;
      const granted = new Set(r.scope.split(" "));
      const asked = form.get("scope").trim().split(/\s+/).filter(Boolean);
      if (!asked.length || asked.some((s) => !granted.has(s))) return "scope exceeds the original grant";
      scope = asked.join(" ");
      return null;
    });
    if (error) {
      log(`token: refresh refused (${error})`);
      throw oauthError(400, badScope ? "invalid_scope" : "invalid_grant", error);
    }
    scope ??= rec.scope;
    store.count(rec.email, "refresh_grants");
    log(`token: refresh_token for ${rec.email}`);
    return send(res, 200, await issueTokens(rec.grant, rec.email, client_id, scope, rec.scope, null));
  }
  if (!grantType) throw oauthError(400, "invalid_request", "grant_type missing");
  throw oauthError(400, "unsupported_grant_type", `grant_type ${grantType} is not supported`);
}

// ---- introspection, revocation, userinfo ------------------------------------------------
async function introspect(req, res) {
  const form = await readForm(req);
  authenticateClient(req, form, clients);
  const token = form.get("token");
  if (!token) throw oauthError(400, "invalid_request", "token missing");
  const found = await checkAccessToken(token);
  if (!found) return send(res, 200, { active: false });
  const { rec, active, payload } = found;
  store.count(rec.email, active ? "introspections_active" : "introspections_inactive");
  if (!active) return send(res, 200, { active: false });
  return send(res, 200, {
    active: true, scope: rec.scope, client_id: rec.client_id, username: rec.email, email: rec.email,
    token_type: "Bearer", exp: payload.exp, iat: payload.iat, nbf: payload.nbf, sub: payload.sub,
    aud: payload.aud, iss: payload.iss, jti: payload.jti, tid: payload.tid,
  });
}

async function revoke(req, res) {
  const form = await readForm(req);
  const client_id = authenticateClient(req, form, clients);
  const token = form.get("token");
  if (!token) throw oauthError(400, "invalid_request", "token missing");
  let jti;
  const found = await checkAccessToken(token);
  if (found) jti = found.payload.jti;
  const r = store.revokeToken(token, jti, client_id);
  if (r === "other-client") throw oauthError(400, "unauthorized_client", "token was issued to another client");
  if (r === "revoked") log("revoke: token revoked");
  res.writeHead(200, { "Cache-Control": "no-store", "Content-Length": 0 });
  res.end();
}

async function userinfo(req, res) {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  const found = m ? await checkAccessToken(m[1]) : null;
  if (!found?.active) {
    throw new HttpError(401, { error: "invalid_token" }, { "WWW-Authenticate": 'Bearer error="invalid_token"' });
  }
  const { rec, payload } = found;
  return send(res, 200, {
    sub: payload.sub, email: rec.email, email_verified: true, preferred_username: rec.email,
    name: rec.email.split("@")[0], tid: payload.tid,
  });
}

// ---- routing --------------------------------------------------------------------------
function handler(kind, routes) {
  return async (req, res) => {
    const t0 = Date.now();
    let url;
    let note = "";
    try {
      url = new URL(req.url ?? "/", "http://x");
      const route = routes(url.pathname);
      if (!route) throw new HttpError(404, { error: "not found" });
      await route(req, res, url);
    } catch (e) {
      if (e instanceof HttpError) {
        note = ` ${e.body.error}${e.body.error_description ? `: ${e.body.error_description}` : ""}`;
        send(res, e.status, e.body, e.headers);
      } else {
        log(`${kind} error: ${e?.stack ?? e}`);
        if (!res.headersSent) send(res, 500, { error: "server_error" });
        else res.destroy();
      }
    } finally {
      // Path only: query strings carry codes and states.
      log(`${kind} ${req.method} ${url?.pathname ?? "?"} ${res.statusCode} ${Date.now() - t0}ms${note}`);
    }
  };
}

const get = (fn) => (req, res, url) => {
  if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, { error: "method not allowed" }, { Allow: "GET" });
  return fn(req, res, url);
};
const httpsRoutes = (p) => {
  if (p === "/token") return tokenEndpoint;
  if (p === "/introspect") return introspect;
  if (p === "/revoke") return revoke;
  if (p === "/userinfo") return userinfo;
  if (p === "/authorize") return authorize;
  if (p === "/jwks" || p === "/.well-known/jwks.json") return get((_q, res) => send(res, 200, { keys: issuer.keys.toJSON() }));
  if (p === "/.well-known/openid-configuration" || p === "/.well-known/oauth-authorization-server") {
    return get((_q, res) => send(res, 200, discovery(ISSUER, BROWSER_BASE)));
  }
  if (p.startsWith("/_test/")) return control;
  return null;
};
// The browser port only serves the sign-in: no token ever crosses plain HTTP.
const browserRoutes = (p) => (p === "/authorize" ? authorize : null);

function listen(server, port, what) {
  return new Promise((resolve, reject) => {
    server.once("error", (e) => reject(new Error(`${what} ${HOST}:${port}: ${e.message}`)));
    server.listen(port, HOST, resolve);
  });
}

async function main() {
  const keyState = await loadSigningKey();
  jwks = createLocalJWKSet({ keys: issuer.keys.toJSON() });
  const https = createHttps({ cert: readFileSync(CERT), key: readFileSync(KEY) }, handler("https", httpsRoutes));
  const http = createHttp(handler("http", browserRoutes));
  await Promise.all([listen(https, PORT, "HTTPS"), listen(http, BROWSER_PORT, "HTTP")]);
  if (PIDFILE) writeFileSync(PIDFILE, `${process.pid}\n`);
  setInterval(() => store.sweep(), 600_000).unref();
  log(`listening: issuer ${ISSUER}, sign-in ${BROWSER_BASE}/authorize, client ${CLIENT_ID}, signing key ${keyState} (kid ${issuer.keys.toJSON()[0].kid.slice(0, 8)}…)`);
}

for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => {
    log(`${sig}: exiting`);
    process.exit(0);
  });
}
main().catch((e) => {
  log(`fatal: ${e.message}`);
  process.exit(1);
});
