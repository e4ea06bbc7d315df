// HTTP helpers of the test authorization server: bodies, JSON and error answers, client
// authentication (RFC 6749 section 2.3.1) and the sign-in page.
import { timingSafeEqual } from "node:crypto";

const MAX_BODY = 64 * 1024;

export class HttpError extends Error {
  constructor(status, body, headers = {}) {
    super(body.error_description ?? body.error ?? String(status));
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}
export const oauthError = (status, error, description, headers) =>
  new HttpError(status, description ? { error, error_description: description } : { error }, headers);

export function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(oauthError(413, "invalid_request", "request body too large"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

// application/x-www-form-urlencoded body -> Map of single values (repeats are refused,
// RFC 6749 section 3.2).
export async function readForm(req) {
  const type = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (req.method !== "POST") throw oauthError(405, "invalid_request", "use POST", { Allow: "POST" });
  if (type !== "application/x-www-form-urlencoded") {
    throw oauthError(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded");
  }
  return singleParams(new URLSearchParams(await readBody(req)));
}

export function singleParams(sp) {
  const out = new Map();
  for (const [k, v] of sp) {
    if (out.has(k)) throw oauthError(400, "invalid_request", `parameter ${k} repeated`);
    out.set(k, v);
  }
  return out;
}

export async function readJson(req) {
  const text = req.method === "GET" ? "" : await readBody(req);
  if (!text.trim()) return {};
  try {
    const v = JSON.parse(text);
    if (v && typeof v === "object" && !Array.isArray(v)) return v;
  } catch {
    // fall through
  }
  throw new HttpError(400, { error: "body must be a JSON object" });
}

export function send(res, status, body, headers = {}) {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    Pragma: "no-cache",
    "Content-Length": Buffer.byteLength(json),
    ...headers,
  });
  res.end(json);
}

export function sendHtml(res, status, html) {
  res.writeHead(status, {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Frame-Options": "DENY",
    "Content-Length": Buffer.byteLength(html),
  });
  res.end(html);
}

function sameSecret(a, b) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

// Client authentication: HTTP Basic (client_secret_basic, id and secret form-encoded) or
// client_id + client_secret in the body (client_secret_post); never both.
export function authenticateClient(req, form, clients) {
  const basicChallenge = { "WWW-Authenticate": 'Basic realm="mail-stack-oauth"' };
  const auth = req.headers.authorization;
  let id;
  let secret;
  let method;
  if (auth !== undefined) {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(auth);
    if (!m) throw oauthError(401, "invalid_client", "unsupported Authorization header", basicChallenge);
    const decoded = Buffer.from(m[1], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) throw oauthError(401, "invalid_client", "malformed Basic credentials", basicChallenge);
    try {
      id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, " "));
      secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, " "));
    } catch {
      throw oauthError(401, "invalid_client", "malformed Basic credentials", basicChallenge);
    }
    if (form.has("client_secret")) {
      throw oauthError(400, "invalid_request", "more than one client authentication method");
    }
    if (form.has("client_id") && form.get("client_id") !== id) {
      throw oauthError(401, "invalid_client", "client_id differs from the authenticated client", basicChallenge);
    }
    method = "client_secret_basic";
  } else if (form.has("client_secret")) {
    id = form.get("client_id");
    secret = form.get("client_secret");
    method = "client_secret_post";
  } else {
    throw oauthError(401, "invalid_client", "client authentication required", basicChallenge);
  }
  const want = clients.get(id ?? "");
  if (want === undefined || !sameSecret(secret ?? "", want)) {
    throw oauthError(401, "invalid_client", "unknown client or wrong secret", method === "client_secret_basic" ? basicChallenge : {});
  }
  return id;
}

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

// The sign-in page: a GET form back to /authorize with every original parameter hidden,
// so it works with JavaScript off.
export function signInPage(params, { prefill = "", message = "" } = {}) {
  const hidden = [];
  for (const [k, v] of params) {
    if (k === "login_hint" || k === "_signin") continue;
    hidden.push(`<input type="hidden" name="${esc(k)}" value="${esc(v)}">`);
  }
  hidden.push('<input type="hidden" name="_signin" value="1">');
  const client = params.get("client_id") ?? "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in - mail-stack test identity provider</title>
<style>
body{font-family:system-ui,sans-serif;background:#f3f4f6;margin:0}
main{max-width:22rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:.5rem;box-shadow:0 1px 4px #0002}
h1{margin-top:0;font-size:1.5rem}label{display:block;margin:.5rem 0 .25rem}
input[type=email]{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}
button{margin-top:1rem;padding:.5rem 1.25rem;font-size:1rem}.err{color:#b91c1c}.small{color:#555;font-size:.85rem}
</style>
</head>
<body>
<main>
<h1>Sign in</h1>
<p class="small">to continue to <strong>${esc(client)}</strong> (mail-stack test identity provider: no password, any address signs in)</p>
${message ? `<p class="err" role="alert">${esc(message)}</p>` : ""}
<form method="get" action="/authorize">
${hidden.join("\n")}
<label for="login_hint">Email</label>
<input id="login_hint" name="login_hint" type="email" required autocomplete="email" autofocus value="${esc(prefill)}">
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
`;
}

export function errorPage(message) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title></head>
<body><h1>Sign-in error</h1><p role="alert">${esc(message)}</p></body></html>
`;
}
