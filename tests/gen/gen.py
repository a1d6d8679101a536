#!/usr/bin/env python3
"""tests/gen/gen.py - a deterministic sales team's world for crmsync tests.

usage:
  gen.py --out DIR [--seed N] [--reps 3] [--companies 40]
         [--contacts-per-company 3] [--threads 200] [--months 6]
         [--now 2026-11-01T12:00:00Z] [--ignore PATTERNS] [--log-internal] [--bcc]
  gen.py --out DIR --bulk N [--bulk-folders K] [--seed N] ...
  gen.py --out DIR --calendars [--cal-meetings 40] [--cal-past 365 --cal-future 90] ...
  gen.py --out DIR --cal-bulk N [--cal-calendars K] [--seed N] ...

Writes into DIR (the parts it owns are replaced; nothing else is touched):

  crm/users.csv companies.csv contacts.csv stages.csv deals.csv
      the CRM, in the CSV columns of SPEC section 2 (team domain
      lumen.example, companies under .example, one freemail contact)
  crm/deals-later.csv
      (not with --bulk) one more open deal, D-Q1, for a company and contact
      that have none in deals.csv: a test imports it after the first sync
  mail/USER/FOLDER/NNNNNNNN.eml
      each rep's mailbox (INBOX, Sent; the first rep also Personal, a
      private folder): one file per message copy, numbered in date order
      per folder (a fresh Dovecot gives UID N to file N), mtime = the Date
      header. tests/gen/load_maildir.sh loads them into Dovecot.
  mail-later/USER/FOLDER/NNNNNNNN.eml
      (not with --bulk) mail delivered after the first sync: numbered after
      the folder's files in mail/ (the UID it gets when it arrives next);
      load_maildir.sh loads them too
  expect.jsonl
      one object per distinct message in mail/ outside the private folder:
      what docs/matching.md says crmsync must make of it after syncing
      mail/ (see EXPECT below)
  expect-link.jsonl
      (not with --bulk) the same for every message of mail/ and mail-later/
      after `crmsync link A D` (summary "link": the activity A, the deal D)
      and a sync of the later mail
  expect-later.jsonl
      (not with --bulk) the same after that and `crmsync import deals
      crm/deals-later.csv` and `crmsync rematch`
  expect-summary.json
      counts per outcome and reason, per mailbox (mail/ outside the private
      folder), the matching settings the expectations assume ("assumes":
      write them into the crmsync config), and for the deal scenarios (not
      with --bulk): "settings" (bcc_address, folders, private_folders of
      tests/integration/deals.sh), "private" (the private folder's
      source_keys and mailboxes: never read), "mail_later" (its files and
      mailboxes), "link" (activity, deal, candidates, thread, later: the
      later mail's source_keys), "deals_later" (deal, thread, changed: how
      many activities a rematch changes), "bcc_copy" (source_key, deal,
      created: the contact it makes), "autocreate" (source_key of a rep's
      mail to role_address and to address, an unknown person at a
      company), "purge" (a contact address; source_keys of its activities
      where it is the only external participant ("alone") and where others
      are too ("with_others"); their subjects occur nowhere else) and
      "contact" (a contact address with activities)

The expectations assume: [team] domains = the users' domain, log_internal =
no (--log-internal: yes), [match] plus_addressing = yes, freemail = default,
ignore = --ignore (default none), autocreate_contacts = no, capture = full,
bcc_address unset (--bcc: log@crm-log.example); accounts read INBOX and
Sent (Personal is private or not read). Without --ignore no message is
"ignored" (the relay@crm-relay.example mail is "unmatched"); with --ignore
'*@crm-relay.example' every reason occurs. The bcc copy (kind bcc-copy:
Bcc log+D-H2@crm-log.example) is, without --bcc, an ordinary message whose
unknown recipient links its company by the domain rule (ambiguous between
that company's two open deals); with --bcc the CRM's address is no
participant, the recipient becomes a contact and D-H2 is linked by tag.

EXPECT fields: message_id (normalised "<left@right>" or null), source_key
(the Message-ID, or matching.md's sha256 key), subject (decoded), mailboxes
([[user, folder], ...]), uids (the UID of each copy in a freshly loaded
Dovecot, parallel to mailboxes), outcome (logged | skipped), reason (null |
internal | automated | role-sender | ignored | unmatched | invitation),
direction (inbound | outbound | internal | null when skipped), owners,
thread_key (null for the message without a Message-ID), occurred_at (RFC
3339 UTC), contacts (linked contact keys), companies (linked company
domains), links ([{type, key, rule}]: contact and company links by rule
address or domain, then at most one deal link, {type: "deal", key: the
deal's id, rule: thread | tag | deal-contact | deal-company | manual},
decided per thread as docs/matching.md "Deals" says; won and lost deals
never), ambiguous (the sorted candidate deal keys when the deal is
ambiguous, else []), deal_tag (the [deal:KEY] of the subject, else the
bcc copy's +KEY, else null; null when skipped), created_contacts (contact
keys the message creates: a bcc copy's unknown people), participants
(distinct addresses after dropping ignored ones and the CRM's address),
kind (what the generator meant to exercise; the deal cases: deal-contact,
deal-ambiguous, deal-ambiguous-contacts, deal-closed-only, deal-tag-closed,
deal-company, deal-tag, deal-tag-reply, bcc-copy, deal-later, deal-link,
deal-link-later (only in expect-link/-later), role-and-unknown).

Calendars (only with --calendars or --cal-bulk; without them nothing below
is written, and an earlier run's is removed. The mail and CRM output is the
same with or without them: they use a random stream of their own):

  cal/USER/CAL/NAME.ics
      one calendar object resource per file (CRLF, folded at 75 octets),
      USER the rep's e-mail address. --calendars: each rep's calendar
      "work", over --months before --now and four weeks after it:
      --cal-meetings random one-off meetings (organised by a contact:
      inbound, or by the rep: outbound; some with a colleague, then in both
      calendars), and one of each case docs/matching.md ("Meetings")
      distinguishes: a weekly series in Europe/Berlin time with VTIMEZONE
      (one occurrence moved, one cancelled by an override, one EXDATE), an
      internal weekly stand-up, a two-day all-day event, America/New_York
      with VTIMEZONE, Outlook's "W. Europe Standard Time" without one, a
      floating time, DURATION instead of DTEND, declined by the rep,
      STATUS:CANCELLED, internal only, an unknown gmail.com attendee, a
      personal event, one meeting in two reps' calendars (same UID), a future
      one, the domain rule, the freemail contact with a plus tag, MAILTO: in
      upper case with a quoted CN, and the crm-relay.example address alone
      and beside a contact (see --ignore); and three deal cases (a random
      stream of their own, people and deals picked from the CRM's other
      companies, never the mail's deal scenarios): deal-tag (SUMMARY
      "[Deal: KEY ]" naming one of the open deals of a contact on two or
      more: rule tag), deal-ambiguous (that contact without a tag:
      ambiguous) and deal-contact (a contact on exactly one open deal). When
      no contact is on two open deals, the first two take two contacts (of
      one company if possible) on different open deals; a case the CRM
      cannot give is left out. --cal-bulk N: N objects of the first rep
      over --cal-calendars K calendars cal01 ... (see write_bulk).
      tests/gen/load_radicale.sh loads them into Radicale.
  cal-expect.jsonl
      one object per expected occurrence (see CAL-EXPECT below)
  cal-expect-summary.json
      counts (objects, files, occurrences, logged, skipped per reason, per
      status, per kind, objects per calendar), the window and the settings
      the expectations assume

The calendar expectations assume, besides the mail settings above: a
[caldav] account per rep with owner = the rep and timezone = Europe/Berlin
(floating times and all-day dates are read there: an all-day event starts
at local midnight), past = --cal-past days and future = --cal-future days
(crmsync's defaults, 365d and 90d), and a sync at --now (CRMSYNC_NOW). An
occurrence is expected when it ends at or after now - past and starts
before now + future; with the defaults every generated one is. No
occurrence ends exactly at --now.

CAL-EXPECT fields: source_key (the UID, or UID#RECURRENCE-ID in UTC for an
occurrence of a series), uid, recurrence_id (null for a single event),
kind (what the generator meant to exercise), owners (the reps whose
calendars hold it), outcome (logged | skipped), reason (null | internal |
ignored | unmatched), status (held | scheduled | cancelled | declined; null
when skipped), direction (inbound | outbound | internal; null when
skipped), start and end (RFC 3339 UTC), links ([{type, key, rule}]: contact
e-mail or company domain, rules address/domain, then at most one deal link
{type: "deal", key: the deal's id, rule: tag | deal-contact | deal-company}
decided as docs/matching.md "Deals" says for an activity that is its own
thread: the occurrence's SUMMARY tag naming an open deal (KEY compared
case-insensitively), else the open deals of the linked contacts, else (none)
those of the linked companies; won and lost deals never), ambiguous (the
sorted candidate deal keys when two or more fit, else []), deal_tag (the
KEY of the SUMMARY's first [deal:KEY], as written; null when skipped),
participants (distinct organizer and attendee addresses, ignored ones
dropped), calendars ([[user, calendar], ...]), files (USER/CAL/NAME.ics
under cal/). cal-expect-summary.json also counts the logged occurrences
per deal outcome ("deals": tag, deal-contact, deal-company, ambiguous,
none).

Python 3 standard library only. Same arguments, same bytes (and mtimes).
"""
import argparse
import base64
import calendar
import csv
import datetime
import fnmatch
import hashlib
import io
import json
import os
import random
import re
import shutil
import sys
import time

TEAM_DOMAIN = "lumen.example"
BCC_ADDRESS = "log@crm-log.example"  # the CRM's own address of the deal scenarios
PRIVATE_FOLDER = "Personal"
DEAL_TAG = re.compile(r"\[deal:([^\]]*)\]", re.I)
FREEMAIL = [
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
    "yahoo.com", "ymail.com", "aol.com", "icloud.com", "me.com", "mac.com", "gmx.de",
    "gmx.net", "web.de", "mail.ru", "yandex.ru", "proton.me", "protonmail.com",
    "zoho.com", "fastmail.com", "hey.com", "qq.com", "163.com",
]

# --- canonical keys and roles (parsers/addr.c, docs/matching.md) -------------

ROLE_EXACT = {
    "abuse", "admin", "administrator", "alerts", "billing", "bounce", "bounces", "daemon",
    "help", "helpdesk", "hostmaster", "info", "listserv", "mailer-daemon", "mailerdaemon",
    "majordomo", "marketing", "news", "newsletter", "newsletters", "nobody", "notification",
    "notifications", "postmaster", "root", "sales", "security", "support", "unsubscribe",
    "webmaster",
}
ROLE_INFIX = ("noreply", "no-reply", "no_reply", "no.reply", "donotreply", "do-not-reply",
              "do_not_reply")
ROLE_PREFIX = ("mailer-daemon", "bounce-", "bounce.", "bounce_", "bounces-", "bounces.",
               "bounces_", "owner-")
ROLE_SUFFIX = ("-bounces", "-request", "-owner")


def canon(addr, plus=True):
    local, _, domain = addr.strip().rpartition("@")
    local, domain = local.lower(), domain.lower()
    if plus and "+" in local[1:]:
        local = local[0] + local[1:].split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", ""), "gmail.com"
    return local + "@" + domain


def is_role(key):
    local = key.rpartition("@")[0].lower()
    if "+" in local[1:]:
        local = local[0] + local[1:].split("+", 1)[0]
    return (local in ROLE_EXACT or any(x in local for x in ROLE_INFIX)
            or local.startswith(ROLE_PREFIX)
            or any(len(local) > len(s) and local.endswith(s) for s in ROLE_SUFFIX))


def subject_tag(subject):
    """The deal KEY of the first [deal:KEY] in a subject (docs/matching.md), or None."""
    for x in DEAL_TAG.finditer(subject or ""):
        if x.group(1).strip():
            return x.group(1).strip()
        break
    return None


def domain_chain(domain):
    parts = domain.split(".")
    return [".".join(parts[i:]) for i in range(len(parts))]


def norm_msgid(mid):
    if mid is None:
        return None
    left, _, right = mid.strip().strip("<>").rpartition("@")
    return "<%s@%s>" % (left, right.lower())


# --- RFC 2047 and MIME encoding -------------------------------------------------

Q_SAFE = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!*+-/")


def _q(bs):
    return "".join(chr(b) if b in Q_SAFE else "_" if b == 32 else "=%02X" % b for b in bs)


def encoded_words(text, charset, enc):
    """Encoded words of at most 75 characters, split at character boundaries."""
    pre = "=?%s?%s?" % (charset, enc)
    words, cur = [], ""

    def enc_len(s):
        bs = s.encode(charset)
        return len(pre) + 2 + (len(base64.b64encode(bs)) if enc == "B" else len(_q(bs)))

    for ch in text:
        if cur and enc_len(cur + ch) > 75:
            words.append(cur)
            cur = ""
        cur += ch
    if cur:
        words.append(cur)
    out = []
    for w in words:
        bs = w.encode(charset)
        out.append(pre + (base64.b64encode(bs).decode() if enc == "B" else _q(bs)) + "?=")
    return "\n ".join(out)


def can_latin1(s):
    try:
        s.encode("iso-8859-1")
        return True
    except UnicodeEncodeError:
        return False


def header_text(text, style):
    """Unstructured header text. style: None (ASCII as is), utf8-b, utf8-q, latin1-q."""
    if style is None:
        if not text.isascii():
            style = "utf8-b"
        else:
            return text
    if style == "latin1-q" and not can_latin1(text):
        style = "utf8-q"
    charset, enc = {"utf8-b": ("UTF-8", "B"), "utf8-q": ("UTF-8", "Q"),
                    "latin1-q": ("ISO-8859-1", "Q")}[style]
    return encoded_words(text, charset, enc)


SPECIALS = set('()<>[]:;@\\,."')


_FMT_CACHE = {}


def fmt_addr(name, addr, style=None):
    k = (name, addr, style)
    v = _FMT_CACHE.get(k)
    if v is None:
        v = _FMT_CACHE[k] = _fmt_addr(name, addr, style)
    return v


def _fmt_addr(name, addr, style):
    if not name:
        return addr
    if not name.isascii() or style is not None:
        return "%s <%s>" % (header_text(name, style or "utf8-b"), addr)
    if any(c in SPECIALS for c in name):
        return '"%s" <%s>' % (name.replace("\\", "\\\\").replace('"', '\\"'), addr)
    return "%s <%s>" % (name, addr)


def fmt_date(epoch, tz_minutes):
    t = time.gmtime(epoch + tz_minutes * 60)
    sign = "+" if tz_minutes >= 0 else "-"
    m = abs(tz_minutes)
    return "%s, %02d %s %04d %02d:%02d:%02d %s%02d%02d" % (
        ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[t.tm_wday], t.tm_mday,
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
         "Dec")[t.tm_mon - 1], t.tm_year, t.tm_hour, t.tm_min, t.tm_sec, sign, m // 60, m % 60)


def rfc3339(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def qp_encode(text):
    """Quoted-printable (RFC 2045) of UTF-8 text, soft line breaks at 76."""
    out = []
    for line in text.split("\n"):
        enc = ""
        for b in line.encode("utf-8"):
            enc += chr(b) if (33 <= b <= 126 and b != 61) or b == 32 else "=%02X" % b
        if enc.endswith(" "):
            enc = enc[:-1] + "=20"
        while len(enc) > 75:
            cut = 75
            while enc[cut - 1] == "=" or enc[cut - 2] == "=":
                cut -= 1
            out.append(enc[:cut] + "=")
            enc = enc[cut:]
        out.append(enc)
    return "\n".join(out)


def b64_lines(bs):
    s = base64.b64encode(bs).decode()
    return "\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def html_of(text):
    esc = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "<html><body>" + "".join("<p>%s</p>" % p for p in esc.split("\n\n")) + "</body></html>"


# --- the world --------------------------------------------------------------------

REPS = [("alice", "Alice", "Moreau"), ("bob", "Bob", "Okafor"), ("carol", "Carol", "Lindqvist"),
        ("dave", "Dave", "Kowalski"), ("erin", "Erin", "Nakamura"), ("frank", "Frank", "Dubois"),
        ("grace", "Grace", "Adeyemi"), ("henry", "Henry", "Schulz"), ("ines", "Inès", "Garnier"),
        ("jonas", "Jonas", "Berg")]
COMPANY_WORDS = [
    "acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell", "cyberdyne",
    "wonka", "soylent", "massive", "oscorp", "vandelay", "monarch", "nakatomi", "gringotts",
    "duff", "krusty", "planet", "aperture", "blackmesa", "weyland", "virtucon", "gekko",
    "dunder", "sterling", "piedpiper", "bluth", "prestige", "rekall", "tessier", "zorg", "omni",
    "spacely", "cogswell", "kramerica", "sirius", "buynlarge", "initrode", "ollivander",
    "strickland", "abstergo", "shinra", "mooby", "veridian", "yoyodyne", "contoso", "fabrikam",
    "northwind",
]
COMPANY_SUFFIX = ["Corporation", "GmbH", "Ltd", "Labs", "Group", "Systems", "S.A.", "AG",
                  "Health", "Robotics", "Foods", "Logistics"]
FIRST = ["Anna", "Ben", "Chloé", "David", "Elena", "Fatima", "Georg", "Hana", "Ivan", "Julia",
         "Kofi", "Lena", "Marco", "Nora", "Oskar", "Priya", "Quinn", "Rosa", "Sven", "Tara",
         "Umar", "Vera", "Wei", "Ximena", "Yusuf", "Zoë", "José", "Søren", "Łukasz", "François",
         "Mia", "Noah", "Olga", "Pablo", "Ruth", "Samir", "Tomás", "Ulla", "Viktor", "Wanda"]
LAST = ["Andersen", "Becker", "Castillo", "Dubois", "Eriksen", "Fischer", "García", "Hoffmann",
        "Ivanova", "Jansen", "Kowalczyk", "Lambert", "Müller", "Nowak", "Olsen", "Petrov",
        "Quintero", "Rossi", "Schmidt", "Tanaka", "Ueda", "Vogel", "Wójcik", "Xu", "Yilmaz",
        "Zimmermann", "Ångström", "Núñez", "O'Brien", "Kierkegaard", "Lefèvre", "Smith",
        "Brown", "Clark", "Evans", "Hughes", "Khan", "Martin", "Nguyen", "Patel"]
ASCII_MAP = str.maketrans({"é": "e", "è": "e", "ë": "e", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L",
                           "ç": "c", "á": "a", "í": "i", "ó": "o", "ú": "u", "ñ": "n", "ü": "u",
                           "ö": "o", "ä": "a", "å": "a", "Å": "A", "'": "", "ß": "ss"})
LEAD_SOURCES = ["webinar", "referral", "outbound", "website", "trade show", "partner"]
STAGES = [("lead", "Lead", 1, 10), ("qualified", "Qualified", 2, 25), ("demo", "Demo", 3, 40),
          ("proposal", "Proposal", 4, 60), ("negotiation", "Negotiation", 5, 80),
          ("closed", "Closed", 6, 100)]
PRODUCTS = ["analytics", "dashboards", "data platform", "forecasting", "telemetry", "reporting",
            "BI rollout", "pilot", "renewal", "expansion"]
SUBJECTS = ["Quote for {p}", "Follow-up: {p} demo", "Pricing question about {p}",
            "Contract draft v{n}", "Next steps on the {p} project", "Intro: {c} x Lumen",
            "Meeting notes {c}", "Security questionnaire", "Invoice #{n}0{n}",
            "Updated proposal for {c}", "Can we move our call?", "Reference customers",
            "Angebot für {c}", "Réunion de suivi – {p}", "Prijsvoorstel {p} — Q{n}",
            "Återkoppling om {p}", "Ödeme planı / payment plan"]
BODIES = ["Hi {to},\n\nthanks for the call today. As discussed, here are the next steps for "
          "{p}: a short technical review, then a proposal.\n\nBest,\n{me}",
          "Hello {to},\n\ncould you send us the updated numbers before Friday? Our board meets "
          "next week and wants to see the {p} figures.\n\nRegards,\n{me}",
          "Hi {to},\n\nattached is the revised offer. Prices are in EUR and valid for 30 days; "
          "the discount we talked about is included.\n\nCheers,\n{me}",
          "Dear {to},\n\nwir freuen uns über Ihr Interesse. Anbei die Übersicht für {p} – "
          "gerne stehen wir für Rückfragen zur Verfügung.\n\nViele Grüße\n{me}",
          "{to},\n\nquick one: does Tuesday 10:00 still work? Otherwise Thursday afternoon.\n\n"
          "{me}"]
TZS = [0, 60, 120, -300, -480, 330, 540, -180]


def ascii_of(s):
    return s.translate(ASCII_MAP)


class World:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.now = calendar.timegm(time.strptime(a.now.replace("Z", ""), "%Y-%m-%dT%H:%M:%S"))
        self.start = self.now - int(a.months * 30.44 * 86400)
        self.msgs = []  # in generation order
        self.idn = 0
        self.ignore = [p.strip().lower() for p in (a.ignore or "").split(",") if p.strip()]
        self.bcc = BCC_ADDRESS if getattr(a, "bcc", False) else None
        self._match_cache = {}
        self.deals_later = []  # crm/deals-later.csv (make_deal_specials)
        self.scenarios = None  # what the deal scenarios need from a test (summary)

    # -- CRM ------------------------------------------------------------------
    def make_crm(self):
        r, a = self.rng, self.a
        self.reps = []
        for i in range(a.reps):
            if i < len(REPS):
                login, first, last = REPS[i]
            else:
                login, first, last = "rep%d" % (i + 1), "Rep", "Number %d" % (i + 1)
            email = "%s@%s" % (login, TEAM_DOMAIN)
            aliases = []
            if i == 0:
                aliases = ["%s.%s@%s" % (ascii_of(first).lower(), ascii_of(last).lower(),
                                         TEAM_DOMAIN)]
            elif i == 2:
                aliases = ["%s.eu@%s" % (login, TEAM_DOMAIN)]
            self.reps.append({"email": email, "name": "%s %s" % (first, last),
                              "aliases": aliases})
        self.user_keys = set()
        for u in self.reps:
            self.user_keys.add(canon(u["email"]))
            self.user_keys.update(canon(x) for x in u["aliases"])

        self.companies, self.contacts = [], []
        used_addr = set()
        for i in range(a.companies):
            word = COMPANY_WORDS[i % len(COMPANY_WORDS)]
            if i >= len(COMPANY_WORDS):
                word += str(i // len(COMPANY_WORDS) + 1)
            domain = word + ".example"
            if i == 0:
                name = "%s, Inc." % word.capitalize()
            elif i == 7:
                name = '%s "Prime" %s' % (word.capitalize(), r.choice(COMPANY_SUFFIX))
            else:
                name = "%s %s" % (word.capitalize(), r.choice(COMPANY_SUFFIX))
            extra = []
            if i % 4 == 1:
                extra = [word + "-corp.example"]
            elif i % 4 == 3 and i % 8 == 3:
                extra = [word + ".co.example"]
            self.companies.append({"domain": domain, "name": name, "domains": extra,
                                   "contacts": []})
        for co in self.companies:
            for k in range(a.contacts_per_company):
                for _ in range(50):
                    first, last = r.choice(FIRST), r.choice(LAST)
                    local = "%s.%s" % (ascii_of(first).lower(), ascii_of(last).lower())
                    if k == 0 and r.random() < 0.3:
                        local = ascii_of(first).lower()
                    addr = "%s@%s" % (local, co["domain"])
                    if not is_role(addr) and canon(addr) not in used_addr:
                        break
                used_addr.add(canon(addr))
                emails = []
                if r.random() < 0.2:
                    alt = "%s%s@%s" % (ascii_of(first)[0].lower(), ascii_of(last).lower(),
                                       (co["domains"] or [co["domain"]])[0])
                    if canon(alt) not in used_addr and not is_role(alt):
                        used_addr.add(canon(alt))
                        emails.append(alt)
                c = {"email": addr, "name": "%s %s" % (first, last), "company": co["domain"],
                     "lead_source": r.choice(LEAD_SOURCES),
                     "created_at": self.day(self.start - r.randint(0, 200) * 86400),
                     "emails": emails, "first": first}
                co["contacts"].append(c)
                self.contacts.append(c)
        # the freemail contact: a consultant with a private address
        self.jane = {"email": "jane.doe@gmail.com", "name": "Jane Doe", "company": "",
                     "lead_source": "website", "created_at": self.day(self.start + 86400 * 3),
                     "emails": [], "first": "Jane"}
        self.contacts.append(self.jane)
        self.contact_by_key = {}
        for c in self.contacts:
            for e in [c["email"]] + c["emails"]:
                self.contact_by_key[canon(e)] = c
        self.company_by_domain = {}
        for co in self.companies:
            for d in [co["domain"]] + co["domains"]:
                self.company_by_domain[d] = co

        self.deals = []
        n = 0
        for co in self.companies:
            for _ in range(r.choice([0, 1, 1, 1, 2])):
                n += 1
                stage = r.choice(STAGES)
                status = "open"
                if stage[0] == "closed":
                    status = r.choice(["won", "won", "lost"])
                elif r.random() < 0.08:
                    status = "lost"
                created = self.start - r.randint(0, 120) * 86400
                changed = created + r.randint(0, 150) * 86400
                closed = changed if status != "open" else None
                cts = r.sample(co["contacts"], min(len(co["contacts"]), r.choice([1, 1, 2])))
                self.deals.append({
                    "id": "D-%d" % (2000 + n),
                    "name": "%s %s" % (co["name"].split()[0].strip(',"'), r.choice(PRODUCTS)),
                    "stage": stage[0], "status": status, "company": co["domain"],
                    "owner": r.choice(self.reps)["email"],
                    "value": "%d.%02d" % (r.randint(2, 120) * 500, r.choice([0, 0, 0, 50, 99])),
                    "currency": "USD" if r.random() < 0.2 else "EUR",
                    "contacts": ";".join(c["email"] for c in cts),
                    "lead_source": r.choice(LEAD_SOURCES), "created_at": self.day(created),
                    "closed_at": self.day(closed) if closed else "",
                    "expected_close": "" if closed else self.day(self.now + r.randint(20, 200)
                                                                  * 86400),
                    "stage_changed_at": self.day(min(changed, self.now - 86400)),
                })

    @staticmethod
    def day(epoch):
        return time.strftime("%Y-%m-%d", time.gmtime(epoch))

    def write_crm(self, out):
        d = os.path.join(out, "crm")
        os.makedirs(d, exist_ok=True)

        def w(name, header, rows):
            buf = io.StringIO()
            cw = csv.writer(buf, lineterminator="\n")
            cw.writerow(header)
            for row in rows:
                cw.writerow(row)
            with open(os.path.join(d, name), "w", encoding="utf-8", newline="") as f:
                f.write(buf.getvalue())

        w("users.csv", ["email", "name", "aliases"],
          [[u["email"], u["name"], ";".join(u["aliases"])] for u in self.reps])
        w("companies.csv", ["domain", "name", "domains"],
          [[c["domain"], c["name"], ";".join(c["domains"])] for c in self.companies])
        w("contacts.csv", ["email", "name", "company", "lead_source", "created_at", "emails"],
          [[c["email"], c["name"], c["company"], c["lead_source"], c["created_at"],
            ";".join(c["emails"])] for c in self.contacts])
        w("stages.csv", ["id", "name", "position", "probability"],
          [list(s) for s in STAGES])
        keys = ["id", "name", "stage", "status", "company", "owner", "value", "currency",
                "contacts", "lead_source", "created_at", "closed_at", "expected_close",
                "stage_changed_at"]
        w("deals.csv", keys, [[dl[k] for k in keys] for dl in self.deals])
        if self.deals_later:
            w("deals-later.csv", keys, [[dl[k] for k in keys] for dl in self.deals_later])

    # -- messages --------------------------------------------------------------
    def new_id(self, host, mixed=False):
        self.idn += 1
        tok = "%08x.%d" % (self.rng.getrandbits(32), self.idn)
        if mixed:
            return "<CA+%s=Xy@%s>" % (tok.upper(), host.upper())
        return "<%s@%s>" % (tok, host)

    def rep_addr(self, rep):
        return (rep["name"], rep["email"])

    def contact_addr(self, c, addr=None):
        return (c["name"], addr or c["email"])

    def msg(self, kind, frm, to, when, subject, cc=(), bcc=(), mid=True, host=None,
            in_reply_to=None, references=None, headers=(), body="plain", subj_style=None,
            name_style=None, text=None, mailboxes=None, later=False, private=False):
        """Records one message. mailboxes: explicit [(user, folder)], else derived.
        later: delivered after the first sync (mail-later/); private: in a
        private folder (never read, not in expect.jsonl)."""
        if mid is True:
            dom = frm[1].rpartition("@")[2]
            mid = self.new_id(host or ("mail." + dom))
        m = {"kind": kind, "from": frm, "to": list(to), "cc": list(cc), "bcc": list(bcc),
             "date": int(when), "tz": self.rng.choice(TZS), "subject": subject,
             "message_id": mid or None, "in_reply_to": in_reply_to,
             "references": list(references or []), "headers": list(headers), "body": body,
             "subj_style": subj_style, "name_style": name_style, "text": text,
             "mailboxes": mailboxes, "later": later, "private": private}
        self.msgs.append(m)
        return m

    def body_text(self, to_name, me_name, p):
        t = self.rng.choice(BODIES)
        return t.format(to=to_name.split()[0], me=me_name, p=p)

    def subject_for(self, co):
        r = self.rng
        return r.choice(SUBJECTS).format(p=r.choice(PRODUCTS), c=co["name"].split()[0].strip(',"'),
                                         n=r.randint(2, 9))

    def when(self, lo=None, hi=None):
        lo = self.start if lo is None else lo
        hi = self.now - 3600 if hi is None else hi
        return self.rng.randint(lo, max(lo, hi))

    def pick_body(self):
        x = self.rng.random()
        return ("plain" if x < 0.40 else "qp" if x < 0.60 else "b64" if x < 0.70
                else "alt" if x < 0.95 else "attach")

    def pick_style(self):
        x = self.rng.random()
        return None if x < 0.4 else "utf8-b" if x < 0.6 else "utf8-q" if x < 0.8 else "latin1-q"

    def make_threads(self):
        r = self.rng
        cos = [c for c in self.companies if c["contacts"] and not c.get("special")]
        for _ in range(self.a.threads):
            rep = r.choice(self.reps)
            co = r.choice(cos)
            people = r.sample(co["contacts"], min(len(co["contacts"]), r.choice([1, 1, 2, 3])))
            other_rep = None
            if len(self.reps) > 1 and r.random() < 0.12:
                other_rep = r.choice([x for x in self.reps if x is not rep])
            n = r.choice([1, 1, 2, 2, 3, 3, 4, 5])
            subject = self.subject_for(co)
            style = self.pick_style() if not subject.isascii() or r.random() < 0.1 else None
            outbound = r.random() < 0.5
            t = self.when(hi=self.now - 86400 * 2)
            ids = []
            last_ext = people[0]
            for k in range(n):
                subj = subject if k == 0 else "Re: " + subject
                if outbound:
                    frm = self.rep_addr(rep)
                    to = [self.contact_addr(last_ext)]
                    cc = [self.contact_addr(p) for p in people if p is not last_ext
                          and r.random() < 0.7]
                else:
                    last_ext = r.choice(people) if k > 0 else people[0]
                    frm = self.contact_addr(last_ext)
                    to = [self.rep_addr(rep)]
                    cc = [self.contact_addr(p) for p in people if p is not last_ext
                          and r.random() < 0.5]
                if other_rep is not None:
                    cc.append(self.rep_addr(other_rep))
                irt, refs = None, None
                if ids:
                    irt = ids[-1]
                    refs = ids[-10:] if len(ids) <= 10 else [ids[0]] + ids[-9:]
                    if r.random() < 0.05:
                        refs = None  # In-Reply-To only
                text = self.body_text(to[0][0] or "there", frm[0], r.choice(PRODUCTS))
                m = self.msg("thread", frm, to, t, subj, cc=cc, in_reply_to=irt,
                             references=refs, body=self.pick_body(), subj_style=style,
                             name_style=self.pick_style() if r.random() < 0.3 else None,
                             text=text)
                ids.append(m["message_id"])
                t = min(t + r.randint(1800, 3 * 86400), self.now - 60)
                outbound = not outbound if r.random() < 0.85 else outbound

    def make_specials(self):
        """One of each case docs/matching.md distinguishes, whatever --threads is."""
        r = self.rng
        reps = self.reps
        a0 = reps[0]
        a1 = reps[1 % len(reps)]
        a2 = reps[2 % len(reps)]
        cos = [c for c in self.companies if c["contacts"] and not c.get("special")]
        co = cos[0]
        c0 = co["contacts"][0]
        c1 = co["contacts"][1 % len(co["contacts"])]
        c2 = co["contacts"][2 % len(co["contacts"])]
        co2 = cos[1 % len(cos)]
        d0 = co2["contacts"][0]
        co_extra = next((c for c in cos if c["domains"]), co)
        W = self.when
        M = self.msg

        def txt(to, me):
            return self.body_text(to or "there", me, r.choice(PRODUCTS))

        # domain rule: unknown person at a known company, inbound and outbound
        M("domain-rule", ("Priya Raman", "priya.raman@" + co2["domain"]), [self.rep_addr(a0)],
          W(), "Interested in a trial", text=txt(a0["name"], "Priya"))
        M("domain-rule-subdomain", self.rep_addr(a1), [("Ops Lead", "ops.lead@eu." + co["domain"])],
          W(), "Onboarding your EU team", text=txt("Ops", a1["name"]))
        M("domain-rule-second-domain", self.rep_addr(a0),
          [("", "procurement.team@" + co_extra["domains"][0] if co_extra["domains"]
            else "procurement.team@" + co_extra["domain"])],
          W(), "Purchase order details", text=txt("", a0["name"]), body="alt")
        # address rule, freemail contact (also with a plus tag and another case)
        M("freemail-contact", self.contact_addr(self.jane), [self.rep_addr(a0)], W(),
          "Consulting availability", text=txt(a0["name"], "Jane"))
        M("freemail-contact-plus", ("Jane Doe", "Jane.Doe+crm@gmail.com"), [self.rep_addr(a1)],
          W(), "Re: consulting rates", text=txt(a1["name"], "Jane"))
        local, _, dom = c0["email"].partition("@")
        M("plus-address", self.contact_addr(c0, "%s+deals@%s" % (local, dom)), [self.rep_addr(a0)],
          W(), "Sent from my plus address", text=txt(a0["name"], c0["name"]))
        if c0["emails"] or any(c["emails"] for c in self.contacts):
            cx = c0 if c0["emails"] else next(c for c in self.contacts if c["emails"])
            M("second-address", self.contact_addr(cx, cx["emails"][0]), [self.rep_addr(a2)], W(),
              "From my other address", text=txt(a2["name"], cx["name"]))
        # several contacts of one company
        M("several-contacts", self.contact_addr(c0), [self.rep_addr(a0)], W(),
          "Our team's feedback", cc=[self.contact_addr(c1), self.contact_addr(c2)],
          text=txt(a0["name"], c0["name"]))
        # unmatched: unknown freemail address, unknown domain
        M("unmatched-freemail", ("Random Prospect", "random.prospect@gmail.com"),
          [self.rep_addr(a0)], W(), "Question about your product", text=txt(a0["name"], "R"))
        M("unmatched-domain", ("Sam Someone", "sam@unknown-startup.example"), [self.rep_addr(a1)],
          W(), "Partnership idea", text=txt(a1["name"], "Sam"))
        # internal
        M("internal", self.rep_addr(a0), [self.rep_addr(a1)], W(), "Pipeline review Thursday",
          cc=[("Ops", "ops@eu." + TEAM_DOMAIN)], text=txt(a1["name"], a0["name"]))
        if reps[0]["aliases"]:
            M("internal-alias", self.rep_addr(a1), [(a0["name"], a0["aliases"][0])], W(),
              "Lunch?", text=txt(a0["name"], a1["name"]))
        # automated
        M("newsletter", ("SaaS Weekly", "digest@saasweekly.example"), [self.rep_addr(a0)], W(),
          "This week in SaaS: pricing pages",
          headers=[("List-Id", "SaaS Weekly <weekly.saasweekly.example>"),
                   ("List-Unsubscribe", "<mailto:leave@saasweekly.example>"),
                   ("Precedence", "bulk")], body="alt", text="Top stories this week.")
        M("list-unsubscribe-only", ("Events", "events@" + co["domain"]), [self.rep_addr(a1)], W(),
          "You're invited: customer summit",
          headers=[("List-Unsubscribe", "<https://%s/u?x=1>" % co["domain"])],
          text="Join us at the summit.")
        M("precedence-bulk", ("Campaigns", "campaigns@" + co2["domain"]), [self.rep_addr(a0)], W(),
          "Spring offers", headers=[("Precedence", "bulk")], text="Offers.")
        M("list-id-only", ("Discussion", "discuss@lists." + co2["domain"]), [self.rep_addr(a2)],
          W(), "[discuss] release planning", headers=[("List-Id", "<discuss.lists.%s>"
                                                        % co2["domain"])], text="Thread.")
        M("auto-reply", self.contact_addr(d0), [self.rep_addr(a0)], W(),
          "Automatic reply: Quote for analytics",
          headers=[("Auto-Submitted", "auto-replied"), ("X-Autoreply", "yes")],
          text="I am out of the office until Monday.")
        M("x-autorespond", self.contact_addr(c1), [self.rep_addr(a1)], W(), "Out of office",
          headers=[("X-Autorespond", "yes")], text="Away.")
        M("bounce", ("Mail Delivery Subsystem", "MAILER-DAEMON@mx." + co["domain"]),
          [self.rep_addr(a0)], W(), "Undelivered Mail Returned to Sender", body="report",
          text="This is the mail system. I'm sorry to have to inform you...")
        # role senders without automated headers
        M("role-noreply", ("Billing", "noreply@billing." + co["domain"]), [self.rep_addr(a0)], W(),
          "Your invoice is ready", text="Invoice attached.")
        M("role-notifications", ("Portal", "notifications@" + co2["domain"]), [self.rep_addr(a1)],
          W(), "New ticket comment", text="A comment was added.")
        # invitations
        M("invitation", self.contact_addr(c0), [self.rep_addr(a0)], W(),
          "Invitation: Demo @ Tue 10:00", body="calendar", text="You have been invited.")
        M("invitation-bare", self.contact_addr(d0), [self.rep_addr(a2)], W(), "Canceled: Sync",
          body="calendar-only", text="")
        # one message, two reps' mailboxes
        M("cc-two-reps", self.contact_addr(d0), [self.rep_addr(a0)], W(), "Contract questions",
          cc=[self.rep_addr(a1)], text=txt(a0["name"], d0["name"]))
        M("outbound-cc-rep", self.rep_addr(a0), [self.contact_addr(c1)], W(),
          "Introducing my colleague", cc=[self.rep_addr(a2)], text=txt(c1["name"], a0["name"]))
        # no Message-ID (unique ASCII subject: check_expect finds it by subject)
        M("no-message-id", self.contact_addr(d0), [self.rep_addr(a1)], W(),
          "Quick question without a message id", mid=None, text=txt(a1["name"], d0["name"]))
        # Message-ID with an upper-case domain (normalised to lower case)
        M("mixed-case-msgid", self.contact_addr(c2), [self.rep_addr(a0)], W(), "Numbers for Q3",
          mid=self.new_id("Mail.%s" % co["domain"], mixed=True), text=txt(a0["name"], c2["name"]))
        M("auto-submitted-no", self.contact_addr(c1), [self.rep_addr(a0)], W(), "Manual follow-up",
          headers=[("Auto-Submitted", "no")], text=txt(a0["name"], c1["name"]))
        M("bcc", self.rep_addr(a0), [self.contact_addr(c0)], W(), "Proposal attached",
          bcc=[self.contact_addr(d0)], body="attach", text=txt(c0["name"], a0["name"]))
        M("duplicate-participant", self.contact_addr(c2), [self.rep_addr(a2)], W(),
          "Duplicate address", cc=[("", c2["email"].upper()), ("", a2["email"].upper())],
          text=txt(a2["name"], c2["name"]))
        M("long-to", self.rep_addr(a1), [self.contact_addr(c) for c in co["contacts"]] +
          [self.contact_addr(d0)], W(), "Workshop agenda (all attendees)",
          text=txt("all", a1["name"]))
        # ignore patterns (--ignore '*@crm-relay.example' makes the first one "ignored")
        M("relay-only", ("CRM Relay", "relay@crm-relay.example"), [self.rep_addr(a0)], W(),
          "Forwarded lead", text="Forwarded.")
        M("relay-cc", self.contact_addr(c0), [self.rep_addr(a0)], W(), "Copying our relay",
          cc=[("CRM Relay", "relay@crm-relay.example")], text=txt(a0["name"], c0["name"]))
        # encodings, each at least once
        M("subject-latin1-q", self.contact_addr(c1), [self.rep_addr(a0)], W(),
          "Angebot für Müller & Söhne", subj_style="latin1-q", text=txt(a0["name"], c1["name"]))
        M("subject-utf8-b", self.contact_addr(d0), [self.rep_addr(a1)], W(),
          "Prijsvoorstel — 東京 office ✓", subj_style="utf8-b", text=txt(a1["name"], d0["name"]))
        M("subject-utf8-q", self.contact_addr(c2), [self.rep_addr(a2)], W(),
          "Réunion: ça marche très bien", subj_style="utf8-q", text=txt(a2["name"], c2["name"]))
        M("name-latin1", ("Zoë Ångström", c1["email"]), [self.rep_addr(a0)], W(),
          "Encoded display name (Latin-1)", name_style="latin1-q", text=txt(a0["name"], "Zoë"))
        M("name-utf8", ("Łukasz Wójcik — 東京", d0["email"]), [self.rep_addr(a0)], W(),
          "Encoded display name (UTF-8)", name_style="utf8-b", text=txt(a0["name"], "Łukasz"))
        M("body-qp", self.contact_addr(c0), [self.rep_addr(a1)], W(), "Quoted-printable body",
          body="qp", text="Grüße aus München – the ‘smart’ quotes and a very long line " * 3)
        M("body-base64", self.rep_addr(a2), [self.contact_addr(d0)], W(), "Base64 body",
          body="b64", text="Ceci est un message encodé en base64. 日本語も。")
        M("body-alternative", self.contact_addr(c2), [self.rep_addr(a0)], W(),
          "Multipart alternative body", body="alt", text="Plain part.\n\nSecond paragraph.")

    def make_deal_specials(self):
        """One of each deal case docs/matching.md ("Deals", "bcc_address",
        "autocreate_contacts") distinguishes, plus a private folder, in
        companies of their own (random threads and meetings never use them):
        deal-contact, two open deals (ambiguous), only won/lost deals, a
        won deal's tag, deal-company by the domain rule, a [deal:KEY] tag and
        a reply that follows it (thread), a bcc copy to BCC_ADDRESS +KEY, a
        thread older than its deal (crm/deals-later.csv), an ambiguous thread
        settled by `crmsync link` whose last reply arrives later
        (mail-later/), mail in PRIVATE_FOLDER, and a rep writing to a role
        address and an unknown person. Uses a random stream of its own."""
        r = random.Random("crmsync-deals:%d" % self.a.seed)
        reps = self.reps
        a0, a1, a2 = reps[0], reps[1 % len(reps)], reps[2 % len(reps)]
        now = self.now
        day = 86400

        def company(word, name):
            co = {"domain": word + ".example", "name": name, "domains": [], "contacts": [],
                  "special": True}
            self.companies.append(co)
            self.company_by_domain[co["domain"]] = co
            return co

        def contact(co, first, last):
            c = {"email": "%s.%s@%s" % (first.lower(), last.lower(), co["domain"]),
                 "name": "%s %s" % (first, last), "company": co["domain"],
                 "lead_source": r.choice(LEAD_SOURCES),
                 "created_at": self.day(self.start - r.randint(30, 200) * day), "emails": [],
                 "first": first, "special": True}
            co["contacts"].append(c)
            self.contacts.append(c)
            self.contact_by_key[canon(c["email"])] = c
            return c

        def deal(key, co, status, cts, product, to=None):
            created = self.start - r.randint(10, 90) * day
            closed = self.start + r.randint(5, 60) * day if status != "open" else None
            stage = "closed" if status != "open" else r.choice(["qualified", "demo", "proposal"])
            (self.deals if to is None else to).append({
                "id": key, "name": "%s %s" % (co["name"].split()[0], product), "stage": stage,
                "status": status, "company": co["domain"], "owner": r.choice(reps)["email"],
                "value": "%d.00" % (r.randint(4, 80) * 500), "currency": "EUR",
                "contacts": ";".join(c["email"] for c in cts),
                "lead_source": r.choice(LEAD_SOURCES), "created_at": self.day(created),
                "closed_at": self.day(closed) if closed else "",
                "expected_close": "" if closed else self.day(now + r.randint(20, 120) * day),
                "stage_changed_at": self.day(closed or created + 7 * day)})

        keystone = company("keystone", "Keystone Freight")
        olivia = contact(keystone, "Olivia", "Brandt")
        henrik = contact(keystone, "Henrik", "Dahl")
        meridian = company("meridian", "Meridian Textiles")
        greta = contact(meridian, "Greta", "Lund")
        lattice = company("lattice", "Lattice Biotech")
        ines = contact(lattice, "Ines", "Varga")
        harbor = company("harbor", "Harbor Analytics")
        tom = contact(harbor, "Tom", "Weller")
        quarry = company("quarry", "Quarry Works")
        paula = contact(quarry, "Paula", "Ortiz")
        orbital = company("orbital", "Orbital Systems")
        marek = contact(orbital, "Marek", "Novak")
        deal("D-K1", keystone, "open", [olivia], "tracking pilot")
        deal("D-K2", keystone, "open", [henrik], "EU rollout")
        deal("D-K3", keystone, "open", [henrik], "US rollout")
        deal("D-M1", meridian, "won", [greta], "dashboards")
        deal("D-M2", meridian, "lost", [greta], "renewal")
        deal("D-L0", lattice, "won", [ines], "pilot")
        deal("D-L1", lattice, "open", [ines], "expansion")
        deal("D-H1", harbor, "open", [tom], "forecasting")
        deal("D-H2", harbor, "open", [], "data platform")
        deal("D-Q0", quarry, "lost", [paula], "telemetry")
        deal("D-O1", orbital, "open", [marek], "ground station analytics")
        deal("D-O2", orbital, "open", [marek], "fleet telemetry")
        deal("D-Q1", quarry, "open", [paula], "expansion", to=self.deals_later)

        M = self.msg
        P = self.contact_addr
        R = self.rep_addr

        def t(days_ago, hour=10):
            return (now - days_ago * day) // day * day + hour * 3600 + r.randint(0, 3599)

        def body(to, me):
            return self.body_text(to or "there", me, r.choice(PRODUCTS))

        def reply(kind, frm, to, when, root, parent, subject, **kw):
            return M(kind, frm, to, when, subject, in_reply_to=parent["message_id"],
                     references=[root["message_id"]] + ([parent["message_id"]]
                                                        if parent is not root else []),
                     text=body(to[0][0], frm[0]), **kw)

        # a. one open deal: deal-contact
        M("deal-contact", P(olivia), [R(a0)], t(50), "Keystone pallet tracking pilot",
          text=body(a0["name"], olivia["name"]))
        # b. two open deals: ambiguous
        amb = M("deal-ambiguous", P(henrik), [R(a1)], t(48), "Keystone: two rollouts, one budget",
                text=body(a1["name"], henrik["name"]))
        # contacts on three open deals together: ambiguous
        pair = M("deal-ambiguous-contacts", P(olivia), [R(a0)], t(46),
                 "Keystone steering committee dates", cc=[P(henrik)],
                 text=body(a0["name"], olivia["name"]))
        # c. only won and lost deals: no deal; a won deal's tag does nothing
        M("deal-closed-only", P(greta), [R(a2)], t(44), "Meridian thank-you after go-live",
          text=body(a2["name"], greta["name"]))
        M("deal-tag-closed", R(a2), [P(greta)], t(43), "[deal:D-M1] Meridian post-project survey",
          text=body(greta["name"], a2["name"]))
        # d. an unknown person at a company with one open deal: deal-company
        M("deal-company", ("Victor Hale", "victor.hale@" + lattice["domain"]), [R(a0)], t(42),
          "Lattice trial licence request", text=body(a0["name"], "Victor"))
        # e. a tag on mail of a contact on two open deals; the reply follows the thread
        root = M("deal-tag", P(henrik), [R(a0)], t(40), "[deal:D-K3] Keystone revised freight terms",
                 text=body(a0["name"], henrik["name"]))
        tagged = [root, reply("deal-tag-reply", R(a0), [P(henrik)], t(39), root, root,
                              "Re: Keystone revised freight terms")]
        # f. a bcc copy to the CRM's address with a deal tag; its unknown person
        nadia = ("Nadia Petrov", "nadia.petrov@" + harbor["domain"])
        bcc = M("bcc-copy", R(a0), [nadia], t(38), "Harbor Analytics proposal and next steps",
                bcc=[("Lumen CRM", "log+D-H2@" + BCC_ADDRESS.rpartition("@")[2])],
                text=body(nadia[0], a0["name"]))
        # g. a thread older than its deal (crm/deals-later.csv adds D-Q1)
        g1 = M("deal-later", P(paula), [R(a1)], t(36), "Quarry Works expansion questions",
               text=body(a1["name"], paula["name"]))
        g2 = reply("deal-later", R(a1), [P(paula)], t(35), g1, g1,
                   "Re: Quarry Works expansion questions")
        g3 = reply("deal-later", P(paula), [R(a1)], t(33), g1, g2,
                   "Re: Quarry Works expansion questions")
        # h. an ambiguous thread settled by `crmsync link`; its last reply comes later
        h1 = M("deal-link", P(marek), [R(a1)], t(30), "Orbital Systems: which project first?",
               text=body(a1["name"], marek["name"]))
        h2 = reply("deal-link", R(a1), [P(marek)], t(29), h1, h1,
                   "Re: Orbital Systems: which project first?")
        h3 = reply("deal-link-later", P(marek), [R(a1)], t(2), h1, h2,
                   "Re: Orbital Systems: which project first?", later=True,
                   mailboxes=[(a1["email"], "INBOX")])
        # i. a private folder: never read
        p1 = M("private", P(olivia), [R(a0)], t(26), "Birthday dinner on Saturday, just us",
               mailboxes=[(a0["email"], PRIVATE_FOLDER)], private=True,
               text=body(a0["name"], olivia["name"]))
        p2 = reply("private", R(a0), [P(olivia)], t(25), p1, p1,
                   "Re: Birthday dinner on Saturday, just us",
                   mailboxes=[(a0["email"], PRIVATE_FOLDER)], private=True)
        # j. a role address and an unknown person at one company, written to by a rep
        felix = ("Felix Brandt", "felix.brandt@" + lattice["domain"])
        role = ("Lattice Info", "info@" + lattice["domain"])
        j = M("role-and-unknown", R(a2), [role, felix], t(22),
              "Lattice onboarding: who should get access?", text=body("Felix", a2["name"]))
        self.scenarios = {
            "msgs": {"bcc": bcc, "later_thread": [g1, g2, g3], "link": [h1, h2, h3],
                     "private": [p1, p2], "role": j, "purge_alone": [amb] + tagged,
                     "purge_shared": [pair]},
            "contact": canon(olivia["email"]), "purge": canon(henrik["email"]),
            "created": canon(nadia[1]), "autocreate": canon(felix[1]),
            "role_address": canon(role[1]), "later_deal": "D-Q1", "bcc_deal": "D-H2",
        }

    # -- deals (docs/matching.md "Deals") ------------------------------------------
    def deal_index(self, deals):
        """(open deal keys per contact key, per company domain; status per key)."""
        by_contact, by_company, status = {}, {}, {}
        for d in deals:
            status[d["id"]] = d["status"]
            if d["status"] != "open":
                continue
            for e in d["contacts"].split(";"):
                if e.strip():
                    c = self.contact_by_key.get(canon(e))
                    ck = canon(c["email"]) if c else canon(e)
                    by_contact.setdefault(ck, set()).add(d["id"])
            co = self.company_by_domain.get(d["company"])
            if co is not None:
                by_company.setdefault(co["domain"], set()).add(d["id"])
        return by_contact, by_company, status

    @staticmethod
    def own_deal(idx, contacts, companies, tag):
        """Rules tag, deal-contact and deal-company for one activity:
        (deal key or None, rule, sorted candidates when ambiguous)."""
        by_contact, by_company, status = idx
        if tag is not None and status.get(tag) == "open":
            return tag, "tag", ()
        s, rule = set(), "deal-contact"
        for ck in contacts:
            s.update(by_contact.get(ck, ()))
        if not s:
            rule = "deal-company"
            for co in companies:
                s.update(by_company.get(co, ()))
        if len(s) == 1:
            return next(iter(s)), rule, ()
        return None, None, tuple(sorted(s))

    def decide_deals(self, exps, idx, manual=None):
        """Sets the deal link and the candidates of every logged expectation:
        each thread (same thread_key) in order of (occurred_at, source_key);
        manual: {source_key: deal} linked by a person."""
        manual = manual or {}
        status = idx[2]
        threads = {}
        for e in exps:
            if e["outcome"] == "logged":
                threads.setdefault(e["thread_key"] or "\0" + e["source_key"], []).append(e)
        for th in threads.values():
            th.sort(key=lambda e: (e["occurred_at"], e["source_key"]))
            current = None  # the open deal of the latest earlier activity that has one
            for e in th:
                if e["source_key"] in manual:
                    deal, rule, cands = manual[e["source_key"]], "manual", ()
                elif current is not None:
                    deal, rule, cands = current, "thread", ()
                else:
                    deal, rule, cands = self.own_deal(idx, e["contacts"], e["companies"],
                                                      e["deal_tag"])
                e["links"] = [x for x in e["links"] if x["type"] != "deal"]
                if deal is not None:
                    e["links"].append({"type": "deal", "key": deal, "rule": rule})
                    if status.get(deal) == "open":
                        current = deal
                e["ambiguous"] = list(cands)

    # -- bulk mode ---------------------------------------------------------------
    def write_bulk(self, out):
        """--bulk N: N messages of the first rep over K folders, written straight
        to disk (a benchmark needs 100,000 in seconds, so no generic rendering).
        Folder i % K gets message i; dates rise with i, so file order is date
        order. Sent holds outbound mail to contacts; the others inbound mail:
        mostly from contacts, 4% newsletters, 3% unknown gmail.com senders,
        3% unknown people at company domains. 20% reply to the previous
        message of their folder (References: root, parent)."""
        a, r = self.a, self.rng
        rep = self.reps[0]
        k = max(1, a.bulk_folders)
        folders = ["INBOX", "Sent"][:k] + ["Archive%02d" % i for i in range(1, k - 1)]
        mail = os.path.join(out, "mail")
        for f in folders:
            os.makedirs(os.path.join(mail, rep["email"], f), exist_ok=True)
        span = self.now - 3600 - self.start
        cts = [c for c in self.contacts if c["company"]]
        rep_hdr = fmt_addr(rep["name"], rep["email"])
        news = ("SaaS Weekly", "digest@saasweekly.example")
        news_hdrs = [("List-Id", "<weekly.saasweekly.example>"), ("Precedence", "bulk")]
        frag_cache, deal_cache = {}, {}
        counts = {}
        prev = {}
        idx = self.deal_index(self.deals)
        thread_deal = {}  # thread root -> the open deal of its first activity that has one
        enc = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        boxes = {f: 0 for f in folders}
        with open(os.path.join(out, "expect.jsonl"), "w", encoding="utf-8") as ex:
            for i in range(a.bulk):
                f = folders[i % k]
                when = self.start + span * i // max(1, a.bulk)
                c = cts[r.randrange(len(cts))]
                x = r.random()
                headers = ()
                if f == "Sent":
                    kind, frm, to = "bulk-outbound", (rep["name"], rep["email"]), (c["name"], c["email"])
                elif x < 0.04:
                    kind, frm, to, headers = "bulk-newsletter", news, None, news_hdrs
                elif x < 0.07:
                    kind, frm, to = "bulk-unmatched", ("Prospect %d" % i, "prospect%d@gmail.com" % i), None
                elif x < 0.10:
                    kind, frm, to = "bulk-domain", ("New %d" % i, "new%d@%s" % (i, c["company"])), None
                else:
                    kind, frm, to = "bulk-inbound", (c["name"], c["email"]), None
                dom = frm[1].rpartition("@")[2]
                mid = "<b%07d.%d@mail.%s>" % (i, a.seed, dom)
                p = prev.get(f)
                refs = None
                if p is not None and r.random() < 0.2:
                    refs = [p[1]] if p[1] == p[0] else [p[1], p[0]]
                prev[f] = (mid, refs[0] if refs else mid)
                subject = "Bulk %d: %s" % (i, PRODUCTS[r.randrange(len(PRODUCTS))])
                boxes[f] += 1
                uid = boxes[f]
                # the matching outcome depends on the addresses and headers only;
                # unknown senders differ per message but match alike per kind
                fk = (kind, c["email"] if kind in ("bulk-outbound", "bulk-inbound", "bulk-domain")
                      else "")
                frag = frag_cache.get(fk)
                if frag is None:
                    m = {"from": frm, "to": [to] if to else [(rep["name"], rep["email"])],
                         "cc": [], "bcc": [], "headers": list(headers), "body": "plain"}
                    reason, direction, links, contacts, companies, nparts = self.match(m)[:6]
                    if reason is not None:
                        links, contacts, companies = [], [], []
                    frag = frag_cache[fk] = (reason, enc({
                        "outcome": "logged" if reason is None else "skipped", "reason": reason,
                        "direction": direction if reason is None else None,
                        "owners": [rep["email"]]})[1:-1], enc({
                        "contacts": contacts, "companies": companies})[1:-1], links,
                        enc({"participants": nparts, "kind": kind})[1:-1],
                        self.own_deal(idx, contacts, companies, None) if reason is None
                        else (None, None, ()))
                # the deal (docs/matching.md "Deals"): dates rise with i, so a
                # thread's earlier activities are already decided
                root = refs[0] if refs else mid
                deal = frag[5]
                if frag[0] is None:
                    if root in thread_deal:
                        deal = (thread_deal[root], "thread", ())
                    elif deal[0] is not None:
                        thread_deal[root] = deal[0]
                dk = (fk, deal)
                tail = deal_cache.get(dk)
                if tail is None:
                    links = frag[3] + ([{"type": "deal", "key": deal[0], "rule": deal[1]}]
                                       if deal[0] is not None else [])
                    tail = deal_cache[dk] = "%s,%s,%s" % (frag[2], enc({
                        "links": links, "ambiguous": list(deal[2]), "deal_tag": None,
                        "created_contacts": []})[1:-1], frag[4])
                hdr = ["From: " + fmt_addr(frm[0], frm[1]) if kind != "bulk-unmatched" and
                       kind != "bulk-domain" else "From: %s <%s>" % frm,
                       "To: " + (fmt_addr(to[0], to[1]) if to else rep_hdr),
                       "Subject: " + subject, "Date: " + fmt_date(when, 0),
                       "Message-ID: " + mid]
                if refs:
                    hdr.append("In-Reply-To: " + p[0])
                    hdr.append("References: " + " ".join(refs))
                for n, v in headers:
                    hdr.append("%s: %s" % (n, v))
                hdr.append("MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n"
                           "Content-Transfer-Encoding: 7bit\n\nMessage %d in the bulk mailbox.\n" % i)
                fd = os.open("%s/%s/%s/%08d.eml" % (mail, rep["email"], f, uid),
                             os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                try:
                    os.write(fd, "\n".join(hdr).encode("utf-8"))
                    os.utime(fd, (when, when))
                finally:
                    os.close(fd)
                ex.write('{"message_id":"%s","source_key":"%s","subject":"%s","mailboxes":[["%s","%s"]],'
                         '"uids":[%d],%s,"thread_key":"%s","occurred_at":"%s",%s}\n' % (
                             mid, mid, subject, rep["email"], f, uid, frag[1],
                             refs[0] if refs else mid, rfc3339(when), tail))
                key = frag[0] or "logged"
                counts[key] = counts.get(key, 0) + 1
        for f in folders:
            os.utime(os.path.join(mail, rep["email"], f), (self.now, self.now))
        os.utime(os.path.join(mail, rep["email"]), (self.now, self.now))
        self.boxes = {(rep["email"], f): n for f, n in boxes.items() if n}
        logged = counts.pop("logged", 0)
        return self.write_summary(out, a.bulk, a.bulk, logged, counts)

    # -- placement, rendering, expectations ------------------------------------------
    def is_internal(self, key):
        if key in self.user_keys:
            return True
        dom = key.rpartition("@")[2]
        return dom == TEAM_DOMAIN or dom.endswith("." + TEAM_DOMAIN)

    def rep_of(self, key):
        for u in self.reps:
            if key == canon(u["email"]) or key in (canon(x) for x in u["aliases"]):
                return u["email"]
        return None

    def place(self, m):
        if m["mailboxes"] is not None:
            return [tuple(x) for x in m["mailboxes"]]
        boxes = []
        sender = self.rep_of(canon(m["from"][1]))
        if sender:
            boxes.append((sender, "Sent"))
        for _, addr in m["to"] + m["cc"] + m["bcc"]:
            u = self.rep_of(canon(addr))
            if u and u != sender and (u, "INBOX") not in boxes:
                boxes.append((u, "INBOX"))
        return boxes

    def expect(self, m):
        """docs/matching.md applied to one message."""
        k = (m["from"][1], tuple(a for _, a in m["to"]), tuple(a for _, a in m["cc"]),
             tuple(a for _, a in m["bcc"]), tuple(m["headers"]), m["body"])
        v = self._match_cache.get(k)
        if v is None:
            v = self._match_cache[k] = self.match(m)
        reason, direction, links, contacts, companies, nparts, bcc_tag, created = v
        mid = norm_msgid(m["message_id"])
        from_key = canon(m["from"][1])
        if mid:
            source_key = mid
        else:
            to_key = canon(m["to"][0][1]) if m["to"] else ""
            source_key = "sha256:" + hashlib.sha256(("%s\n%d\n%s\n%s" % (
                from_key, m["date"], m["subject"], to_key)).encode()).hexdigest()
        if m["references"]:
            thread = norm_msgid(m["references"][0])
        elif m["in_reply_to"]:
            thread = norm_msgid(m["in_reply_to"])
        else:
            thread = mid
        logged = reason is None
        tag = subject_tag(m["subject"]) or bcc_tag
        return {
            "message_id": mid, "source_key": source_key, "subject": m["subject"],
            "mailboxes": [list(b) for b in m["boxes"]], "uids": m["uids"],
            "outcome": "logged" if logged else "skipped", "reason": reason,
            "direction": direction if logged else None,
            "owners": sorted(set(u for u, _ in m["boxes"])),
            "thread_key": thread, "occurred_at": rfc3339(m["date"]),
            "contacts": contacts if logged else [], "companies": companies if logged else [],
            "links": list(links) if logged else [], "ambiguous": [],
            "deal_tag": tag if logged else None,
            "created_contacts": list(created) if logged else [],
            "participants": nparts, "kind": m["kind"],
        }

    def is_bcc_address(self, addr):
        """The CRM's own address, with or without a +tag (case-insensitive)."""
        if not self.bcc:
            return False
        local, _, dom = addr.strip().lower().rpartition("@")
        blocal, _, bdom = self.bcc.rpartition("@")
        return dom == bdom and (local == blocal or local.startswith(blocal + "+"))

    def match(self, m):
        """The outcome part of expect(): depends on addresses and headers only.
        Returns (reason, direction, links, contacts, companies, participants,
        bcc tag or None, created contact keys)."""
        parts, seen = [], set()
        bcc_copy, bcc_tag = False, None
        for role, lst in (("from", [m["from"]]), ("to", m["to"]), ("cc", m["cc"]),
                          ("bcc", m["bcc"])):
            for _, addr in lst:
                if self.bcc and self.is_bcc_address(addr):
                    local = addr.strip().rpartition("@")[0]
                    if not bcc_copy and "+" in local:
                        bcc_tag = local.split("+", 1)[1].strip() or None
                    bcc_copy = True
                    continue
                k = canon(addr)
                if k not in seen:
                    seen.add(k)
                    parts.append((role, k))
        from_key = canon(m["from"][1])
        h = dict((n.lower(), v) for n, v in m["headers"])
        reason = None
        if m["body"] in ("calendar", "calendar-only"):
            reason = "invitation"
        elif ("auto-submitted" in h and h["auto-submitted"].lower() != "no") or \
                h.get("precedence", "").lower() in ("bulk", "junk", "list") or \
                "list-id" in h or "list-unsubscribe" in h or "x-autoreply" in h or \
                "x-autorespond" in h or m["body"] == "report":
            reason = "automated"
        elif is_role(from_key):
            reason = "role-sender"
        externals = [k for _, k in parts if not self.is_internal(k)]
        direction = None
        if reason is None and not externals:
            if self.a.log_internal and parts:
                direction = "internal"
            else:
                reason = "internal"
        links, contacts, companies, created = [], [], [], []
        if reason is None and direction is None:
            kept = [k for k in externals
                    if not any(fnmatch.fnmatchcase(k, p) for p in self.ignore)]
            dropped = set(externals) - set(kept)
            parts = [(ro, k) for ro, k in parts if k not in dropped]
            if not kept:
                reason = "ignored"
            else:
                for k in kept:
                    c = self.contact_by_key.get(k)
                    dom = k.rpartition("@")[2]
                    free = any(d in FREEMAIL for d in domain_chain(dom))
                    co = None if free else next((self.company_by_domain[d] for d in
                                                 domain_chain(dom)
                                                 if d in self.company_by_domain), None)
                    if c is None and bcc_copy and not is_role(k) and k not in created:
                        # a bcc copy makes its unknown people contacts (matching.md)
                        created.append(k)
                        c = {"email": k, "company": co["domain"] if co else ""}
                    if c is not None:
                        ck = canon(c["email"])
                        if ck not in contacts:
                            contacts.append(ck)
                            links.append({"type": "contact", "key": ck, "rule": "address"})
                        if c["company"] and c["company"] not in companies:
                            companies.append(c["company"])
                            links.append({"type": "company", "key": c["company"],
                                          "rule": "address"})
                        continue
                    if co is not None and co["domain"] not in companies:
                        companies.append(co["domain"])
                        links.append({"type": "company", "key": co["domain"], "rule": "domain"})
                if not links:
                    reason = "unmatched"
                else:
                    direction = "outbound" if self.is_internal(from_key) else "inbound"
        return (reason, direction, links, contacts, companies, len(parts), bcc_tag,
                created)

    def render(self, m):
        """The message as bytes (LF line ends, as in a Maildir)."""
        r = self.rng
        ns = m["name_style"]
        lines = []

        def addrs(lst, style):
            out = [fmt_addr(n, a, style) for n, a in lst]
            return ",\n ".join(out) if len(out) > 2 else ", ".join(out)

        if m["kind"] not in ("bulk", "bulk-newsletter", "bulk-unmatched", "bulk-domain"):
            lines.append("Return-Path: <%s>" % m["from"][1])
            lines.append("Received: from mx.example (mx.example [192.0.2.25])\n"
                         "\tby mail.lumen.example with ESMTPS id %08x\n\tfor <%s>; %s" % (
                             r.getrandbits(32), (m["to"] or [m["from"]])[0][1],
                             fmt_date(m["date"] + 2, 0)))
        lines.append("From: " + fmt_addr(m["from"][0], m["from"][1], ns))
        if m["to"]:
            lines.append("To: " + addrs(m["to"], ns if r.random() < 0.5 else None))
        if m["cc"]:
            lines.append("Cc: " + addrs(m["cc"], None))
        if m["bcc"]:
            lines.append("Bcc: " + addrs(m["bcc"], None))
        lines.append("Subject: " + header_text(m["subject"], m["subj_style"]))
        lines.append("Date: " + fmt_date(m["date"], m["tz"]))
        if m["message_id"]:
            lines.append("Message-ID: " + m["message_id"])
        if m["in_reply_to"]:
            lines.append("In-Reply-To: " + m["in_reply_to"])
        if m["references"]:
            lines.append("References: " + "\n ".join(m["references"]))
        for n, v in m["headers"]:
            lines.append("%s: %s" % (n, v))
        lines.append("MIME-Version: 1.0")
        text = m["text"] or ""
        body = m["body"]
        bnd = "=_gen_%08x" % r.getrandbits(32)
        if body == "plain":
            if text.isascii():
                lines.append("Content-Type: text/plain; charset=us-ascii")
                lines.append("Content-Transfer-Encoding: 7bit")
                payload = text
            else:
                lines.append("Content-Type: text/plain; charset=utf-8")
                lines.append("Content-Transfer-Encoding: quoted-printable")
                payload = qp_encode(text)
        elif body == "qp":
            lines.append("Content-Type: text/plain; charset=utf-8; format=flowed")
            lines.append("Content-Transfer-Encoding: quoted-printable")
            payload = qp_encode(text)
        elif body == "b64":
            lines.append("Content-Type: text/plain; charset=utf-8")
            lines.append("Content-Transfer-Encoding: base64")
            payload = b64_lines(text.encode("utf-8"))
        elif body == "alt":
            lines.append('Content-Type: multipart/alternative; boundary="%s"' % bnd)
            payload = ("This is a multi-part message in MIME format.\n\n"
                       "--{b}\nContent-Type: text/plain; charset=utf-8\n"
                       "Content-Transfer-Encoding: quoted-printable\n\n{t}\n"
                       "--{b}\nContent-Type: text/html; charset=utf-8\n"
                       "Content-Transfer-Encoding: base64\n\n{h}\n--{b}--\n").format(
                b=bnd, t=qp_encode(text), h=b64_lines(html_of(text).encode("utf-8")))
        elif body == "attach":
            pdf = b"%PDF-1.4\n" + bytes(r.getrandbits(8) for _ in range(600)) + b"\n%%EOF\n"
            lines.append('Content-Type: multipart/mixed; boundary="%s"' % bnd)
            payload = ("--{b}\nContent-Type: text/plain; charset=utf-8\n"
                       "Content-Transfer-Encoding: quoted-printable\n\n{t}\n"
                       "--{b}\nContent-Type: application/pdf; name=\"proposal.pdf\"\n"
                       "Content-Disposition: attachment; filename=\"proposal.pdf\"\n"
                       "Content-Transfer-Encoding: base64\n\n{p}\n--{b}--\n").format(
                b=bnd, t=qp_encode(text), p=b64_lines(pdf))
        elif body in ("calendar", "calendar-only"):
            dt = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(m["date"] + 3 * 86400))
            de = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(m["date"] + 3 * 86400 + 3600))
            method = "REQUEST" if body == "calendar" else "CANCEL"
            ics = ("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//crmsync gen//EN\nMETHOD:{me}\n"
                   "BEGIN:VEVENT\nUID:gen-{u}@{d}\nDTSTAMP:{ds}\nDTSTART:{s}\nDTEND:{e}\n"
                   "SUMMARY:{sub}\nORGANIZER:mailto:{o}\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:{a}\n"
                   "{st}END:VEVENT\nEND:VCALENDAR\n").format(
                me=method, u=r.getrandbits(32), d=m["from"][1].rpartition("@")[2],
                ds=dt, s=dt, e=de, sub=m["subject"].split(":")[0], o=m["from"][1],
                a=m["to"][0][1], st="STATUS:CANCELLED\n" if method == "CANCEL" else "")
            if body == "calendar-only":
                lines.append("Content-Type: text/calendar; charset=utf-8; method=CANCEL")
                lines.append("Content-Transfer-Encoding: 7bit")
                payload = ics
            else:
                lines.append('Content-Type: multipart/alternative; boundary="%s"' % bnd)
                payload = ("--{b}\nContent-Type: text/plain; charset=utf-8\n\n{t}\n"
                           "--{b}\nContent-Type: text/calendar; charset=utf-8; method=REQUEST\n"
                           "Content-Transfer-Encoding: 7bit\n\n{i}--{b}--\n").format(
                    b=bnd, t=text, i=ics)
        elif body == "report":
            lines.append('Content-Type: multipart/report; report-type=delivery-status;'
                         '\n\tboundary="%s"' % bnd)
            payload = ("--{b}\nContent-Type: text/plain; charset=us-ascii\n\n{t}\n"
                       "--{b}\nContent-Type: message/delivery-status\n\n"
                       "Reporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; {a}\n"
                       "Action: failed\nStatus: 5.1.1\n"
                       "--{b}\nContent-Type: text/rfc822-headers\n\n"
                       "From: {a}\nSubject: Quote\n--{b}--\n").format(
                b=bnd, t=text, a=m["to"][0][1])
        else:
            raise ValueError(body)
        return ("\n".join(lines) + "\n\n" + payload.rstrip("\n") + "\n").encode("utf-8")

    def write_mail(self, out):
        mail = os.path.join(out, "mail")
        # copies per mailbox, in date order (then generation order); messages
        # delivered later (mail-later/) get the UIDs after those
        boxes = {}
        for i, m in enumerate(self.msgs):
            m["boxes"] = self.place(m)
            m["uids"] = []
            if not m["later"]:
                for b in m["boxes"]:
                    boxes.setdefault(b, []).append(i)
        created = set()
        for b in sorted(boxes):
            idx = sorted(boxes[b], key=lambda i: (self.msgs[i]["date"], i))
            d = os.path.join(mail, b[0], b[1])
            os.makedirs(d, exist_ok=True)
            created.add(d)
            for uid, i in enumerate(idx, 1):
                self.msgs[i]["uids"].append((b, uid))
        later, later_dirs = {}, set()
        for m in self.msgs:
            if m["later"]:
                for b in m["boxes"]:
                    later[b] = later.get(b, len(boxes.get(b, ()))) + 1
                    m["uids"].append((b, later[b]))
                    d = os.path.join(out, "mail-later", b[0], b[1])
                    os.makedirs(d, exist_ok=True)
                    later_dirs.add(d)
        # render each message once (deterministic order), write every copy
        for m in self.msgs:
            data = self.render(m)
            uids = dict(m["uids"])
            m["uids"] = [uids[b] for b in m["boxes"]]
            top = os.path.join(out, "mail-later") if m["later"] else mail
            for b, uid in zip(m["boxes"], m["uids"]):
                fd = os.open("%s/%s/%s/%08d.eml" % (top, b[0], b[1], uid),
                             os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                try:
                    os.write(fd, data)
                    os.utime(fd, (m["date"], m["date"]))
                finally:
                    os.close(fd)
        private = set(b for m in self.msgs if m["private"] for b in m["boxes"])
        self.boxes = {b: len(v) for b, v in boxes.items() if b not in private}
        self.private_boxes = {b: len(v) for b, v in boxes.items() if b in private}
        self.later_boxes = later
        for d in sorted(created | later_dirs, key=len, reverse=True):
            os.utime(d, (self.now, self.now))
        for u in sorted(set(b[0] for b in boxes)):
            os.utime(os.path.join(mail, u), (self.now, self.now))
        for u in sorted(set(b[0] for b in later)):
            os.utime(os.path.join(out, "mail-later", u), (self.now, self.now))
        if later:
            os.utime(os.path.join(out, "mail-later"), (self.now, self.now))

    @staticmethod
    def write_jsonl(path, exps):
        with open(path, "w", encoding="utf-8") as f:
            for e in exps:
                f.write(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n")

    def write_expect(self, out):
        counts, total = {}, {"messages": 0, "activities": 0, "copies": 0}
        exps = [(m, self.expect(m)) for m in self.msgs if not m["private"]]
        now = [e for m, e in exps if not m["later"]]
        idx = self.deal_index(self.deals)
        self.decide_deals(now, idx)
        self.write_jsonl(os.path.join(out, "expect.jsonl"), now)
        for e in now:
            key = e["outcome"] if e["outcome"] == "logged" else "skipped:" + e["reason"]
            counts[key] = counts.get(key, 0) + 1
            total["messages"] += 1
            total["copies"] += len(e["mailboxes"])
            total["activities"] += e["outcome"] == "logged"
        extra = None
        if self.scenarios is not None:
            extra = self.scenario_summary(out, exps, idx)
        reasons = {k.split(":", 1)[1]: v for k, v in counts.items() if ":" in k}
        return self.write_summary(out, total["messages"], total["copies"],
                                  counts.get("logged", 0), reasons, extra)

    def scenario_summary(self, out, exps, idx):
        """expect-link.jsonl, expect-later.jsonl and what a test needs to know."""
        sc = self.scenarios
        by_msg = {id(m): e for m, e in exps}

        def sk(m):
            return by_msg[id(m)]["source_key"] if id(m) in by_msg else self.expect(m)["source_key"]

        root = by_msg[id(sc["msgs"]["link"][0])]
        if len(root["ambiguous"]) < 2:
            raise AssertionError("the deal-link thread is not ambiguous")
        manual = {root["source_key"]: root["ambiguous"][0]}
        link = [dict(e) for _, e in exps]
        self.decide_deals(link, idx, manual)
        self.write_jsonl(os.path.join(out, "expect-link.jsonl"), link)
        later = [dict(e) for _, e in exps]
        self.decide_deals(later, self.deal_index(self.deals + self.deals_later), manual)
        self.write_jsonl(os.path.join(out, "expect-later.jsonl"), later)
        changed = sum(a["links"] != b["links"] or a["ambiguous"] != b["ambiguous"]
                      for a, b in zip(link, later))
        h3 = sc["msgs"]["link"][-1]
        bcc = by_msg[id(sc["msgs"]["bcc"])]
        return {
            "settings": {
                "bcc_address": BCC_ADDRESS, "folders": ["INBOX", "Sent", PRIVATE_FOLDER],
                "private_folders": [PRIVATE_FOLDER],
                "note": "the config of the deal scenarios (tests/integration/deals.sh); "
                        "expect.jsonl assumes bcc_address only when gen.py ran with --bcc"},
            "private": {"source_keys": [sk(m) for m in sc["msgs"]["private"]],
                        "mailboxes": {"%s/%s" % b: n for b, n in
                                      sorted(self.private_boxes.items())}},
            "mail_later": {"mailboxes": {"%s/%s" % b: n - self.boxes.get(b, 0)
                                         for b, n in sorted(self.later_boxes.items())},
                           "files": ["%s/%s/%08d.eml" % (b[0], b[1], u)
                                     for m in self.msgs if m["later"]
                                     for b, u in zip(m["boxes"], m["uids"])]},
            "link": {"activity": root["source_key"], "deal": manual[root["source_key"]],
                     "candidates": root["ambiguous"],
                     "thread": [sk(m) for m in sc["msgs"]["link"]], "later": [sk(h3)],
                     "expect": "expect-link.jsonl"},
            "deals_later": {"file": "crm/deals-later.csv", "deal": sc["later_deal"],
                            "thread": [sk(m) for m in sc["msgs"]["later_thread"]],
                            "changed": changed, "expect": "expect-later.jsonl"},
            "bcc_copy": {"source_key": bcc["source_key"], "deal": sc["bcc_deal"],
                         "created": sc["created"]},
            "autocreate": {"source_key": sk(sc["msgs"]["role"]), "address": sc["autocreate"],
                           "role_address": sc["role_address"]},
            "purge": {"address": sc["purge"],
                      "alone": [sk(m) for m in sc["msgs"]["purge_alone"]],
                      "with_others": [sk(m) for m in sc["msgs"]["purge_shared"]]},
            "contact": sc["contact"],
        }

    def write_summary(self, out, messages, copies, logged, reasons, extra=None):
        reasons = dict(sorted(reasons.items()))
        summary = {
            "seed": self.a.seed, "now": self.a.now, "months": self.a.months,
            "messages": messages, "copies": copies, "activities": logged, "logged": logged,
            "skipped": sum(reasons.values()), "reasons": reasons,
            "mailboxes": {"%s/%s" % b: n for b, n in sorted(self.boxes.items())},
            "crm": {"users": len(self.reps), "companies": len(self.companies),
                    "contacts": len(self.contacts), "deals": len(self.deals),
                    "stages": len(STAGES)},
            "assumes": {"team_domains": [TEAM_DOMAIN], "log_internal": bool(self.a.log_internal),
                        "plus_addressing": True, "freemail": "default",
                        "ignore": self.ignore, "autocreate_contacts": "no",
                        "bcc_address": self.bcc, "capture": "full"},
        }
        if extra:
            summary.update(extra)
        with open(os.path.join(out, "expect-summary.json"), "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=1, sort_keys=False, ensure_ascii=False)
            f.write("\n")
        return summary


# --- calendars (--calendars, --cal-bulk) ---------------------------------------------
#
# Time zones without the system's tz database, so that the expectations do
# not depend on the machine: the rules of the two zones the calendars use
# (EU since 1996, US since 2007), which is also what their VTIMEZONEs say.
# Floating times, all-day dates and Outlook's "W. Europe Standard Time" are
# read in DEFAULT_TZ, the zone the tests configure (timezone = Europe/Berlin).

DEFAULT_TZ = "Europe/Berlin"
ZONE_ALIAS = {"floating": DEFAULT_TZ, "date": DEFAULT_TZ, "W. Europe Standard Time": "Europe/Berlin"}


def _sunday(year, month, n):
    """Day of the month of the n-th (n = -1: last) Sunday."""
    first_wd, ndays = calendar.monthrange(year, month)
    if n < 0:
        return ndays - ((first_wd + ndays - 1) % 7 + 1) % 7
    return 1 + (6 - first_wd) % 7 + 7 * (n - 1)


def _rule_eu(y):  # last Sunday of March and of October, 01:00 UTC
    return (calendar.timegm((y, 3, _sunday(y, 3, -1), 1, 0, 0)),
            calendar.timegm((y, 10, _sunday(y, 10, -1), 1, 0, 0)))


def _rule_us(y):  # second Sunday of March 02:00 EST, first Sunday of November 02:00 EDT
    return (calendar.timegm((y, 3, _sunday(y, 3, 2), 7, 0, 0)),
            calendar.timegm((y, 11, _sunday(y, 11, 1), 6, 0, 0)))


ZONES = {"Europe/Berlin": (3600, 7200, _rule_eu), "America/New_York": (-18000, -14400, _rule_us)}

VTIMEZONES = {
    "Europe/Berlin": [
        "BEGIN:VTIMEZONE", "TZID:Europe/Berlin", "X-LIC-LOCATION:Europe/Berlin",
        "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST",
        "DTSTART:19700329T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
        "BEGIN:STANDARD", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET",
        "DTSTART:19701025T030000", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD",
        "END:VTIMEZONE"],
    "America/New_York": [
        "BEGIN:VTIMEZONE", "TZID:America/New_York", "LAST-MODIFIED:20050809T050000Z",
        "BEGIN:DAYLIGHT", "TZOFFSETFROM:-0500", "TZOFFSETTO:-0400", "TZNAME:EDT",
        "DTSTART:20070311T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU", "END:DAYLIGHT",
        "BEGIN:STANDARD", "TZOFFSETFROM:-0400", "TZOFFSETTO:-0500", "TZNAME:EST",
        "DTSTART:20071104T020000", "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU", "END:STANDARD",
        "END:VTIMEZONE"],
}


def utc_offset(zone, t):
    std, dst, rule = ZONES[ZONE_ALIAS.get(zone, zone)]
    s, e = rule(time.gmtime(t).tm_year)
    return dst if s <= t < e else std


def wall_of(zone, t):
    """UTC seconds -> the wall clock of zone, as seconds of a UTC-like clock."""
    return t if zone == "utc" else t + utc_offset(zone, t)


def to_utc(zone, wall):
    """A wall-clock time of zone ("utc", "floating", "date" or a TZID) in UTC;
    an ambiguous time is its first occurrence (RFC 5545 3.3.5)."""
    if zone == "utc":
        return wall
    std, dst, _ = ZONES[ZONE_ALIAS.get(zone, zone)]
    for off in (dst, std):
        if utc_offset(zone, wall - off) == off:
            return wall - off
    return wall - std  # in a gap: the offset before it


def ics_utc(t):
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))


def ics_text(s):
    return (s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def ics_param(v):
    return '"%s"' % v if any(c in v for c in ",;:") else v


def ics_fold(line):
    """RFC 5545 3.1: lines of at most 75 octets, not splitting a character."""
    bs = line.encode("utf-8")
    if len(bs) <= 75:
        return line
    out, cur, size, limit = [], "", 0, 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append(cur)
            cur, size, limit = " ", 1, 75
        cur += ch
        size += n
    out.append(cur)
    return "\r\n".join(out)


def ics_dt(name, zone, wall):
    if zone == "utc":
        return "%s:%s" % (name, ics_utc(wall))
    if zone == "date":
        return "%s;VALUE=DATE:%s" % (name, time.strftime("%Y%m%d", time.gmtime(wall)))
    v = time.strftime("%Y%m%dT%H%M%S", time.gmtime(wall))
    if zone == "floating":
        return "%s:%s" % (name, v)
    return "%s;TZID=%s:%s" % (name, ics_param(zone), v)


def ics_duration(secs):
    h, m = divmod(secs // 60, 60)
    return "PT" + ("%dH" % h if h else "") + ("%dM" % m if m or not h else "")


WEEK = 7 * 86400
MEETING_TOPICS = ["Discovery call", "Demo", "Pricing review", "Technical deep dive",
                  "Quarterly business review", "Contract walkthrough", "Kick-off",
                  "Security review", "Onboarding session", "Renewal check-in",
                  "Roadmap preview", "Pilot retro", "Besprechung", "Point d'étape"]


class CalWorld:
    """The team's calendars and what docs/matching.md ("Meetings") makes of
    every occurrence. Uses its own random stream (seeded from --seed), so
    mail and CRM output are the same with or without calendars."""

    def __init__(self, w):
        self.w, self.a = w, w.a
        self.r = random.Random("crmsync-calendars:%d" % w.a.seed)
        self.now, self.start = w.now, w.start
        self.events = []
        self.n = 0
        self.win_from = self.now - int(self.a.cal_past) * 86400
        self.win_to = self.now + int(self.a.cal_future) * 86400
        self._judge_cache = {}
        self._deals = None  # (World.deal_index of deals.csv, deal id per lower-case id)

    # -- building blocks ----------------------------------------------------------
    def uid(self, host, style="plain"):
        self.n += 1
        h = "%08x%04x" % (self.r.getrandbits(32), self.n)
        if style == "google":
            return "%s%s@google.com" % (h, "%06x" % self.r.getrandbits(24))
        if style == "outlook":
            return ("040000008200E00074C5B7101A82E00800000000%s0000000000000000100000%s"
                    % (h.upper(), "%08X" % self.r.getrandbits(32)))
        return "%s-%d@%s" % (h, self.a.seed, host)

    def day_slot(self, lo, hi, zone=DEFAULT_TZ, hours=(8, 17)):
        """A weekday time on the quarter hour in [lo, hi) (UTC seconds) as a
        wall-clock time of zone (business hours there)."""
        r = self.r
        for _ in range(100):
            t = r.randint(lo, max(lo, hi - 1))
            day = wall_of(zone, t) // 86400 * 86400
            if time.gmtime(day).tm_wday >= 5:
                continue
            wall = day + r.randint(hours[0] * 4, hours[1] * 4 - 1) * 900
            u = to_utc(zone, wall)
            if lo <= u < hi:
                return wall
        return wall_of(zone, lo) // 900 * 900

    def person(self, c, addr=None):
        return (c["name"], addr or c["email"])

    def rep(self, u):
        return (u["name"], u["email"])

    def event(self, kind, cals, summary, org, atts, zone, start, end=None, duration=None,
              **kw):
        """One calendar object. start/end: wall clock of zone (see to_utc).
        atts: [(name, address, PARTSTAT)]. cals: [(user, calendar)]."""
        ev = {"kind": kind, "cals": sorted(set(cals)), "summary": summary, "org": org,
              "atts": list(atts), "zone": zone, "start": start, "end": end,
              "duration": duration, "status": None, "sequence": 0, "count": 0,
              "exdates": [], "overrides": [], "description": None, "location": None,
              "prodid": "-//Lumen//crmsync gen//EN", "vtimezone": zone in VTIMEZONES,
              "mailto": "mailto:", "uid": None, "file": None, "google": False}
        ev.update(kw)
        if ev["uid"] is None:
            host = (org[1] if org else self.w.reps[0]["email"]).rpartition("@")[2]
            ev["uid"] = self.uid(host, "google" if ev["google"] else "plain")
        if ev["file"] is None:
            ev["file"] = "".join(ch if ch.isalnum() or ch in "-_." else "_"
                                 for ch in ev["uid"].split("@")[0])[:60] + ".ics"
        self.events.append(ev)
        return ev

    # -- the world ----------------------------------------------------------------------
    def make(self):
        w, r = self.w, self.r
        reps = w.reps
        a0, a1, a2 = reps[0], reps[1 % len(reps)], reps[2 % len(reps)]
        cos = [c for c in w.companies if c["contacts"] and not c.get("special")]
        co, co2 = cos[0], cos[1 % len(cos)]
        c0 = co["contacts"][0]
        c1 = co["contacts"][1 % len(co["contacts"])]
        d0 = co2["contacts"][0]
        d1 = co2["contacts"][1 % len(co2["contacts"])]
        lo = self.start + 86400
        hi = self.now + 28 * 86400
        now = self.now
        W = "work"
        B = DEFAULT_TZ

        def mine(*us):
            return [(u["email"], W) for u in us]

        def at(days, hour, minute=0, zone=B):
            """A weekday wall-clock time about `days` from now (earlier days
            when it falls on a weekend), at hour:minute in zone."""
            day = wall_of(zone, now + int(days * 86400)) // 86400 * 86400
            while time.gmtime(day).tm_wday >= 5:
                day -= 86400
            return day + hour * 3600 + minute * 60

        # one-off meetings between reps and contacts
        for _ in range(self.a.cal_meetings):
            rep = r.choice(reps)
            c = r.choice(cos)
            people = r.sample(c["contacts"], min(len(c["contacts"]), r.choice([1, 1, 1, 2, 3])))
            other = None
            if len(reps) > 1 and r.random() < 0.15:
                other = r.choice([x for x in reps if x is not rep])
            zone = "utc" if r.random() < 0.7 else B
            start = self.day_slot(lo, hi)
            dur = r.choice([1800, 2700, 3600, 3600, 5400])
            if to_utc(B, start) + dur == now:
                start -= 900  # no meeting ends exactly at --now
            if zone == "utc":
                start = to_utc(B, start)
            topic = "%s: %s" % (r.choice(MEETING_TOPICS), c["name"].split()[0].strip(',"'))
            inbound = r.random() < 0.4
            atts = []
            if inbound:
                org = self.person(people[0])
                atts.append((rep["name"], rep["email"],
                             r.choice(["ACCEPTED"] * 16 + ["TENTATIVE"] * 3 + ["NEEDS-ACTION"])))
                for p in people[1:]:
                    atts.append((p["name"], p["email"], r.choice(["ACCEPTED", "NEEDS-ACTION"])))
            else:
                org = self.rep(rep)
                if r.random() < 0.4:  # Google lists the organizer as an attendee
                    atts.append((rep["name"], rep["email"], "ACCEPTED"))
                for i, p in enumerate(people):
                    ps = r.choice(["ACCEPTED"] * 6 + ["TENTATIVE"] * 2 + ["NEEDS-ACTION"] * 2)
                    if i > 0 and r.random() < 0.2:
                        ps = "DECLINED"  # never every contact: the first one stays
                    atts.append((p["name"], p["email"], ps))
            if other is not None:
                atts.append((other["name"], other["email"], r.choice(["ACCEPTED", "TENTATIVE"])))
            ev = self.event("meeting-inbound" if inbound else "meeting-outbound",
                            mine(rep, *([other] if other else [])), topic, org, atts, zone,
                            start, start + dur, google=r.random() < 0.3,
                            sequence=r.choice([0, 0, 0, 1, 2]))
            if r.random() < 0.3:
                ev["location"] = r.choice(["Video call", "Room 4.12, Lumen HQ",
                                           "%s office" % c["name"].split()[0].strip(',"')])
            if r.random() < 0.3:
                ev["description"] = "Agenda:\n1. intro\n2. %s, pricing; next steps" % (
                    r.choice(PRODUCTS))

        # a weekly series in Berlin time (across a DST change when the window has one):
        # one occurrence moved, one cancelled, one excluded
        s0 = max(lo + 86400, now - 9 * WEEK)
        start = at((s0 - now) / 86400.0, 10)
        while to_utc(B, start) < lo:
            start += 86400
        ev = self.event("series", mine(a0), "Weekly sync %s x Lumen" % co["name"].split()[0]
                        .strip(',"'), self.rep(a0),
                        [(c0["name"], c0["email"], "ACCEPTED"),
                         (c1["name"], c1["email"], "TENTATIVE")], B, start, start + 1800,
                        count=12)
        ev["overrides"] = [
            {"rid": start + 2 * WEEK, "start": start + 2 * WEEK + 86400 + 3600,
             "end": start + 2 * WEEK + 86400 + 3600 + 1800, "status": None,
             "summary": ev["summary"] + " (moved)", "sequence": 1},
            {"rid": start + 4 * WEEK, "start": start + 4 * WEEK, "end": start + 4 * WEEK + 1800,
             "status": "CANCELLED", "summary": ev["summary"], "sequence": 1},
        ]
        ev["exdates"] = [start + 6 * WEEK]
        # an internal weekly stand-up (every occurrence skipped), in two calendars
        st = at((max(lo + 86400, now - 5 * WEEK) - now) / 86400.0, 9, 30)
        self.event("internal-series", mine(a0, a1), "Team stand-up", self.rep(a0),
                   [(a1["name"], a1["email"], "ACCEPTED")], "utc", to_utc(B, st),
                   to_utc(B, st) + 900, count=6)
        # an all-day workshop (two days) with a contact
        day = at(-30, 0)
        self.event("all-day", mine(a1), "On-site workshop at %s" % co2["name"].split()[0]
                   .strip(',"'), self.rep(a1), [(d0["name"], d0["email"], "ACCEPTED")],
                   "date", day, day + 2 * 86400)
        # New York time with its VTIMEZONE, organised by the contact
        ny = at(-4, 11, 0, "America/New_York")
        self.event("timezone-new-york", mine(a2), "Call with the US team",
                   self.person(d1), [(a2["name"], a2["email"], "ACCEPTED"),
                                     (d1["name"], d1["email"], "ACCEPTED")],
                   "America/New_York", ny, ny + 3600)
        # Outlook: a Windows zone name and no VTIMEZONE
        ol = at(-20, 10)
        self.event("outlook-windows-zone", mine(a0), "R&D demo", self.person(c1),
                   [(a0["name"], a0["email"], "ACCEPTED")], "W. Europe Standard Time",
                   ol, ol + 3600, vtimezone=False, uid=self.uid("x", "outlook"),
                   prodid="-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN")
        # floating time (no zone): read in the configured zone
        fl = at(-12, 14)
        self.event("floating", mine(a1), "Coffee with %s" % c0["first"], self.rep(a1),
                   [(c0["name"], c0["email"], "ACCEPTED")], "floating", fl, fl + 2700)
        # DURATION instead of DTEND
        du = to_utc(B, at(-15, 16))
        self.event("duration", mine(a2), "Quick pricing check", self.rep(a2),
                   [(d0["name"], d0["email"], "ACCEPTED")], "utc", du, duration=2700)
        # declined by the rep (external organizer)
        de = to_utc(B, at(-9, 13))
        self.event("declined", mine(a0), "Vendor pitch", self.person(d0),
                   [(a0["name"], a0["email"], "DECLINED"), (d1["name"], d1["email"], "ACCEPTED")],
                   "utc", de, de + 3600)
        # cancelled
        ca = to_utc(B, at(-6, 15))
        self.event("cancelled", mine(a1), "Contract signing", self.rep(a1),
                   [(c1["name"], c1["email"], "ACCEPTED")], "utc", ca, ca + 3600,
                   status="CANCELLED", sequence=2)
        # only team members (an alias included)
        it = to_utc(B, at(-8, 11))
        self.event("internal", mine(a0), "Pipeline review", self.rep(a0),
                   [(a1["name"], a1["email"], "ACCEPTED")] +
                   [(a0["name"], x, "ACCEPTED") for x in a0["aliases"][:1]] +
                   [("Ops", "ops@eu." + TEAM_DOMAIN, "NEEDS-ACTION")], "utc", it, it + 3600)
        # an unknown gmail.com attendee only
        un = to_utc(B, at(-11, 12))
        self.event("unmatched-freemail", mine(a0), "Coffee chat", self.rep(a0),
                   [("Random Prospect", "random.prospect@gmail.com", "ACCEPTED")], "utc",
                   un, un + 1800)
        # a personal event: no organizer, no attendees
        pe = to_utc(B, at(-7, 17))
        self.event("personal", mine(a0), "Dentist", None, [], "utc", pe, pe + 3600,
                   location="Praxis Dr. Weiß")
        # one meeting in two reps' calendars (same UID, one copy each)
        sh = to_utc(B, at(-3, 14))
        self.event("shared", mine(a0, a1), "Joint account planning %s" % co2["name"].split()[0]
                   .strip(',"'), self.person(d0),
                   [(a0["name"], a0["email"], "ACCEPTED"), (a1["name"], a1["email"], "TENTATIVE"),
                    (d1["name"], d1["email"], "ACCEPTED")], "utc", sh, sh + 3600)
        # a future meeting (scheduled), written in Berlin time
        fu = at(10, 15)
        self.event("future", mine(a2), "Proposal review", self.rep(a2),
                   [(c0["name"], c0["email"], "NEEDS-ACTION")], B, fu, fu + 3600)
        # domain rule: an unknown person at a company's domain
        dr = to_utc(B, at(-16, 10, 30))
        self.event("domain-rule", mine(a1), "Intro call", self.rep(a1),
                   [("Priya Raman", "priya.raman@" + co2["domain"], "ACCEPTED")], "utc",
                   dr, dr + 1800)
        # the freemail contact (address rule, contact link only), with a plus tag
        fm = to_utc(B, at(-18, 9))
        self.event("freemail-contact", mine(a0), "Consulting catch-up", self.person(w.jane),
                   [(a0["name"], a0["email"], "ACCEPTED"),
                    ("Jane Doe", "Jane.Doe+cal@gmail.com", "ACCEPTED")], "utc", fm, fm + 3600)
        # upper-case MAILTO: and a contact's address in another case; a CN that needs quotes
        mc = to_utc(B, at(-22, 15))
        last, first = c1["name"].split(" ", 1)[-1], c1["name"].split(" ", 1)[0]
        self.event("mailto-case", mine(a2), "Follow-up", self.rep(a2),
                   [("%s, %s" % (last, first), c1["email"].upper(), "ACCEPTED")], "utc",
                   mc, mc + 1800, mailto="MAILTO:")
        # ignore patterns (with --ignore '*@crm-relay.example': ignored / participant dropped)
        ro = to_utc(B, at(-25, 10))
        self.event("relay-only", mine(a0), "Lead hand-over", self.rep(a0),
                   [("CRM Relay", "relay@crm-relay.example", "NEEDS-ACTION")], "utc",
                   ro, ro + 1800)
        rc = to_utc(B, at(-26, 11))
        self.event("relay-cc", mine(a0), "Status update", self.rep(a0),
                   [(c0["name"], c0["email"], "ACCEPTED"),
                    ("CRM Relay", "relay@crm-relay.example", "NEEDS-ACTION")], "utc",
                   rc, rc + 1800)
        # deal links (docs/matching.md "Deals"): last, so the objects above stay as they are
        self.make_deal_cases(cos, at, mine)

    def make_deal_cases(self, cos, at, mine):
        """deal-tag, deal-ambiguous and deal-contact meetings with people of
        these companies, chosen by a random stream of their own from the open
        deals of deals.csv (which they never change)."""
        w = self.w
        rd = random.Random("crmsync-cal-deals:%d" % self.a.seed)
        reps = w.reps
        a0, a1, a2 = reps[0], reps[1 % len(reps)], reps[2 % len(reps)]
        by_contact = self.deal_index()[0][0]
        B = DEFAULT_TZ

        def deals(*cs):
            s = set()
            for c in cs:
                s.update(by_contact.get(canon(c["email"]), ()))
            return sorted(s)

        pool = [c for co in cos for c in co["contacts"]]
        two = [c for c in pool if len(deals(c)) >= 2]
        one = [c for c in pool if len(deals(c)) == 1]
        # people on two or more open deals together: one contact, else two
        # contacts of one company on different deals, else any two
        people = None
        if two:
            people = [rd.choice(two)]
        elif one:
            same = []
            for co in cos:
                cs = [c for c in co["contacts"] if len(deals(c)) == 1]
                same += [(x, y) for i, x in enumerate(cs) for y in cs[i + 1:]
                         if deals(x) != deals(y)]
            if same:
                people = list(rd.choice(same))
            else:
                x = rd.choice(one)
                ys = [y for y in one if deals(y) != deals(x)]
                if ys:
                    people = [x, rd.choice(ys)]

        def name(c):
            return w.company_by_domain[c["company"]]["name"].split()[0].strip(',"')

        if people is not None or one:
            tagged = people or [rd.choice(one)]
            key = rd.choice(deals(*tagged))
            t = to_utc(B, at(-27, 11))
            self.event("deal-tag", mine(a0), "Rollout planning [Deal: %s ] with %s" % (
                key, name(tagged[0])), self.rep(a0),
                [(c["name"], c["email"], "ACCEPTED") for c in tagged], "utc", t, t + 3600)
        if people is not None:
            t = to_utc(B, at(-24, 14))
            self.event("deal-ambiguous", mine(a1), "Budget questions: %s" % name(people[0]),
                       self.person(people[0]),
                       [(a1["name"], a1["email"], "ACCEPTED")] +
                       [(c["name"], c["email"], "ACCEPTED") for c in people[1:]], "utc",
                       t, t + 2700)
        if one:
            c = rd.choice(one)
            t = to_utc(B, at(-19, 16))
            self.event("deal-contact", mine(a2), "Next steps with %s" % name(c), self.rep(a2),
                       [(c["name"], c["email"], "TENTATIVE")], "utc", t, t + 1800)

    def settle(self):
        """Moves an object 15 minutes earlier while one of its occurrences would
        end exactly at --now (held or scheduled would then be a matter of taste)."""
        for ev in self.events:
            while any(o[2] == self.now for o in self.occurrences(ev)):
                ev["start"] -= 900
                if ev["end"] is not None:
                    ev["end"] -= 900
                ev["exdates"] = [x - 900 for x in ev["exdates"]]
                for o in ev["overrides"]:
                    for f in ("rid", "start", "end"):
                        o[f] -= 900

    # -- expansion and judgement -------------------------------------------------------------
    def occurrences(self, ev):
        """[(recurrence-id or None, start, end, status, org, atts, summary)], UTC, in
        the window."""
        out = []
        zone = ev["zone"]

        def span(s, e, dur):
            su = to_utc(zone, s)
            if dur is not None:
                return su, su + dur
            return su, to_utc(zone, e)

        if not ev["count"]:
            su, eu = span(ev["start"], ev["end"], ev["duration"])
            out.append((None, su, eu, ev["status"], ev["org"], ev["atts"], ev["summary"]))
        else:
            ov = {o["rid"]: o for o in ev["overrides"]}
            length = None if ev["duration"] is None else ev["duration"]
            for i in range(ev["count"]):
                s = ev["start"] + i * WEEK
                if s in ev["exdates"]:
                    continue
                rid = to_utc(zone, s)
                rid = (time.strftime("%Y%m%d", time.gmtime(s)) if zone == "date"
                       else ics_utc(rid))
                o = ov.get(s)
                if o is not None:
                    su, eu = span(o["start"], o["end"], None)
                    out.append((rid, su, eu, o["status"], o.get("org", ev["org"]),
                                o.get("atts", ev["atts"]), o.get("summary") or ev["summary"]))
                else:
                    e = None if length is not None else ev["end"] + i * WEEK
                    su, eu = span(s, e, length)
                    out.append((rid, su, eu, ev["status"], ev["org"], ev["atts"],
                                ev["summary"]))
        return [x for x in out if x[2] >= self.win_from and x[1] < self.win_to]

    def judge(self, org, atts):
        """(reason, direction, links, participants, parts) for these people."""
        k = (org, tuple(atts))
        v = self._judge_cache.get(k)
        if v is not None:
            return v
        w = self.w
        parts, seen = [], set()
        for role, p, ps in ([("organizer", org, None)] if org else []) + \
                [("attendee", (n, a), ps) for n, a, ps in atts]:
            key = canon(p[1])
            if key in seen:
                continue
            seen.add(key)
            parts.append({"role": role, "key": key, "partstat": ps,
                          "external": not w.is_internal(key)})
        reason, direction, links = None, None, []
        if not any(p["external"] for p in parts):
            if self.a.log_internal and len(parts) >= 2:
                direction = "internal"
            else:
                reason = "internal"
        if reason is None and direction is None:
            parts = [p for p in parts if not (p["external"] and any(
                fnmatch.fnmatchcase(p["key"], pat) for pat in w.ignore))]
            ext = [p["key"] for p in parts if p["external"]]
            if not ext:
                reason = "ignored"
            else:
                contacts, companies = [], []
                for key in ext:
                    c = w.contact_by_key.get(key)
                    if c is not None:
                        ck = canon(c["email"])
                        if ck not in contacts:
                            contacts.append(ck)
                            links.append({"type": "contact", "key": ck, "rule": "address"})
                        if c["company"] and c["company"] not in companies:
                            companies.append(c["company"])
                            links.append({"type": "company", "key": c["company"],
                                          "rule": "address"})
                        continue
                    dom = key.rpartition("@")[2]
                    if any(d in FREEMAIL for d in domain_chain(dom)):
                        continue
                    co = next((w.company_by_domain[d] for d in domain_chain(dom)
                               if d in w.company_by_domain), None)
                    if co is not None and co["domain"] not in companies:
                        companies.append(co["domain"])
                        links.append({"type": "company", "key": co["domain"], "rule": "domain"})
                if not links:
                    reason = "unmatched"
                else:
                    o = next((p for p in parts if p["role"] == "organizer"), None)
                    direction = "inbound" if o is not None and o["external"] else "outbound"
        v = self._judge_cache[k] = (reason, direction, links, len(parts), parts)
        return v

    def deal_index(self):
        """World.deal_index of deals.csv, and each deal's id by its lower-case id."""
        if self._deals is None:
            self._deals = (self.w.deal_index(self.w.deals),
                           {d["id"].lower(): d["id"] for d in self.w.deals})
        return self._deals

    def deal(self, links, summary):
        """(links with the deal link, sorted candidates, tag) of a logged
        occurrence: docs/matching.md "Deals" for an activity that is its own
        thread (no thread rule; nothing linked by hand)."""
        idx, by_lower = self.deal_index()
        tag = subject_tag(summary)
        deal, rule, cands = World.own_deal(
            idx, [x["key"] for x in links if x["type"] == "contact"],
            [x["key"] for x in links if x["type"] == "company"],
            by_lower.get(tag.lower(), tag) if tag is not None else None)
        links = [x for x in links if x["type"] != "deal"]
        if deal is not None:
            links.append({"type": "deal", "key": deal, "rule": rule})
        return links, list(cands), tag

    @staticmethod
    def deal_outcome(e):
        d = [x["rule"] for x in e["links"] if x["type"] == "deal"]
        return d[0] if d else "ambiguous" if e["ambiguous"] else "none"

    def status(self, ev_status, end, parts):
        if ev_status == "CANCELLED":
            return "cancelled"
        team = [p for p in parts if not p["external"] and p["role"] == "attendee"]
        if team and all(p["partstat"] == "DECLINED" for p in team):
            return "declined"
        if end <= self.now and any(p["external"] and p["partstat"] != "DECLINED"
                                   for p in parts):
            return "held"
        return "scheduled"

    def expect(self, ev):
        out = []
        for rid, su, eu, st, org, atts, summary in self.occurrences(ev):
            if eu == self.now:
                raise AssertionError("an occurrence ends exactly at --now: " + ev["uid"])
            reason, direction, links, nparts, parts = self.judge(org, atts)
            logged = reason is None
            cands, tag = [], None
            if logged:
                links, cands, tag = self.deal(links, summary)
            out.append({
                "source_key": ev["uid"] if rid is None else "%s#%s" % (ev["uid"], rid),
                "uid": ev["uid"], "recurrence_id": rid, "kind": ev["kind"],
                "owners": sorted(set(u for u, _ in ev["cals"])),
                "outcome": "logged" if logged else "skipped", "reason": reason,
                "status": self.status(st, eu, parts) if logged else None,
                "direction": direction if logged else None,
                "start": rfc3339(su), "end": rfc3339(eu),
                "links": links if logged else [], "ambiguous": cands, "deal_tag": tag,
                "participants": nparts, "calendars": [list(c) for c in ev["cals"]],
                "files": ["%s/%s/%s" % (u, c, ev["file"]) for u, c in ev["cals"]],
            })
        return out

    # -- rendering ----------------------------------------------------------------------------
    def vevent(self, ev, o=None):
        zone, mt = ev["zone"], ev["mailto"]
        src = o or ev
        L = ["BEGIN:VEVENT", "UID:" + ev["uid"], "DTSTAMP:" + ics_utc(self.now - 86400 * 40)]
        seq = src.get("sequence", 0)
        if seq:
            L.append("SEQUENCE:%d" % seq)
        if o is not None:
            L.append(ics_dt("RECURRENCE-ID", zone, o["rid"]))
        L.append(ics_dt("DTSTART", zone, src["start"]))
        if o is None and ev["duration"] is not None:
            L.append("DURATION:" + ics_duration(ev["duration"]))
        else:
            L.append(ics_dt("DTEND", zone, src["end"]))
        if o is None and ev["count"]:
            L.append("RRULE:FREQ=WEEKLY;COUNT=%d" % ev["count"])
            for x in ev["exdates"]:
                L.append(ics_dt("EXDATE", zone, x))
        L.append("SUMMARY:" + ics_text(src.get("summary") or ev["summary"]))
        if ev["location"]:
            L.append("LOCATION:" + ics_text(ev["location"]))
        if ev["description"]:
            L.append("DESCRIPTION:" + ics_text(ev["description"]))
        if src.get("status"):
            L.append("STATUS:" + src["status"])
        org = src.get("org", ev["org"])
        if org:
            L.append("ORGANIZER;CN=%s:%s%s" % (ics_param(org[0]), mt, org[1]))
        for name, addr, ps in src.get("atts", ev["atts"]):
            role = "CHAIR" if org and addr == org[1] else "REQ-PARTICIPANT"
            L.append("ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=%s;PARTSTAT=%s;%sCN=%s:%s%s" % (
                role, ps, "RSVP=TRUE;" if ps == "NEEDS-ACTION" else "", ics_param(name),
                mt, addr))
        if zone == "date":
            L.append("TRANSP:TRANSPARENT")
        L.append("END:VEVENT")
        return L

    def render(self, ev):
        L = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:" + ev["prodid"], "CALSCALE:GREGORIAN"]
        if ev["vtimezone"] and ev["zone"] in VTIMEZONES:
            L += VTIMEZONES[ev["zone"]]
        L += self.vevent(ev)
        for o in ev["overrides"]:
            L += self.vevent(ev, o)
        L.append("END:VCALENDAR")
        return ("\r\n".join(ics_fold(x) for x in L) + "\r\n").encode("utf-8")

    # -- output ---------------------------------------------------------------------------------
    def write(self, out):
        cal = os.path.join(out, "cal")
        files, dirs = {}, set()
        for ev in self.events:
            data = self.render(ev)
            for u, c in ev["cals"]:
                d = os.path.join(cal, u, c)
                if d not in dirs:
                    os.makedirs(d, exist_ok=True)
                    dirs.add(d)
                p = os.path.join(d, ev["file"])
                if p in files:
                    raise AssertionError("two objects in one file: " + p)
                files[p] = 1
                with open(p, "wb") as f:
                    f.write(data)
                os.utime(p, (self.now, self.now))
        counts = {"events": len(self.events), "files": len(files), "occurrences": 0,
                  "logged": 0, "skipped": 0}
        reasons, statuses, kinds, deals = {}, {}, {}, {}
        want = {"deal-tag": "tag", "deal-ambiguous": "ambiguous", "deal-contact": "deal-contact"}
        with open(os.path.join(out, "cal-expect.jsonl"), "w", encoding="utf-8") as f:
            for ev in self.events:
                for e in self.expect(ev):
                    f.write(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n")
                    counts["occurrences"] += 1
                    kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
                    if e["outcome"] == "logged":
                        counts["logged"] += 1
                        statuses[e["status"]] = statuses.get(e["status"], 0) + 1
                        d = self.deal_outcome(e)
                        deals[d] = deals.get(d, 0) + 1
                        if want.get(e["kind"], d) != d:
                            raise AssertionError("%s: the %s meeting came out %s" % (
                                e["source_key"], e["kind"], d))
                    else:
                        counts["skipped"] += 1
                        reasons[e["reason"]] = reasons.get(e["reason"], 0) + 1
        per_cal = {}
        for ev in self.events:
            for u, c in ev["cals"]:
                per_cal["%s/%s" % (u, c)] = per_cal.get("%s/%s" % (u, c), 0) + 1
        self.finish(out, cal, dirs, dict(counts, mode="team", reasons=reasons,
                                         statuses=statuses, kinds=kinds, deals=deals,
                                         calendars=per_cal))
        return counts

    def finish(self, out, cal, dirs, summary):
        s = {"seed": self.a.seed, "now": self.a.now, "months": self.a.months}
        s.update(summary)
        for k in ("reasons", "statuses", "kinds", "deals", "calendars"):
            if k in s:
                s[k] = dict(sorted(s[k].items()))
        s["window"] = {"past_days": self.a.cal_past, "future_days": self.a.cal_future,
                       "from": rfc3339(self.win_from), "to": rfc3339(self.win_to),
                       "rule": "an occurrence is expected when end >= from and start < to"}
        s["assumes"] = {"team_domains": [TEAM_DOMAIN], "log_internal": bool(self.a.log_internal),
                        "plus_addressing": True, "freemail": "default", "ignore": self.w.ignore,
                        "timezone": DEFAULT_TZ, "past": "%dd" % self.a.cal_past,
                        "future": "%dd" % self.a.cal_future}
        with open(os.path.join(out, "cal-expect-summary.json"), "w", encoding="utf-8") as f:
            json.dump(s, f, indent=1, ensure_ascii=False)
            f.write("\n")
        for d in sorted(dirs | set(os.path.dirname(x) for x in dirs) | {cal},
                        key=len, reverse=True):
            os.utime(d, (self.now, self.now))
        for name in ("cal-expect.jsonl", "cal-expect-summary.json"):
            os.utime(os.path.join(out, name), (self.now, self.now))

    # -- bulk -------------------------------------------------------------------------------------
    def write_bulk(self, out):
        """--cal-bulk N: N calendar objects of the first rep over K calendars
        (cal/USER/cal01 ...; object i in calendar i % K), written straight to
        disk. A fifth are weekly series (COUNT 3 to 10, UTC times); the rest
        one-off meetings: mostly one contact (outbound or inbound), some
        cancelled, declined, with an unknown gmail.com address (unmatched),
        only colleagues (internal), an unknown person at a company (domain
        rule), or personal (internal). Every occurrence lies between
        --months before --now and 35 days after it. No SUMMARY has a deal
        tag: deal links come from the contact's and company's open deals."""
        a, r, w = self.a, self.r, self.w
        rep = w.reps[0]
        k = max(1, a.cal_calendars)
        cals = ["cal%02d" % (i + 1) for i in range(k)]
        base = os.path.join(out, "cal", rep["email"])
        dirs = set()
        for c in cals:
            os.makedirs(os.path.join(base, c), exist_ok=True)
            dirs.add(os.path.join(base, c))
        cts = [c for c in w.contacts if c["company"] and not c.get("special")]
        colleague = ((w.reps[1]["name"], w.reps[1]["email"]) if len(w.reps) > 1
                     else ("Ops", "ops@" + TEAM_DOMAIN))
        me = (rep["name"], rep["email"])
        lo = self.start // 86400 + 2  # the first day
        stamp = ics_utc(self.now - 86400 * 40)
        head = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Lumen//crmsync gen bulk//EN\r\n"
                "BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:" + stamp + "\r\nDTSTART:%s\r\nDTEND:%s\r\n")
        enc = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        counts = {"events": a.cal_bulk, "series": 0, "occurrences": 0, "logged": 0,
                  "skipped": 0}
        reasons, statuses, kinds, deals, per_cal = {}, {}, {}, {}, {c: 0 for c in cals}
        frag_cache = {}
        with open(os.path.join(out, "cal-expect.jsonl"), "w", encoding="utf-8") as ex:
            for i in range(a.cal_bulk):
                cal = cals[i % k]
                x = r.random()
                c = cts[r.randrange(len(cts))]
                cp = (c["name"], c["email"])
                count, status = 0, None
                if x < 0.20:
                    kind, org, atts, count = "bulk-series", me, [(cp[0], cp[1], "ACCEPTED")], \
                        r.randint(3, 10)
                elif x < 0.55:
                    kind, org = "bulk-outbound", me
                    atts = [(cp[0], cp[1], ("ACCEPTED", "TENTATIVE", "NEEDS-ACTION")[i % 3])]
                elif x < 0.80:
                    kind, org, atts = "bulk-inbound", cp, [(me[0], me[1], "ACCEPTED")]
                elif x < 0.84:
                    kind, org = "bulk-unmatched", me
                    atts = [("Prospect %d" % i, "prospect%d@gmail.com" % i, "NEEDS-ACTION")]
                elif x < 0.88:
                    kind, org, atts = "bulk-internal", me, [colleague + ("ACCEPTED",)]
                elif x < 0.91:
                    kind, org = "bulk-domain", me
                    atts = [("New %d" % i, "new%d@%s" % (i, c["company"]), "ACCEPTED")]
                elif x < 0.94:
                    kind, org, atts, status = "bulk-cancelled", me, \
                        [(cp[0], cp[1], "ACCEPTED")], "CANCELLED"
                elif x < 0.97:
                    kind, org, atts = "bulk-declined", cp, [(me[0], me[1], "DECLINED")]
                else:
                    kind, org, atts = "bulk-personal", None, []
                dur = (1800, 2700, 3600)[i % 3]
                last_day = (self.now + 35 * 86400 - max(0, count - 1) * WEEK) // 86400 - 1
                start = r.randint(lo, max(lo, last_day)) * 86400 + r.randrange(28, 68) * 900
                if any(start + dur + j * WEEK == self.now for j in range(max(1, count))):
                    start -= 900  # no occurrence ends exactly at --now
                uid = "bulk-%06d-%d@%s" % (i, a.seed, TEAM_DOMAIN)
                name = "b%06d.ics" % i
                L = [head % (uid, ics_utc(start), ics_utc(start + dur))]
                if count:
                    L.append("RRULE:FREQ=WEEKLY;COUNT=%d\r\n" % count)
                L.append("SUMMARY:Bulk %d: %s\r\n" % (i, PRODUCTS[i % len(PRODUCTS)]))
                if status:
                    L.append("STATUS:%s\r\n" % status)
                if org:
                    L.append(ics_fold("ORGANIZER;CN=%s:mailto:%s" % (ics_param(org[0]), org[1]))
                             + "\r\n")
                for n_, ad, ps in atts:
                    L.append(ics_fold("ATTENDEE;CN=%s;PARTSTAT=%s:mailto:%s" % (
                        ics_param(n_), ps, ad)) + "\r\n")
                L.append("END:VEVENT\r\nEND:VCALENDAR\r\n")
                fd = os.open(os.path.join(base, cal, name), os.O_WRONLY | os.O_CREAT |
                             os.O_TRUNC, 0o644)
                try:
                    os.write(fd, "".join(L).encode("utf-8"))
                    os.utime(fd, (self.now, self.now))
                finally:
                    os.close(fd)
                per_cal[cal] += 1
                counts["series"] += count > 0
                fk = (kind, c["email"] if kind in ("bulk-series", "bulk-outbound", "bulk-inbound",
                                                   "bulk-cancelled", "bulk-declined",
                                                   "bulk-domain") else "",
                      atts[0][2] if atts else "")
                fr = frag_cache.get(fk)
                if fr is None:
                    reason, direction, links, nparts, parts = self.judge(org, atts)
                    cands, dl = [], None
                    if reason is None:  # no tag in these summaries
                        links, cands, _ = self.deal(links, None)
                        dl = self.deal_outcome({"links": links, "ambiguous": cands})
                    fr = frag_cache[fk] = (reason, parts, enc({
                        "owners": [rep["email"]],
                        "outcome": "logged" if reason is None else "skipped",
                        "reason": reason})[1:-1], enc(direction if reason is None else None),
                        enc({"links": links if reason is None else [], "ambiguous": cands,
                             "deal_tag": None, "participants": nparts})[1:-1], dl)
                reason, parts = fr[0], fr[1]
                for j in range(count or 1):
                    s = start + j * WEEK
                    e = s + dur
                    if e < self.win_from or s >= self.win_to:
                        continue
                    sk = uid if not count else "%s#%s" % (uid, ics_utc(s))
                    st = None if reason is not None else self.status(status, e, parts)
                    ex.write('{"source_key":"%s","uid":"%s","recurrence_id":%s,"kind":"%s",%s,'
                             '"status":%s,"direction":%s,"start":"%s","end":"%s",%s,'
                             '"calendars":[["%s","%s"]],"files":["%s/%s/%s"]}\n' % (
                                 sk, uid, '"%s"' % ics_utc(s) if count else "null", kind, fr[2],
                                 '"%s"' % st if st else "null", fr[3], rfc3339(s), rfc3339(e),
                                 fr[4], rep["email"], cal, rep["email"], cal, name))
                    counts["occurrences"] += 1
                    kinds[kind] = kinds.get(kind, 0) + 1
                    if reason is None:
                        counts["logged"] += 1
                        statuses[st] = statuses.get(st, 0) + 1
                        deals[fr[5]] = deals.get(fr[5], 0) + 1
                    else:
                        counts["skipped"] += 1
                        reasons[reason] = reasons.get(reason, 0) + 1
        self.finish(out, os.path.join(out, "cal"), dirs | {base},
                    dict(counts, mode="bulk", reasons=reasons, statuses=statuses, kinds=kinds,
                         deals=deals,
                         calendars={"%s/%s" % (rep["email"], c): n for c, n in per_cal.items()}))
        return counts


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--companies", type=int, default=40)
    p.add_argument("--contacts-per-company", type=int, default=3)
    p.add_argument("--threads", type=int, default=200)
    p.add_argument("--months", type=float, default=6)
    p.add_argument("--now", default="2026-11-01T12:00:00Z")
    p.add_argument("--ignore", default="", help="[match] ignore patterns the expectations assume")
    p.add_argument("--log-internal", action="store_true",
                   help="expect log_internal = yes (internal mail logged)")
    p.add_argument("--bcc", action="store_true",
                   help="expect [match] bcc_address = %s (the bcc copy)" % BCC_ADDRESS)
    p.add_argument("--bulk", type=int, default=0, help="N messages for one user instead")
    p.add_argument("--bulk-folders", type=int, default=2)
    p.add_argument("--calendars", action="store_true",
                   help="also write the team's calendars (cal/) and cal-expect.jsonl")
    p.add_argument("--cal-meetings", type=int, default=40,
                   help="random one-off meetings in the team's calendars (with --calendars)")
    p.add_argument("--cal-bulk", type=int, default=0,
                   help="N calendar objects of the first rep instead of the team's calendars")
    p.add_argument("--cal-calendars", type=int, default=2, help="calendars for --cal-bulk")
    p.add_argument("--cal-past", type=int, default=365,
                   help="days: the [caldav] past window the expectations assume")
    p.add_argument("--cal-future", type=int, default=90,
                   help="days: the [caldav] future window the expectations assume")
    p.add_argument("-q", "--quiet", action="store_true")
    a = p.parse_args(argv)
    if a.reps < 1 or a.companies < 2 or a.contacts_per_company < 1:
        p.error("need at least 1 rep, 2 companies and 1 contact per company")
    if a.calendars and a.cal_bulk:
        p.error("--calendars and --cal-bulk exclude each other")
    if a.cal_bulk < 0 or a.cal_calendars < 1 or a.cal_calendars > 99 or a.cal_meetings < 0:
        p.error("--cal-bulk >= 0, --cal-calendars 1..99, --cal-meetings >= 0")
    try:
        time.strptime(a.now.replace("Z", ""), "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        p.error("--now: want YYYY-MM-DDTHH:MM:SSZ")
    t0 = time.monotonic()
    for sub in ("mail", "mail-later", "crm", "cal"):
        shutil.rmtree(os.path.join(a.out, sub), ignore_errors=True)
    for name in ("cal-expect.jsonl", "cal-expect-summary.json", "expect-link.jsonl",
                 "expect-later.jsonl"):
        if os.path.exists(os.path.join(a.out, name)):
            os.unlink(os.path.join(a.out, name))
    os.makedirs(a.out, exist_ok=True)
    w = World(a)
    w.make_crm()
    if a.bulk:
        w.write_crm(a.out)
        s = w.write_bulk(a.out)
    else:
        w.make_threads()
        w.make_specials()
        w.make_deal_specials()
        w.write_crm(a.out)
        w.write_mail(a.out)
        s = w.write_expect(a.out)
    for name in ("users", "companies", "contacts", "stages", "deals", "deals-later"):
        if os.path.exists(os.path.join(a.out, "crm", name + ".csv")):
            os.utime(os.path.join(a.out, "crm", name + ".csv"), (w.now, w.now))
    for name in ("expect-link.jsonl", "expect-later.jsonl"):
        if os.path.exists(os.path.join(a.out, name)):
            os.utime(os.path.join(a.out, name), (w.now, w.now))
    cs = None
    if a.calendars or a.cal_bulk:
        t1 = time.monotonic()
        cw = CalWorld(w)
        if a.cal_bulk:
            cs = cw.write_bulk(a.out)
        else:
            cw.make()
            cw.settle()
            cs = cw.write(a.out)
        cs["seconds"] = time.monotonic() - t1
    for name in ("mail", "crm", "expect.jsonl", "expect-summary.json", ""):
        os.utime(os.path.join(a.out, name), (w.now, w.now))
    if not a.quiet:
        print("gen: %d messages (%d copies) in %d mailboxes, %d activities, skipped %s; "
              "%.1f s" % (s["messages"], s["copies"], len(s["mailboxes"]), s["activities"],
                          json.dumps(s["reasons"], sort_keys=True), time.monotonic() - t0))
        if cs is not None:
            print("gen: %d calendar objects, %d occurrences, %d logged, %d skipped; %.1f s" % (
                cs["events"], cs["occurrences"], cs["logged"], cs["skipped"], cs["seconds"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
