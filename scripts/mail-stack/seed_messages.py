#!/usr/bin/env python3
"""Write N varied, reproducible test messages straight into a Maildir folder.

Used by `mail-stack seed-messages`; python3 standard library only. Writing files
directly is much faster than IMAP APPEND or LMTP (~600+ msg/s); Dovecot indexes them
on the next sync (`doveadm force-resync` or a SELECT).

What you get (a deterministic mix, seeded RNG):
  * text/plain (UTF-8, quoted-printable or 8bit), multipart/alternative text+HTML,
    multipart/mixed with attachments (PDF-like bytes, real PNG and GIF images,
    RFC 2231 and encoded-word non-ASCII file names), multipart/related HTML with an
    inline cid: image, forwarded message/rfc822, an occasional ~300 KB attachment
  * windows-1251, KOI8-U and ISO-8859-2 bodies; encoded-word (B and Q) subjects and
    display names in those charsets and in UTF-8
  * reply threads with In-Reply-To / References and "Re:"/"Fwd:" subjects
  * a few deliberately malformed ones: missing Date, broken MIME boundary, raw 8-bit
    bytes in headers, wrong declared charset
  * dates spread over the ~2 years before --now, in UID order; unique Message-IDs;
    flags (\\Seen, \\Flagged, \\Answered) and a few unseen in new/

Reproducible: the seed (fixed by default), folder, existing message count and N alone
decide the mix (kinds, sizes, flags, attachments); the user and --now only change
addresses, dates and Message-IDs. The same --seed/--now, user, folder and existing count
give byte-identical messages (file names differ only in the writer's pid). --max-bytes
(or $MAILSTACK_SEED_MAX_BYTES) leaves out the ~400 KB messages and guarantees that no
message is larger, for tests that set a size limit.
"""
import argparse
import base64
import binascii
import hashlib
import os
import random
import struct
import sys
import time
import zlib
from datetime import datetime, timezone, timedelta
from email.utils import format_datetime
from urllib.parse import quote

DOMAIN = "example.test"

PEOPLE = [
    ("Alice Example", "alice@example.test"),
    ("Bob Example", "bob@example.test"),
    ("Demo User", "demo@example.test"),
    ("Олена Коваленко", "olena.kovalenko@example.com"),
    ("Тарас Шевчук", "taras@example.org"),
    ("Андрій Мельник", "a.melnyk@example.net"),
    ("Марія Бондаренко", "maria.b@example.com"),
    ("Zofia Wiśniewska", "zofia@example.pl"),
    ("Jiří Dvořák", "jiri.dvorak@example.cz"),
    ("John Smith", "john.smith@example.com"),
    ("Support Team", "support@example.com"),
    ("GitHub", "notifications@example.com"),
    ("Newsletter", "news@example.org"),
    ("Dr. Ödön Kovács", "odon@example.hu"),
]

EN_WORDS = (
    "the quarterly report is attached please review before our meeting next week "
    "we need to discuss the budget timeline and the new release plan for the client "
    "thanks for the quick reply I will send the updated invoice tomorrow morning "
    "could you confirm the delivery address and the contact person on site "
    "the server migration went fine but the backup job failed twice last night "
    "let me know if anything is unclear happy to jump on a call"
).split()
UK_WORDS = (
    "добрий день надсилаю вам звіт за квартал будь ласка перегляньте його до зустрічі "
    "нам потрібно обговорити бюджет терміни та новий план випуску для клієнта "
    "дякую за швидку відповідь завтра вранці надішлю оновлений рахунок "
    "чи можете ви підтвердити адресу доставки та контактну особу "
    "міграція сервера пройшла добре але резервне копіювання двічі не вдалося "
    "їжак ґанок єнот п'ять ще щось"
).split()
RU_WORDS = (
    "здравствуйте высылаю отчёт за квартал просьба посмотреть до встречи "
    "нужно обсудить бюджет сроки и новый план выпуска для клиента спасибо"
).split()
PL_WORDS = (
    "zażółć gęślą jaźń dzień dobry przesyłam raport kwartalny proszę o przejrzenie "
    "przed spotkaniem w przyszłym tygodniu dziękuję za szybką odpowiedź łódź źródło"
).split()
CZ_WORDS = (
    "dobrý den posílám čtvrtletní zprávu prosím o kontrolu před schůzkou "
    "příliš žluťoučký kůň úpěl ďábelské ódy děkuji za rychlou odpověď"
).split()
SUBJECTS_EN = [
    "Quarterly report", "Meeting next week", "Invoice #{n}", "Server migration status",
    "Re: budget", "Release plan {n}", "Your order {n} has shipped", "Weekly digest",
    "Question about the contract", "Photos from the trip", "Build failed on main",
    "Lunch on Friday?", "Password reset request", "Holiday schedule",
]
SUBJECTS_UK = [
    "Звіт за квартал", "Зустріч наступного тижня", "Рахунок №{n}", "Міграція сервера",
    "Питання щодо договору", "Фото з подорожі", "Обід у п'ятницю?", "Ґрафік відпусток",
]
SUBJECTS_RU = ["Отчёт за квартал", "Встреча на следующей неделе", "Счёт №{n}"]
SUBJECTS_PL = ["Raport kwartalny", "Spotkanie w przyszłym tygodniu", "Faktura nr {n}", "Zażółć gęślą jaźń"]
SUBJECTS_CZ = ["Čtvrtletní zpráva", "Schůzka příští týden", "Příliš žluťoučký kůň"]


# --------------------------------------------------------------------------------------
# Encoding helpers
# --------------------------------------------------------------------------------------
def encoded_words(text, charset="utf-8", enc="B"):
    """RFC 2047 encoded-words (each <= 75 chars), folded onto continuation lines."""
    words, chunk = [], ""
    prefix = f"=?{charset}?{enc}?"
    for ch in text:
        cand = chunk + ch
        raw = cand.encode(charset)
        if enc == "B":
            length = len(prefix) + 4 * ((len(raw) + 2) // 3) + 2
        else:
            length = len(prefix) + len(_q(raw)) + 2
        if length > 75 and chunk:
            words.append(chunk)
            chunk = ch
        else:
            chunk = cand
    if chunk:
        words.append(chunk)
    out = []
    for w in words:
        raw = w.encode(charset)
        body = base64.b64encode(raw).decode() if enc == "B" else _q(raw)
        out.append(f"{prefix}{body}?=")
    return "\n ".join(out)


def _q(raw):
    s = []
    for b in raw:
        c = chr(b)
        if c == " ":
            s.append("_")
        elif c.isalnum() and b < 128:
            s.append(c)
        else:
            s.append("=%02X" % b)
    return "".join(s)


def needs_encoding(text):
    return any(ord(c) > 127 for c in text)


def header_text(text, charset="utf-8", enc="B"):
    return encoded_words(text, charset, enc) if needs_encoding(text) else text


def address(name, email, charset="utf-8", enc="B"):
    if needs_encoding(name):
        return f"{encoded_words(name, charset, enc)} <{email}>"
    if any(c in name for c in ',.;:"()<>@'):
        return f'"{name}" <{email}>'
    return f"{name} <{email}>"


def qp(raw):
    return binascii.b2a_qp(raw).decode("ascii")


def b64(raw):
    return base64.encodebytes(raw).decode("ascii")


def wrap(text, width=72):
    out, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        out.append(line)
    return "\n".join(out)


# --------------------------------------------------------------------------------------
# Binary attachments (real PNG/GIF, PDF-like)
# --------------------------------------------------------------------------------------
def make_png(rng, w, h):
    r, g, b = rng.randrange(256), rng.randrange(256), rng.randrange(256)
    # RGB gradient, filter byte 0 at the start of each row
    raw = b"".join(b"\x00" + b"".join(bytes(((r + 4 * x) & 255, (g + 4 * y) & 255, b)) for x in range(w))
                   for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


GIF_1X1 = base64.b64decode("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")


def make_pdf(rng, size):
    head = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
            b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>\nendobj\n"
            b"4 0 obj\n<< /Length LEN /Filter /FlateDecode >>\nstream\n")
    body = rng.randbytes(max(64, size - 300))
    return head.replace(b"LEN", str(len(body)).encode()) + body + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


# --------------------------------------------------------------------------------------
# Message builder
# --------------------------------------------------------------------------------------
class Gen:
    def __init__(self, rng, user, tag, now, max_bytes=None):
        self.rng = rng
        # The ~400 KB "big" kind only when the caller allows messages that large.
        self.big_weight = 0.5 if max_bytes is None or max_bytes >= 600_000 else 0
        self.user = user
        self.tag = tag
        self.now = now
        self.history = []  # (msgid, subject, references)
        self.pngs = [make_png(rng, s, s) for s in (8, 16, 24, 32, 48, 64)]
        self.pdfs = [make_pdf(rng, s) for s in (1500, 4000, 9000, 20000)]
        self.big = make_pdf(rng, 300_000)

    def words(self, pool, n):
        rng = self.rng
        return " ".join(rng.choice(pool) for _ in range(n))

    def paragraphs(self, pool, lo=1, hi=5):
        rng = self.rng
        paras = []
        for _ in range(rng.randint(lo, hi)):
            s = self.words(pool, rng.randint(8, 60))
            paras.append(wrap(s[0].upper() + s[1:] + "."))
        return "\n\n".join(paras)

    def boundary(self, i, k=0):
        return f"=_mailstack_{self.tag}_{i}_{k}_{self.rng.randrange(1 << 30):08x}"

    def build(self, i, date, folder_is_sent):
        rng = self.rng
        kind = rng.choices(
            ["plain", "alt", "attach", "related", "cp1251", "koi8u", "latin2", "forward",
             "big", "nodate", "badboundary", "raw8bit", "wrongcharset"],
            weights=[25, 20, 12, 4, 8, 5, 5, 3, self.big_weight, 1, 1, 1, 0.5])[0]

        # Participants.
        me = (self.user.split("@")[0].capitalize() + " Example", self.user)
        other = rng.choice([p for p in PEOPLE if p[1] != self.user])
        if kind == "raw8bit":  # needs a non-ASCII display name
            other = rng.choice([p for p in PEOPLE if needs_encoding(p[0])])
        sender, rcpt = (me, other) if folder_is_sent else (other, me)
        cc = [rng.choice(PEOPLE)] if rng.random() < 0.15 else []

        # Subject (maybe a reply to an earlier message in this run).
        n = rng.randrange(1000, 99999)
        reply_to = None
        if self.history and kind != "raw8bit" and rng.random() < 0.25:
            reply_to = rng.choice(self.history[-50:])
        if kind in ("cp1251", "raw8bit"):
            subject = rng.choice(SUBJECTS_UK + SUBJECTS_RU).format(n=n)
        elif kind == "koi8u":
            subject = rng.choice(SUBJECTS_UK).format(n=n)
        elif kind == "latin2":
            subject = rng.choice(SUBJECTS_PL + SUBJECTS_CZ).format(n=n)
        else:
            subject = rng.choice(SUBJECTS_EN + SUBJECTS_UK + SUBJECTS_PL[:1]).format(n=n)
        if kind == "forward":
            subject = "Fwd: " + subject
        refs = []
        if reply_to:
            orig_id, orig_subj, orig_refs = reply_to
            subject = orig_subj if orig_subj.lower().startswith("re:") else "Re: " + orig_subj
            refs = (orig_refs + [orig_id])[-10:]

        msgid = f"<{date.strftime('%Y%m%d%H%M%S')}.{i}.{self.tag}@{sender[1].split('@')[1]}>"
        charset, enc = "utf-8", rng.choice("BQ")
        if kind == "cp1251":
            charset = "windows-1251"
        elif kind == "koi8u":
            charset = "koi8-u"
        elif kind == "latin2":
            charset = "iso-8859-2"

        # Headers.
        h = []
        if kind != "nodate":
            h.append(f"Date: {format_datetime(date)}")
        if kind == "raw8bit":
            raw_charset = rng.choice(["utf-8", "windows-1251"])
            h.append(("From: " + f"{sender[0]} <{sender[1]}>").encode(raw_charset, "replace"))
        else:
            name_cs = charset if self._name_fits(sender[0], charset) else "utf-8"
            h.append(f"From: {address(*sender, charset=name_cs, enc=enc)}")
        h.append(f"To: {address(*rcpt)}")
        if cc:
            h.append(f"Cc: {address(*cc[0])}")
        if kind == "raw8bit":
            h.append(("Subject: " + subject).encode(raw_charset, "replace"))
        else:
            subj_cs = charset if self._name_fits(subject, charset) else "utf-8"
            h.append(f"Subject: {header_text(subject, subj_cs, enc)}")
        h.append(f"Message-ID: {msgid}")
        if reply_to:
            h.append(f"In-Reply-To: {reply_to[0]}")
            h.append("References: " + "\n ".join(refs))
        if rng.random() < 0.08:
            h.append("List-Id: Project updates <updates.lists.example.org>")
            h.append("List-Unsubscribe: <mailto:unsubscribe@lists.example.org>")
        h.append("MIME-Version: 1.0")
        h.append(f"X-Mailstack-Seed: {self.tag} #{i} {kind}")

        body_h, body = self.body(kind, i, charset)
        parts = []
        for x in h + body_h:
            parts.append(x if isinstance(x, bytes) else x.encode("utf-8"))
        head = b"\n".join(parts) + b"\n\n"
        data = head + (body if isinstance(body, bytes) else body.encode("utf-8"))
        self.history.append((msgid, subject, refs))
        return data, kind, bool(reply_to)

    @staticmethod
    def _name_fits(name, charset):
        try:
            name.encode(charset)
            return True
        except UnicodeEncodeError:
            return False

    def text_for(self, kind):
        if kind == "cp1251":
            return self.paragraphs(self.rng.choice([UK_WORDS, RU_WORDS]))
        if kind == "koi8u":
            return self.paragraphs(UK_WORDS)
        if kind == "latin2":
            return self.paragraphs(self.rng.choice([PL_WORDS, CZ_WORDS]))
        return self.paragraphs(self.rng.choice([EN_WORDS, EN_WORDS, UK_WORDS]))

    def text_part(self, text, charset="utf-8"):
        raw = text.encode(charset, "replace")
        cte = self.rng.choice(["quoted-printable", "base64", "8bit"] if charset != "us-ascii" else ["7bit"])
        if cte == "8bit" and all(b < 128 for b in raw):
            cte = "7bit"
        hdr = [f"Content-Type: text/plain; charset={charset}" + ("; format=flowed" if self.rng.random() < 0.2 else ""),
               f"Content-Transfer-Encoding: {cte}"]
        if cte == "quoted-printable":
            payload = qp(raw).encode("ascii")
        elif cte == "base64":
            payload = b64(raw).encode("ascii")
        else:
            payload = raw + b"\n"
        return hdr, payload

    def html_part(self, text, charset="utf-8", cid=None):
        paras = "".join(f"<p>{p.replace(chr(10), ' ')}</p>\n" for p in text.split("\n\n"))
        img = f'<p><img src="cid:{cid}" alt="logo"></p>\n' if cid else ""
        html = (f"<!DOCTYPE html>\n<html><head><meta charset=\"{charset}\"><title>mail</title></head>\n"
                f"<body style=\"font-family: sans-serif\">\n{paras}{img}"
                f"<p style=\"color:#888\">-- <br><a href=\"https://example.com/\">example.com</a></p>\n</body></html>\n")
        raw = html.encode(charset, "replace")
        cte = self.rng.choice(["quoted-printable", "base64"])
        payload = (qp(raw) if cte == "quoted-printable" else b64(raw)).encode("ascii")
        return [f"Content-Type: text/html; charset={charset}", f"Content-Transfer-Encoding: {cte}"], payload

    @staticmethod
    def multipart(subtype, boundary, parts, close=True, extra=""):
        out = [b"This is a multi-part message in MIME format.\n"]
        for hdr, payload in parts:
            out.append(f"\n--{boundary}\n".encode())
            out.append("\n".join(hdr).encode("utf-8") + b"\n\n")
            out.append(payload if payload.endswith(b"\n") else payload + b"\n")
        if close:
            out.append(f"\n--{boundary}--\n".encode())
        return [f'Content-Type: multipart/{subtype}; boundary="{boundary}"{extra}'], b"".join(out)

    def attachment(self, i):
        rng = self.rng
        choice = rng.choice(["pdf", "png", "png", "gif", "pdf"])
        if choice == "pdf":
            data, ctype, name = rng.choice(self.pdfs), "application/pdf", rng.choice(
                ["report.pdf", "invoice-2025.pdf", "Звіт за квартал.pdf", "smlouva_č_12.pdf"])
        elif choice == "png":
            data, ctype, name = rng.choice(self.pngs), "image/png", rng.choice(
                ["screenshot.png", "photo 1.png", "фото.png"])
        else:
            data, ctype, name = GIF_1X1, "image/gif", "pixel.gif"
        if needs_encoding(name):
            if rng.random() < 0.5:  # RFC 2231
                disp = f"attachment; filename*=UTF-8''{quote(name)}"
                ct = f'{ctype}; name*=UTF-8\'\'{quote(name)}'
            else:  # encoded-word in a quoted string (non-standard, very common)
                ew = encoded_words(name, "utf-8", "B").replace("\n ", "")
                disp = f'attachment; filename="{ew}"'
                ct = f'{ctype}; name="{ew}"'
        else:
            disp = f'attachment; filename="{name}"'
            ct = f'{ctype}; name="{name}"'
        return [f"Content-Type: {ct}", f"Content-Disposition: {disp}",
                "Content-Transfer-Encoding: base64"], b64(data).encode("ascii")

    def body(self, kind, i, charset):
        rng = self.rng
        text = self.text_for(kind)
        if rng.random() < 0.3:
            quoted = "\n".join("> " + l for l in self.paragraphs(EN_WORDS, 1, 2).split("\n"))
            text += "\n\nOn Mon, someone wrote:\n" + quoted
        if kind in ("plain", "nodate", "raw8bit"):
            return self.text_part(text)
        if kind in ("cp1251", "koi8u", "latin2"):
            if rng.random() < 0.3:
                return self.multipart("alternative", self.boundary(i),
                                      [self.text_part(text, charset), self.html_part(text, charset)])
            return self.text_part(text, charset)
        if kind == "wrongcharset":
            # Declares UTF-8, contains windows-1251 bytes.
            raw = self.paragraphs(UK_WORDS).encode("windows-1251")
            return ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"], raw + b"\n"
        if kind == "alt":
            return self.multipart("alternative", self.boundary(i), [self.text_part(text), self.html_part(text)])
        if kind in ("attach", "big"):
            alt = self.multipart("alternative", self.boundary(i, 1), [self.text_part(text), self.html_part(text)])
            parts = [alt if rng.random() < 0.5 else self.text_part(text)]
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                parts.append(self.attachment(i))
            if kind == "big":
                parts.append((["Content-Type: application/pdf; name=\"scan-large.pdf\"",
                               "Content-Disposition: attachment; filename=\"scan-large.pdf\"",
                               "Content-Transfer-Encoding: base64"], b64(self.big).encode("ascii")))
            return self.multipart("mixed", self.boundary(i), parts)
        if kind == "related":
            cid = f"logo.{i}.{self.tag}@example.test"
            png = rng.choice(self.pngs)
            related = self.multipart("related", self.boundary(i, 2), [
                self.html_part(text, cid=cid),
                ([f"Content-Type: image/png; name=\"logo.png\"", f"Content-ID: <{cid}>",
                  "Content-Disposition: inline; filename=\"logo.png\"",
                  "Content-Transfer-Encoding: base64"], b64(png).encode("ascii"))], extra='; type="text/html"')
            return self.multipart("alternative", self.boundary(i), [self.text_part(text), related])
        if kind == "forward":
            inner_date = format_datetime(self.now - timedelta(days=rng.randint(800, 1200)))
            inner = (f"Date: {inner_date}\nFrom: {address(*rng.choice(PEOPLE))}\nTo: {address(*rng.choice(PEOPLE))}\n"
                     f"Subject: {header_text(rng.choice(SUBJECTS_UK), 'utf-8', 'B')}\n"
                     f"Message-ID: <fwd.{i}.{self.tag}@example.org>\nMIME-Version: 1.0\n"
                     "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
                     + self.paragraphs(UK_WORDS, 1, 2) + "\n").encode("utf-8")
            return self.multipart("mixed", self.boundary(i), [
                self.text_part("Forwarding this, see below.\n\n" + text),
                (["Content-Type: message/rfc822", "Content-Disposition: inline"], inner)])
        if kind == "badboundary":
            # Declares one boundary, uses another, never closes.
            declared = self.boundary(i)
            _, body = self.multipart("mixed", "not-the-declared-boundary", [self.text_part(text), self.attachment(i)],
                                     close=False)
            return [f'Content-Type: multipart/mixed; boundary="{declared}"'], body
        raise AssertionError(kind)


# --------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--maildir", required=True, help="the folder's Maildir directory (has cur/ new/ tmp/)")
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--user", default="demo@example.test")
    ap.add_argument("--uid", type=int, default=-1, help="chown written files to this uid")
    ap.add_argument("--gid", type=int, default=-1)
    ap.add_argument("--seed", default="mail-stack", help="RNG seed (default: mail-stack)")
    ap.add_argument("--now", default=os.environ.get("MAILSTACK_SEED_NOW"),
                    help="end of the date range: epoch seconds or YYYY-MM-DD "
                         "(default: today 00:00 UTC, or $MAILSTACK_SEED_NOW)")
    ap.add_argument("--span-days", type=int,
                    default=int(os.environ.get("MAILSTACK_SEED_SPAN_DAYS", "730")),
                    help="days before --now the dates spread over (default 730, or "
                         "$MAILSTACK_SEED_SPAN_DAYS)")
    ap.add_argument("--max-bytes", type=int,
                    default=int(os.environ["MAILSTACK_SEED_MAX_BYTES"])
                    if os.environ.get("MAILSTACK_SEED_MAX_BYTES") else None,
                    help="no message larger than this (default: no limit, or "
                         "$MAILSTACK_SEED_MAX_BYTES); leaves out the ~400 KB messages")
    args = ap.parse_args()

    md = args.maildir.rstrip("/")
    for d in ("cur", "new", "tmp"):
        if not os.path.isdir(os.path.join(md, d)):
            sys.exit(f"seed_messages: {md}/{d} missing: not a Maildir")
    if args.now:
        now = (datetime.fromtimestamp(int(args.now), timezone.utc) if args.now.isdigit()
               else datetime.fromisoformat(args.now).replace(tzinfo=timezone.utc))
    else:
        now = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)

    folder = os.path.basename(md)
    existing = len(os.listdir(os.path.join(md, "cur"))) + len(os.listdir(os.path.join(md, "new")))
    # The mix depends on the seed, folder and counts only; the tag (Message-IDs,
    # boundaries) also on the user and the date anchor, so every user's mail is unique.
    stream = f"{args.seed}|{folder}|{existing}|{args.count}"
    key = f"{stream}|{args.user}|{int(now.timestamp())}"
    tag = hashlib.sha256(key.encode()).hexdigest()[:10]
    rng = random.Random(stream)
    gen = Gen(rng, args.user.lower(), tag, now, args.max_bytes)
    is_sent = folder.lower() in (".sent", ".sent items", ".sent messages")

    # Dates: sorted, so UIDs follow dates (Dovecot orders new Maildir files by the
    # timestamp at the start of the file name).
    span = max(1, args.span_days) * 86400
    start = now.timestamp() - span
    stamps = sorted(start + rng.random() * span for _ in range(args.count))
    zones = [timezone.utc, timezone(timedelta(hours=2)), timezone(timedelta(hours=3)),
             timezone(timedelta(hours=-5)), timezone(timedelta(hours=1)), timezone(timedelta(hours=5, minutes=30))]

    host = "mailstack"
    pid = os.getpid()
    tmpdir, curdir, newdir = (os.path.join(md, d) for d in ("tmp", "cur", "new"))
    t0 = time.time()
    total = 0
    kinds = {}
    do_chown = args.uid >= 0
    for i in range(args.count):
        ts = int(stamps[i])
        date = datetime.fromtimestamp(ts, rng.choice(zones))
        data, kind, is_reply = gen.build(existing + i, date, is_sent)
        kinds[kind] = kinds.get(kind, 0) + 1
        size = len(data)
        if args.max_bytes is not None and size > args.max_bytes:
            sys.exit(f"seed_messages: message {existing + i} ({kind}) has {size} bytes, "
                     f"more than --max-bytes {args.max_bytes}")
        vsize = size + data.count(b"\n")
        r = rng.random()
        unseen_new = i >= args.count - max(1, args.count // 20) and r < 0.5
        flags = ""
        if not unseen_new:
            if is_reply and not is_sent and rng.random() < 0.3:
                flags += "R"
            if rng.random() < 0.1:
                flags += "F"
            if is_sent or rng.random() < 0.7:
                flags += "S"
            flags = "".join(sorted(flags))
        base = f"{ts}.M{i % 1000000:06d}P{pid}Q{existing + i}.{host},S={size},W={vsize}"
        tmp = os.path.join(tmpdir, base)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, data)
            if do_chown:
                os.fchown(fd, args.uid, args.gid)
        finally:
            os.close(fd)
        os.utime(tmp, (ts, ts))
        dest = os.path.join(newdir, base) if unseen_new else os.path.join(curdir, f"{base}:2,{flags}")
        os.rename(tmp, dest)
        total += size
    dt = time.time() - t0
    rate = args.count / dt if dt > 0 else float("inf")
    print(f"seed_messages: wrote {args.count} messages ({total / 1e6:.1f} MB) to {md} "
          f"in {dt:.2f} s ({rate:.0f} msg/s)", file=sys.stderr)
    print("seed_messages: mix " + ", ".join(f"{k}={v}" for k, v in sorted(kinds.items())), file=sys.stderr)


if __name__ == "__main__":
    main()
