#!/usr/bin/env python3
"""The server's memory during a first sync, end to end (`scripts/bench memory`).

Starts the server binary on a fresh SQLite data directory, signs up, connects USER's
mailbox on the mail stack through the wizard's server functions (period 1 year, INBOX),
and lets the server's own scheduler sync it while the search index's task runs beside it,
as in production. Prints the server's RSS when idle, its peak (VmHWM) from the connect to
five seconds after the last body is stored, and what its memory is made of then. Bounded:
the server is stopped after SYNC_LIMIT seconds whatever happens.

usage: server-memory.py SERVER_BIN SITE_ROOT USER [ROUNDS]
Environment: the mail stack's (`mail-stack env`). BENCH_DATABASE_URL: run on that
(fresh, empty) database instead of a new SQLite file; one round. BENCH_ARENAS: comma-separated settings
run one after another in each round, "server" (the server's own cap of four arenas) or a
number given to the server as MALLOC_ARENA_MAX (glibc's default is 8 per core); default
"server".
"""

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

SYNC_LIMIT = 300  # seconds, per round
AFTER = 5.0  # seconds of watching after the last body


def status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, port):
        self.port = port
        self.cookie = None

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = dict(headers or {})
        if self.cookie:
            h["Cookie"] = self.cookie
        conn.request(method, path, body=body, headers=h)
        res = conn.getresponse()
        data = res.read().decode("utf-8", "replace")
        for k, v in res.getheaders():
            if k.lower() == "set-cookie" and v.startswith("id="):
                self.cookie = v.split(";")[0]
        conn.close()
        return res.status, data

    def call(self, endpoint, form):
        status, data = self.request(
            "POST",
            f"/api/{endpoint}",
            urllib.parse.urlencode(form),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 200:
            raise SystemExit(f"{endpoint}: HTTP {status}: {data[:300]}")
        return data


def one_round(server_bin, site_root, user, env_stack, arenas):
    work = tempfile.mkdtemp(prefix="server-memory-", dir="target")
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "BIND_ADDR": f"127.0.0.1:{port}",
        "DATA_DIR": work,
        "SITE_ROOT": site_root,
        "LOG_LEVEL": "warn",
        "MAIL_EXTRA_CA_FILE": env_stack["MAILSTACK_CA"],
        "MAIL_ALLOW_PRIVATE": "true",
        "MAIL_CONNECT_TIMEOUT_SECS": "10",
        "RATE_LIMIT_SCALE": "100",
    }
    # PostgreSQL instead of the default SQLite file: a fresh, empty database's URL.
    if os.environ.get("BENCH_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    # glibc's own tunables given to this script (MALLOC_MMAP_THRESHOLD_ …) reach the server.
    env.update({k: v for k, v in os.environ.items() if k.startswith("MALLOC_")})
    env.pop("MALLOC_ARENA_MAX", None)
    if arenas != "server":
        env["MALLOC_ARENA_MAX"] = arenas
    server = subprocess.Popen([server_bin], env=env, stdout=subprocess.DEVNULL)
    try:
        c = Client(port)
        deadline = time.monotonic() + 60
        while True:
            try:
                if c.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.05)
        idle = status_kb(server.pid, "VmRSS")
        c.call("sign_up", {"workspace_name": "Memory", "name": "Admin",
                           "email": "admin@memory.test", "password": "long password",
                           "language": "en"})
        host = env_stack["MAILSTACK_HOST"]
        email, password = f"{user}@example.test", f"{user}-pass-1"
        draft = json.loads(c.call("check_mailbox", {
            "provider": "own_domain", "email": email, "password": password,
            "imap_host": host, "imap_port": env_stack["MAILSTACK_IMAPS_PORT"],
            "imap_security": "tls", "smtp_host": host,
            "smtp_port": env_stack["MAILSTACK_SMTPS_PORT"], "smtp_security": "tls"}))
        signed_up = status_kb(server.pid, "VmRSS")
        # The peak from here on: the connect, the sync, the index beside it.
        with open(f"/proc/{server.pid}/clear_refs", "w") as f:
            f.write("5")
        t0 = time.monotonic()
        mailbox = c.call("connect_mailbox", {
            "draft": draft, "settings[sender_name]": "Admin",
            "settings[mailbox_name]": "Memory", "settings[access]": "personal",
            "settings[period]": "1y", "settings[folders][0]": "INBOX"}).strip()
        synced = None
        rows = 0
        while True:
            p = json.loads(c.call("sync_progress", {"mailbox": mailbox}))
            inbox = next(f for f in p["folders"] if f["name"] == "INBOX")
            rows = inbox["bodies_done"]
            done = str(inbox["phase"]).lower() == "done" and rows == inbox["in_range"]
            if done and synced is None:
                synced = time.monotonic() - t0
            if synced is not None and time.monotonic() - t0 > synced + AFTER:
                break
            if time.monotonic() - t0 > SYNC_LIMIT:
                raise SystemExit(f"not synced after {SYNC_LIMIT} s: {inbox}")
            time.sleep(0.02)
        return {
            "idle": idle, "signed_up": signed_up, "synced": synced, "rows": rows,
            "peak": status_kb(server.pid, "VmHWM"),
            "anon": status_kb(server.pid, "RssAnon"),
            "file": status_kb(server.pid, "RssFile"),
            "threads": status_kb(server.pid, "Threads"),
        }
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    server_bin, site_root, user = sys.argv[1:4]
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    env_stack = os.environ
    settings = os.environ.get("BENCH_ARENAS", "server").split(",")
    if os.environ.get("BENCH_DATABASE_URL") and rounds * len(settings) > 1:
        raise SystemExit("BENCH_DATABASE_URL: one round of one setting per fresh database")
    print(f"M. Server memory during a first sync of {user}'s INBOX (period 1y), end to end: "
          f"{server_bin}; peak = VmHWM from the connect to {AFTER:.0f} s after the last body; "
          f"arenas = glibc malloc arenas (server: its own cap of 4; a number: MALLOC_ARENA_MAX)")
    print(f"   {'round':>5}  {'arenas':>6}  {'idle MB':>7}  {'signed up MB':>12}  {'synced s':>8}  "
          f"{'rows':>6}  {'peak RSS MB':>11}  {'then: heap MB':>13}  {'mapped files MB':>15}  "
          f"{'threads':>7}")
    mb = lambda kb: kb / 1024
    for i in range(rounds):
        for arenas in settings:
            r = one_round(server_bin, site_root, user, env_stack, arenas)
            print(f"   {i + 1:>5}  {arenas:>6}  {mb(r['idle']):>7.0f}  {mb(r['signed_up']):>12.0f}  "
                  f"{r['synced']:>8.2f}  {r['rows']:>6}  {mb(r['peak']):>11.0f}  "
                  f"{mb(r['anon']):>13.0f}  {mb(r['file']):>15.0f}  {r['threads']:>7}", flush=True)

if __name__ == "__main__":
    main()
