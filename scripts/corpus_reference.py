#!/usr/bin/env python3
"""The reference reading of a folder of messages, by Python's email package (policy.default),
as JSON on stdout, for the reading-fidelity test (server/services/tests/fidelity_corpus.rs).

For each file: the subject, the From address, the body a reader shows (get_body preferring
text/plain, else the text of text/html; format=flowed joined as RFC 3676 says, quote markers
kept once a paragraph) and the attachments (every part with a file name but the body: name
and decoded size). A field the reference cannot read (an exception, 8-bit header bytes it
leaves undecoded) is null and not compared."""

import email
import email.policy
import html.parser
import json
import os
import sys


def unflow(text, delsp):
    """RFC 3676: flowed lines (ending in a space) of one quote depth joined into one line."""
    out, para, para_depth = [], None, 0
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.lstrip(">")
        depth = len(line) - len(stripped)
        if stripped.startswith(" "):
            stripped = stripped[1:]  # space-stuffing
        flowed = stripped.endswith(" ") and stripped != "-- "
        if flowed and delsp:
            stripped = stripped[:-1]
        if para is not None and depth != para_depth:
            out.append((para_depth, para))
            para = None
        para = stripped if para is None else para + stripped
        para_depth = depth
        if not flowed:
            out.append((depth, para))
            para = None
    if para is not None:
        out.append((para_depth, para))
    return "\n".join((">" * d + " " + t) if d else t for d, t in out)


class HtmlText(html.parser.HTMLParser):
    """The visible text of an HTML body (no head, style or script)."""

    HIDDEN = {"head", "style", "script", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in ("br", "p", "div", "tr", "li"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def html_text(markup):
    parser = HtmlText()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


def undecoded(text, share=0.0):
    """Bytes the reference could not decode: raw 8-bit left as surrogates, or more
    replacement characters than `share` of the text (a wrong or unknown charset)."""
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        return True
    return text.count("\ufffd") > share * len(text)


def subject_of(msg):
    try:
        subject = str(msg.get("subject", ""))
    except Exception:
        return None
    return None if undecoded(subject) else subject


def from_of(msg):
    try:
        header = msg.get("from")
        if header is None:
            return ""
        addresses = header.addresses
        return addresses[0].addr_spec if addresses else ""
    except Exception:
        return None


def body_of(msg):
    """(kind, text): kind is plain, html or none; text None when unreadable."""
    try:
        part = msg.get_body(preferencelist=("plain", "html"))
        if part is None:
            return "none", "", None
        text = part.get_content()
    except Exception:
        return "error", None, None
    if undecoded(text, 0.01):
        return part.get_content_subtype(), None, part
    if part.get_content_subtype() == "html":
        return "html", html_text(text), part
    if part.get_param("format", "").lower() == "flowed":
        text = unflow(text, part.get_param("delsp", "").lower() == "yes")
    return "plain", text, part


def attachments_of(msg, body):
    found = []
    for part in msg.walk():
        # A message/* part is a container here, yet a reader lists it when it has a name.
        if part is body or part.is_multipart() and part.get_content_maintype() != "message":
            continue
        try:
            name = part.get_filename()
        except Exception:
            continue
        if not name:
            continue
        payload = None if part.is_multipart() else part.get_payload(decode=True)
        found.append({"name": str(name), "size": len(payload) if payload is not None else None})
    return found


def read(path):
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    kind, text, body = body_of(msg)
    try:
        attachments = attachments_of(msg, body)
    except Exception:
        attachments = None
    return {
        "subject": subject_of(msg),
        "from": from_of(msg),
        "body": kind,
        "text": text,
        "attachments": attachments,
    }


def main():
    folder = sys.argv[1]
    messages = {name: read(os.path.join(folder, name)) for name in sorted(os.listdir(folder))}
    version = ".".join(map(str, sys.version_info[:3]))
    json.dump(
        {"reader": f"Python {version} email, policy.default", "messages": messages},
        sys.stdout,
        ensure_ascii=False,
        indent=1,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
