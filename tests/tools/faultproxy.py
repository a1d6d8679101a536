#!/usr/bin/env python3
"""tests/tools/faultproxy.py - a TCP proxy on loopback that breaks things.

    faultproxy.py PORTFILE UPSTREAM_PORT LOG [FAULT]

Listens on a free port of 127.0.0.1 (written to PORTFILE, atomically, once
it accepts) and forwards every connection to 127.0.0.1:UPSTREAM_PORT, bytes
as they are: plain IMAP, TLS or HTTP alike. FAULT says what goes wrong, on
every connection, counting that connection's bytes in one direction:

    pass                 nothing (the default)
    cut:DIR:AT[@K]       after AT bytes, close both sides (the client sees
                         the connection end in the middle of what it reads)
    stall:DIR:AT[@K]     after AT bytes, forward nothing more in either
                         direction but keep both sockets open; the client's
                         own time-out must end it

DIR is s2c (what the server sends) or c2s (what the client sends). AT is a
byte count, or /REGEX/ or /REGEX/+K: just after the end of the first match
of REGEX (bytes, Python syntax) in that direction, plus K bytes. A regex
that never matches means no fault on that connection. With @K only the
K-th connection (from 1) has the fault, the others pass: an HTTP/1.0
server such as Radicale answers one request a connection.

One line per connection and per fault goes to LOG: "conn 1 cut s2c at
1234", so a test can tell the fault happened, and when a side closes or
fails "conn 1 closed by the client after s2c 5678 c2s 910" (the bytes
forwarded), so a test can measure a session, then cut it. SIGTERM (or the
test's exit) ends it. Python 3 standard library only.
"""

import os
import re
import select
import signal
import socket
import sys
import threading

CHUNK = 65536


class Fault:
    def __init__(self, spec):
        self.kind, self.dir, self.at, self.regex, self.extra = "pass", None, None, None, 0
        self.conn = None  # every connection
        if spec == "pass":
            return
        m = re.fullmatch(r"(.*)@(\d+)", spec, re.S)
        if m:
            spec, self.conn = m.group(1), int(m.group(2))
        parts = spec.split(":", 2)
        if len(parts) != 3 or parts[0] not in ("cut", "stall") or parts[1] not in ("s2c", "c2s"):
            sys.exit("faultproxy: bad fault '%s' (cut|stall:s2c|c2s:AT)" % spec)
        self.kind, self.dir, at = parts
        m = re.fullmatch(r"/(.*)/(?:\+(\d+))?", at, re.S)
        if m:
            self.regex = re.compile(m.group(1).encode())
            self.extra = int(m.group(2) or 0)
        else:
            self.at = int(at)


class Conn:
    """One client connection and its upstream, pumped by one thread."""

    def __init__(self, n, client, upstream_port, fault, log):
        if fault.conn is not None and fault.conn != n:
            fault = Fault("pass")
        self.n, self.c, self.fault, self.log = n, client, fault, log
        self.u = socket.create_connection(("127.0.0.1", upstream_port))
        self.seen = b""  # the tail of what the faulty direction carried
        self.count = 0  # bytes forwarded in the faulty direction
        self.moved = {"s2c": 0, "c2s": 0}  # bytes forwarded each way
        self.limit = fault.at  # None until known (regex)

    def moved_text(self):
        return " after s2c %d c2s %d" % (self.moved["s2c"], self.moved["c2s"])

    def note(self, what):
        self.log("conn %d %s" % (self.n, what))

    def room(self, data):
        """How much of data may go before the fault point (len(data) if all)."""
        if self.limit is None and self.fault.regex is not None:
            # a match may span reads: search the tail already sent plus data
            buf = self.seen + data
            m = self.fault.regex.search(buf)
            if m is not None:
                self.limit = self.count - len(self.seen) + m.end() + self.fault.extra
            else:
                self.seen = buf[-4096:]
        if self.limit is None:
            return len(data)
        return max(0, min(len(data), self.limit - self.count))

    def run(self):
        c, u, f = self.c, self.u, self.fault
        faulty = {"s2c": u, "c2s": c}.get(f.dir)
        peer = {c: u, u: c}
        try:
            while True:
                for s in select.select([c, u], [], [])[0]:
                    data = s.recv(CHUNK)
                    if not data:
                        self.note("closed by the %s%s" % ("client" if s is c else "server",
                                                          self.moved_text()))
                        return
                    way = "c2s" if s is c else "s2c"
                    if s is not faulty:
                        peer[s].sendall(data)
                        self.moved[way] += len(data)
                        continue
                    k = self.room(data)
                    if k:
                        peer[s].sendall(data[:k])
                        self.count += k
                        self.moved[way] += k
                    if self.limit is None or self.count < self.limit:
                        continue
                    self.note("%s %s at %d" % (f.kind, f.dir, self.limit))
                    if f.kind == "stall":
                        self.stall()
                    return
        except OSError as e:
            self.note("error %s%s" % (e, self.moved_text()))
        finally:
            for s in (c, u):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def stall(self):
        """Forwards nothing; waits for the client to give up and close."""
        while True:
            select.select([self.c], [], [])
            try:
                if not self.c.recv(CHUNK):
                    self.note("client gave up")
                    return
            except OSError:
                self.note("client gave up")
                return


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit("usage: faultproxy.py PORTFILE UPSTREAM_PORT LOG [FAULT]")
    portfile, upstream, logpath = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    fault = Fault(sys.argv[4] if len(sys.argv) == 5 else "pass")
    lock = threading.Lock()
    logf = open(logpath, "a", buffering=1)

    def log(line):
        with lock:
            logf.write(line + "\n")

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    n = 0
    while True:
        c, _ = ls.accept()
        n += 1
        try:
            conn = Conn(n, c, upstream, fault, log)
        except OSError as e:
            log("conn %d upstream refused: %s" % (n, e))
            c.close()
            continue
        threading.Thread(target=conn.run, daemon=True).start()


if __name__ == "__main__":
    main()
