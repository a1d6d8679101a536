#!/usr/bin/env python3
"""tests/fuzz/mkcorpus.py - (re)derives the fuzz seeds that come from tests/data.

Run from the top of the tree: python3 tests/fuzz/mkcorpus.py. It rewrites
tests/fuzz/corpus/{mail,snippet,addrlist,addr,rfc2047,maildate,ics}/ from the
.eml and .ics files of tests/data (see tests/fuzz/corpus/SOURCES.md for where
those come from and their licences); the hand-written seeds of the other
targets (csv, import, config, davxml) are left alone. Seeds keep the name of
the file they come from, so the licence of each stays traceable. Sizes are
capped to keep the repository small and the fuzzers fast.
"""
import hashlib
import os
import re
import shutil

DATA = "tests/data"
OUT = "tests/fuzz/corpus"
MAX_MAIL_HEADER = 6 * 1024
MAX_MESSAGE = 10 * 1024
MAX_ICS = 10 * 1024
ADDR_FIELDS = (b"from", b"to", b"cc", b"bcc", b"reply-to", b"sender")


def fresh(name):
    """Empties a derived directory, keeping the hand-written hand-* seeds."""
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if not f.startswith("hand-"):
            os.remove(os.path.join(d, f))
    return d


def header_block(raw):
    m = re.search(rb"\r?\n\r?\n", raw)
    return raw[: m.start() + 1] if m else raw


def fields(block):
    """(name, unfolded value) pairs of a header block."""
    out = []
    for line in re.split(rb"\r?\n", block):
        if line[:1] in (b" ", b"\t") and out:
            out[-1][1] += b" " + line.strip()
        elif b":" in line:
            name, value = line.split(b":", 1)
            out.append([name.strip().lower(), value.strip()])
    return out


def put_unique(d, prefix, data, seen, cap=40):
    """Writes data once per directory, at most `cap` seeds per source group."""
    h = hashlib.sha1(data).hexdigest()[:10]
    ngroup = sum(1 for f in os.listdir(d) if f.startswith(prefix + "-"))
    if data and (d, h) not in seen and ngroup < cap:
        seen.add((d, h))
        with open(os.path.join(d, "%s-%s" % (prefix, h)), "wb") as f:
            f.write(data)


def main():
    mail = sorted(f for f in os.listdir(os.path.join(DATA, "mail")) if f.endswith(".eml"))
    d_mail, d_snip = fresh("mail"), fresh("snippet")
    d_al, d_addr, d_2047, d_date = fresh("addrlist"), fresh("addr"), fresh("rfc2047"), fresh("maildate")
    seen = set()
    for name in mail:
        raw = open(os.path.join(DATA, "mail", name), "rb").read()
        block = header_block(raw)
        stem = name[: -len(".eml")]
        if len(block) <= MAX_MAIL_HEADER:
            open(os.path.join(d_mail, stem), "wb").write(block)
        ctype = b"".join(v for n, v in fields(block) if n == b"content-type").lower()
        cte = b"".join(v for n, v in fields(block) if n == b"content-transfer-encoding").lower()
        cs = re.search(rb'charset="?([^";\s]+)', ctype)
        if len(raw) <= MAX_MESSAGE and (
                b"multipart" in ctype or b"html" in ctype or b"calendar" in ctype or
                b"quoted" in cte or b"base64" in cte or
                (cs and cs.group(1) not in (b"us-ascii", b"utf-8"))):
            open(os.path.join(d_snip, stem), "wb").write(raw)
        for n, v in fields(block):
            if n in ADDR_FIELDS:
                put_unique(d_al, stem.split("_")[0], v, seen)
                for a in re.findall(rb"[^\s<>,;:\"()]+@[^\s<>,;:\"()]+", v):
                    put_unique(d_addr, stem.split("_")[0], a, seen)
            elif n == b"subject" and b"=?" in v:
                put_unique(d_2047, stem.split("_")[0], v, seen)
            elif n == b"date":
                put_unique(d_date, stem.split("_")[0], v, seen)
            elif n == b"content-type":
                cs = re.search(rb'charset="?([^";\s]+)', v, re.I)
                if cs and cs.group(1).lower() not in (b"us-ascii", b"utf-8"):
                    # charset line + some 8-bit body bytes of that message
                    body = raw[len(block):][:512]
                    put_unique(d_2047, stem.split("_")[0], cs.group(1) + b"\n" + body, seen)
    d_ics = fresh("ics")
    for name in sorted(os.listdir(os.path.join(DATA, "ics"))):
        path = os.path.join(DATA, "ics", name)
        if name.endswith(".ics") and os.path.getsize(path) <= MAX_ICS:
            shutil.copy(path, os.path.join(d_ics, name[: -len(".ics")]))


if __name__ == "__main__":
    main()
