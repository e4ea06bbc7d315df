// The /_test/* control endpoints of the test authorization server (JSON in and out) and
// its discovery document. See scripts/mail-stack/README.md ("Test switches").
import { HttpError, readJson, send } from "./web.mjs";

export const EMAIL_RE = /^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$/;

function emailFrom(v, required = true) {
  if (v === undefined && !required) return undefined;
  const e = typeof v === "string" ? v.trim().toLowerCase() : "";
  if (!EMAIL_RE.test(e)) throw new HttpError(400, { error: "a valid email is required" });
  return e;
}

export function controlHandler(store, log) {
  return (req, res, url) => control(store, log, req, res, url);
}

async function control(store, log, req, res, url) {
  const path = url.pathname;
  const method = req.method;
  if (path === "/_test/user" && method === "GET") {
    return send(res, 200, { user: store.user(emailFrom(url.searchParams.get("email") ?? undefined)) });
  }
  if (path === "/_test/stats" && method === "GET") {
    const e = url.searchParams.get("email");
    if (e !== null) return send(res, 200, store.statsOf(emailFrom(e)));
    return send(res, 200, { users: Object.fromEntries(store.stats) });
  }
  if (method !== "POST") throw new HttpError(405, { error: "method not allowed" }, { Allow: "POST" });
  const body = await readJson(req);
  if (path === "/_test/user") {
    const { email, ...fields } = body;
    const r = store.setUser(emailFrom(email), fields);
    if (r.error) throw new HttpError(400, { error: r.error });
    log(`test: user ${r.user.email} set ${JSON.stringify(fields)}`);
    return send(res, 200, r);
  }
  if (path === "/_test/revoke") {
    const email = emailFrom(body.email);
    const r = store.revokeUser(email);
    log(`test: revoked every token of ${email}`);
    return send(res, 200, r);
  }
  if (path === "/_test/reset") {
    const email = emailFrom(body.email, false);
    store.reset(email);
    log(`test: reset ${email ?? "everything"}`);
    return send(res, 200, { reset: email ?? "all" });
  }
  throw new HttpError(404, { error: "unknown test endpoint" });
}

export function discovery(ISSUER, BROWSER_BASE) {
  return {
    issuer: ISSUER,
    authorization_endpoint: `${BROWSER_BASE}/authorize`,
    token_endpoint: `${ISSUER}/token`,
    introspection_endpoint: `${ISSUER}/introspect`,
    revocation_endpoint: `${ISSUER}/revoke`,
    userinfo_endpoint: `${ISSUER}/userinfo`,
    jwks_uri: `${ISSUER}/jwks`,
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    revocation_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
    scopes_supported: ["openid", "email", "profile", "offline_access"],
    claims_supported: ["iss", "aud", "sub", "oid", "email", "preferred_username", "name", "tid", "iat", "exp", "nonce"],
    prompt_values_supported: ["none", "login", "select_account", "consent"],
  };
}
