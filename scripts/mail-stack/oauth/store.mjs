// In-memory state of the test authorization server: per-user switches, authorization
// codes, grants, refresh tokens, access tokens and per-user counters. Nothing survives a
// restart. Refresh tokens and codes are kept only as SHA-256 hashes.
import { createHash, randomBytes } from "node:crypto";

export const ORG_TENANT = "4a1b2c3d-0000-4000-8000-000000000001";
export const CONSUMER_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad";
export const CODE_TTL_S = 60;

const DEFAULT_USER = Object.freeze({
  tid: ORG_TENANT,
  expires_in: 3600, // access (and id) token lifetime, seconds
  refresh_expires_in: null, // null: refresh tokens never expire
  deny: false, // /authorize answers error=access_denied
  reuse_revokes_grant: false, // presenting a rotated refresh token revokes its whole grant
});
const USER_KEYS = {
  tid: (v) => typeof v === "string" && v.length > 0 && v.length <= 100,
  expires_in: (v) => Number.isInteger(v) && v >= 0 && v <= 10 * 365 * 86400,
  refresh_expires_in: (v) => v === null || (Number.isInteger(v) && v >= 0),
  deny: (v) => typeof v === "boolean",
  reuse_revokes_grant: (v) => typeof v === "boolean",
};
const STAT_KEYS = ["code_grants", "refresh_grants", "refresh_failures", "code_failures",
  "introspections_active", "introspections_inactive"];

export const sha256 = (s) => createHash("sha256").update(s).digest();
export const b64url = (buf) => Buffer.from(buf).toString("base64url");
export const randomToken = (n = 32) => randomBytes(n).toString("base64url");
const key = (token) => sha256(`mail-stack:${token}`).toString("hex");
const now = () => Math.floor(Date.now() / 1000);

// Stable per-user identifiers: sub is a hash of the email, oid a GUID made from it.
export function subjectOf(email) {
  return b64url(sha256(`mail-stack sub:${email}`));
}
export function oidOf(email) {
  const h = sha256(`mail-stack oid:${email}`).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class Store {
  constructor() {
    this.reset();
  }

  reset(email) {
    if (email === undefined) {
      this.users = new Map();
      this.stats = new Map();
      this.codes = new Map(); // key(code) -> code record
      this.grants = new Map(); // grant id -> {email, client_id, scope, revoked}
      this.refresh = new Map(); // key(refresh token) -> record
      this.access = new Map(); // jti -> record
      return;
    }
    this.revokeUser(email);
    this.users.delete(email);
    this.stats.delete(email);
    for (const m of [this.codes, this.grants, this.refresh, this.access]) {
      for (const [k, r] of m) if (r.email === email) m.delete(k);
    }
  }

  // ---- users and counters ----
  user(email) {
    return { email, ...DEFAULT_USER, ...(this.users.get(email) ?? {}) };
  }
  setUser(email, fields) {
    const bad = Object.keys(fields).filter((k) => !(k in USER_KEYS) || !USER_KEYS[k](fields[k]));
    if (bad.length) return { error: `invalid or unknown fields: ${bad.join(", ")}; allowed: ${Object.keys(USER_KEYS).join(", ")}` };
    this.users.set(email, { ...(this.users.get(email) ?? {}), ...fields });
    return { user: this.user(email) };
  }
  count(email, what) {
    if (!email) return;
    const s = this.stats.get(email) ?? Object.fromEntries(STAT_KEYS.map((k) => [k, 0]));
    s[what] += 1;
    this.stats.set(email, s);
  }
  statsOf(email) {
    return this.stats.get(email) ?? Object.fromEntries(STAT_KEYS.map((k) => [k, 0]));
  }

  // ---- authorization codes ----
  newCode(fields) {
    const code = randomToken(32);
    this.codes.set(key(code), { ...fields, expires: now() + CODE_TTL_S, used: false, grant: null });
    return code;
  }
  // Returns {rec} or {error}. Any redemption attempt uses the code up; a second
  // attempt also revokes what the first one issued (RFC 6749 section 4.1.2).
  takeCode(code) {
    const rec = this.codes.get(key(code));
    if (!rec) return { error: "unknown authorization code" };
    if (rec.used) {
      if (rec.grant) this.revokeGrant(rec.grant);
      this.count(rec.email, "code_failures");
      return { error: "authorization code already used", rec };
    }
    rec.used = true;
    if (rec.expires < now()) {
      this.count(rec.email, "code_failures");
      return { error: "authorization code expired", rec };
    }
    return { rec };
  }

  // ---- grants and tokens ----
  newGrant(email, client_id, scope) {
    const id = randomToken(12);
    this.grants.set(id, { email, client_id, scope, revoked: false });
    return id;
  }
  newRefresh(grant, email, client_id, scope) {
    const token = randomToken(48);
    const ttl = this.user(email).refresh_expires_in;
    this.refresh.set(key(token), {
      grant, email, client_id, scope, state: "live",
      expires: ttl === null ? null : now() + ttl,
    });
    return token;
  }
  // Returns {rec} for a live refresh token (which is then rotated out) or {error}
  // ({error, scope: true} when check(rec) refused the requested scope: not rotated).
  useRefresh(token, client_id, check = () => null) {
    const rec = this.refresh.get(key(token));
    if (!rec) return { error: "unknown refresh token" };
    const fail = (error) => {
      this.count(rec.email, "refresh_failures");
      return { error };
    };
    if (rec.client_id !== client_id) return fail("refresh token was issued to another client");
    const grant = this.grants.get(rec.grant);
    if (rec.state === "revoked" || !grant || grant.revoked) return fail("refresh token revoked");
    if (rec.state === "rotated") {
      if (this.user(rec.email).reuse_revokes_grant) this.revokeGrant(rec.grant);
      return fail("refresh token already used (rotated)");
    }
    if (rec.expires !== null && rec.expires < now()) return fail("refresh token expired");
    const refused = check(rec);
    if (refused) return { ...fail(refused), scope: true };
    rec.state = "rotated";
    return { rec };
  }
  newAccess(jti, grant, email, client_id, scope, exp) {
    this.access.set(jti, { grant, email, client_id, scope, exp, revoked: false });
  }
  accessActive(jti) {
    const rec = this.access.get(jti);
    if (!rec) return null;
    const grant = this.grants.get(rec.grant);
    if (rec.revoked || !grant || grant.revoked || rec.exp <= now()) return { rec, active: false };
    return { rec, active: true };
  }

  // ---- revocation ----
  revokeGrant(id) {
    const g = this.grants.get(id);
    if (g) g.revoked = true;
    for (const r of this.refresh.values()) if (r.grant === id && r.state === "live") r.state = "revoked";
    for (const a of this.access.values()) if (a.grant === id) a.revoked = true;
  }
  // RFC 7009: a refresh token revokes its grant (and so its access tokens); an access
  // token only itself. Returns "unknown", "other-client" or "revoked".
  revokeToken(token, jti, client_id) {
    const r = this.refresh.get(key(token));
    if (r) {
      if (r.client_id !== client_id) return "other-client";
      this.revokeGrant(r.grant);
      return "revoked";
    }
    const a = jti ? this.access.get(jti) : undefined;
    if (a) {
      if (a.client_id !== client_id) return "other-client";
      a.revoked = true;
      return "revoked";
    }
    return "unknown";
  }
  revokeUser(email) {
    let refresh = 0;
    let access = 0;
    for (const [id, g] of this.grants) {
      if (g.email !== email) continue;
      g.revoked = true;
      for (const r of this.refresh.values()) if (r.grant === id && r.state === "live") { r.state = "revoked"; refresh++; }
      for (const a of this.access.values()) if (a.grant === id && !a.revoked && a.exp > now()) { a.revoked = true; access++; }
    }
    for (const c of this.codes.values()) if (c.email === email) c.used = true;
    return { revoked_refresh_tokens: refresh, revoked_access_tokens: access };
  }

  // Forget what can no longer matter (called now and then).
  sweep() {
    const t = now();
    for (const [k, c] of this.codes) if (c.expires < t - 3600) this.codes.delete(k);
    for (const [k, a] of this.access) if (a.exp < t - 86400) this.access.delete(k);
  }
}
