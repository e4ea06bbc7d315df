import { execFileSync } from 'node:child_process';
import { defineConfig } from '@playwright/test';

// The test command builds once (scripts/build) and starts the mail stack; Playwright
// starts the built server on a throwaway data dir and stops it at the end.
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
const dataDir = process.env.E2E_DATA_DIR ?? `/tmp/mailcenter-e2e-${process.pid}`;
// The debug server scripts/build made: native builds are under the host tuple
// (.cargo/config.toml).
const serverBin = process.env.E2E_SERVER_BIN
  ?? `../target/${execFileSync('rustc', ['--print', 'host-tuple']).toString().trim()}/debug/mailcenter`;

// Microsoft 365 and Gmail sign in at the mail stack's OAuth2 server (scripts/mail-stack),
// whose tokens the test Dovecot and Postfix accept over XOAUTH2. Only when it runs.
function oauthEnv(): Record<string, string> {
  const e = process.env;
  if (!e.MAILSTACK_OAUTH_URL || !e.MAILSTACK_OAUTH_BROWSER_URL || !e.MAILSTACK_OAUTH_CLIENT_ID
    || !e.MAILSTACK_OAUTH_CLIENT_SECRET) {
    return {};
  }
  const env: Record<string, string> = { OAUTH_REDIRECT_URL: `${baseURL}/oauth/callback` };
  for (const provider of ['MICROSOFT', 'GOOGLE']) {
    env[`OAUTH_${provider}_CLIENT_ID`] = e.MAILSTACK_OAUTH_CLIENT_ID;
    env[`OAUTH_${provider}_CLIENT_SECRET`] = e.MAILSTACK_OAUTH_CLIENT_SECRET;
    env[`OAUTH_${provider}_AUTHORIZE_URL`] = `${e.MAILSTACK_OAUTH_BROWSER_URL}/authorize`;
    env[`OAUTH_${provider}_TOKEN_URL`] = `${e.MAILSTACK_OAUTH_URL}/token`;
    env[`OAUTH_${provider}_IMAP`] = `127.0.0.1:${e.MAILSTACK_IMAPS_PORT ?? '10993'}/tls`;
    env[`OAUTH_${provider}_SMTP`] = `127.0.0.1:${e.MAILSTACK_SUBMISSION_PORT ?? '10587'}/starttls`;
  }
  return env;
}

export default defineConfig({
  testDir: './tests',
  // Each test signs up, connects a real mailbox and syncs it: on a slow machine with two
  // workers a test that takes 15 s alone can take 25 s (the slowest set their own).
  timeout: 60_000,
  expect: { timeout: 10_000 },
  retries: 0,
  // Three workers on two cores: the tests wait on syncs, the undo window and the mail
  // servers, so two workers kept the machine only 70-74 % busy. The whole suite in a
  // built tree, alternated: two workers 144-150 s, three 121-125 s (86-89 % busy), four
  // no faster than three (docs/benchmarks.md, thirty-third round).
  workers: '150%',
  // Every test signs up a workspace and a mail user of its own, so the tests of one file
  // need not run one after another in one worker: spread over both, the last files no
  // longer leave a worker idle at the end (279 and 269 s against 287 and 290 s, alternated).
  fullyParallel: true,
  reporter: 'list',
  use: {
    baseURL,
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
  projects: [
    { name: 'hydrated', use: { javaScriptEnabled: true } },
    { name: 'no-js', use: { javaScriptEnabled: false } },
  ],
  webServer: [{
    command: `rm -rf ${dataDir} && ${serverBin}`,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    env: {
      BIND_ADDR: `127.0.0.1:${port}`,
      DATA_DIR: dataDir,
      // The release wasm bundle `make run` serves (scripts/build --tests builds it).
      SITE_ROOT: process.env.E2E_SITE_ROOT ?? '../target/site-serve',
      LOG_LEVEL: 'warn',
      ...(process.env.E2E_DATABASE_URL ? { DATABASE_URL: process.env.E2E_DATABASE_URL } : {}),
      // The test mail servers' throwaway CA: trusted, never a verification bypass.
      ...(process.env.MAILSTACK_CA ? { MAIL_EXTRA_CA_FILE: process.env.MAILSTACK_CA } : {}),
      MAIL_CONNECT_TIMEOUT_SECS: '5',
      // Discovery of an own domain's servers looks only at the local fixtures below.
      MAIL_DISCOVERY_DNS: '127.0.0.1:9',
      MAIL_DISCOVERY_AUTOCONFIG_URLS: `http://127.0.0.1:${port + 1}/good.xml?domain={domain}`,
      // The test mail servers live on loopback: let every mail connection reach them.
      MAIL_ALLOW_PRIVATE: 'true',
      // Every test signs up and connects from 127.0.0.1: a hundred times the per-address
      // allowances (production counts a few sign-ups and checks per address).
      RATE_LIMIT_SCALE: '100',
      ...oauthEnv(),
    },
  }, {
    // The autoconfig file a domain publishes (Thunderbird's clientConfig format).
    command: `python3 -m http.server ${port + 1} --bind 127.0.0.1 --directory ../scripts/discovery-fixtures`,
    url: `http://127.0.0.1:${port + 1}/good.xml`,
    reuseExistingServer: false,
    timeout: 20_000,
  }],
});
