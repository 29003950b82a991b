#!/usr/bin/python3
"""Evaluation corpus for privfwd's detectors: captures of a phone's outbound traffic, every flow
labelled with the personal data it carries (or none).

  gen.py OUTDIR [--seed N] [--scale X]

Writes into OUTDIR, the same bytes for the same seed and scale:
  corpus-eth.pcap, corpus-raw.pcap, corpus-sll.pcap, corpus-sll2.pcapng (the last in pcapng)
                 Ethernet, raw IP, Linux cooked v1 and v2 captures; IPv4 and IPv6
  labels.jsonl   one object per flow: pcap, 5-tuple, carrier, labels [{type, encoding, known}],
                 negative, note
  privfw.conf, secrets.conf, policy.conf
                 the identity, owner secrets and a log-everything policy for privfwd --replay

Every flow is checked before it is written: a flow may hold no personal data beyond its labels
(see lint()); a flow that fails is drawn again.
"""
import argparse
import base64
import gzip
import hashlib
import json
import os
import random
import re
import struct
import sys
import time
from urllib.parse import unquote

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import quic  # noqa: E402

ENCODINGS = ["plain", "url", "json", "base64", "base64url", "hex", "md5", "sha1", "sha256",
             "md5_base64", "sha1_base64", "sha256_base64", "reversed"]
HTTP_CARRIERS = ["get", "form", "json", "header", "cookie", "chunked", "gzip", "multipart"]
CARRIERS = HTTP_CARRIERS + ["raw_tcp", "udp", "dns", "tls_sni", "quic_sni"]
# Which encodings a carrier can hold. url needs a decoder that undoes it (query, form, cookie,
# a Referer header); json needs a JSON document (the raw carriers get full \u escapes).
CARRIER_ENC = {
    "get": [e for e in ENCODINGS if e != "json"],
    "form": [e for e in ENCODINGS if e != "json"],
    "json": [e for e in ENCODINGS if e != "url"],
    "header": [e for e in ENCODINGS if e != "json"],
    "cookie": [e for e in ENCODINGS if e != "json"],
    "chunked": ENCODINGS,
    "gzip": ENCODINGS,
    "multipart": [e for e in ENCODINGS if e != "url"],
    "raw_tcp": [e for e in ENCODINGS if e != "url"],
    "udp": [e for e in ENCODINGS if e != "url"],
    # Host names: one label of at most 63 letters, digits, '-' or '_'.
    "dns": ["plain", "hex", "md5", "sha1", "sha256", "reversed"],
    "tls_sni": ["plain", "hex", "md5", "sha1", "sha256"],
    "quic_sni": ["plain", "hex", "md5", "sha1", "sha256"],
}
LINKS = [("corpus-eth.pcap", 1, 0.35), ("corpus-raw.pcap", 101, 0.25),
         ("corpus-sll.pcap", 113, 0.20), ("corpus-sll2.pcapng", 276, 0.20)]
HOME = (47.3769, 8.5417)

UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# What URL encoders (OkHttp, libsoup, curl) leave alone in a query or form value.
QUERY_SAFE = UNRESERVED | set(":@!*(),")
LABEL_RE = re.compile(r"[A-Za-z0-9_-]{1,63}")


# ---------------------------------------------------------------- numbers with check digits

def luhn_digit(body):
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def luhn_ok(s):
    return len(s) > 1 and luhn_digit(s[:-1]) == s[-1]


def digits(rng, n):
    return "".join(rng.choice("0123456789") for _ in range(n))


def luhn_number(rng, prefix, length):
    body = prefix + digits(rng, length - len(prefix) - 1)
    return body + luhn_digit(body)


def luhn_fail(rng, prefix, length):
    body = prefix + digits(rng, length - len(prefix) - 1)
    good = luhn_digit(body)
    return body + rng.choice([d for d in "0123456789" if d != good])


def iban_check(country, bban):
    s = bban + country + "00"
    n = int("".join(str(int(c, 36)) for c in s))
    return "%02d" % (98 - n % 97)


def iban_ok(s):
    s = s.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", s):
        return False
    return int("".join(str(int(c, 36)) for c in s[4:] + s[:4])) % 97 == 1


IBAN_BBAN = {  # country: BBAN shape, 'n' digit, 'a' letter, 'c' alphanumeric
    "DE": "n" * 18, "CH": "n" * 5 + "c" * 12, "GB": "aaaa" + "n" * 14, "FR": "n" * 23,
    "NL": "aaaa" + "n" * 10, "ES": "n" * 20, "IT": "a" + "n" * 10 + "c" * 12, "AT": "n" * 16,
    "BE": "n" * 12,
}


def make_iban(rng, country, good=True):
    bban = "".join(rng.choice("0123456789") if k == "n" else
                   rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") if k == "a" else
                   rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for k in IBAN_BBAN[country])
    check = iban_check(country, bban)
    if not good:
        check = rng.choice([c for c in ("%02d" % i for i in range(2, 99)) if c != check])
    return country + check + bban


def make_card(rng, network):
    if network == "visa":
        return luhn_number(rng, "4", 16)
    if network == "mastercard":
        return luhn_number(rng, rng.choice(["51", "52", "53", "54", "55", "2221", "2720", "2306"]), 16)
    if network == "amex":
        return luhn_number(rng, rng.choice(["34", "37"]), 15)
    if network == "discover":
        return luhn_number(rng, rng.choice(["6011", "65"]), 16)
    if network == "jcb":
        return luhn_number(rng, str(rng.randint(3528, 3589)), 16)
    if network == "diners":
        return luhn_number(rng, "36", 14)
    return luhn_number(rng, "62", rng.choice([16, 19]))  # unionpay


def group_card(num, sep):
    n = len(num)
    sizes = {15: [4, 6, 5], 14: [4, 6, 4], 19: [4, 4, 4, 4, 3]}.get(n, [4, 4, 4, 4])
    out, i = [], 0
    for s in sizes:
        out.append(num[i:i + s])
        i += s
    return sep.join(out)


def alnum(rng, n, alphabet="abcdefghijklmnopqrstuvwxyz0123456789"):
    return "".join(rng.choice(alphabet) for _ in range(n))


def hexs(rng, n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def uuid4(rng):
    h = list(hexs(rng, 32))
    h[12] = "4"
    h[16] = rng.choice("89ab")
    h = "".join(h)
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def b64(b, urlsafe=False, pad=True):
    s = (base64.urlsafe_b64encode(b) if urlsafe else base64.b64encode(b)).decode()
    return s if pad else s.rstrip("=")


# ---------------------------------------------------------------- the device and its owner

WORDS = ["kestrel", "falke", "tanne", "quokka", "ember", "morgen", "birke", "lynx", "otter",
         "saphir", "nebel", "kiesel", "dachs", "ahorn", "wolke", "fjord"]
OWNER_NAMES = ["Mirjam Aebischer", "Lorenz Tschudi", "Nadia Brunner-Koch", "Corsin Albrecht"]


class Known:
    """One configured value: its stable type, the label privfwd reports, the canonical form,
    the plain variants apps write, and the strings digests are taken of."""

    def __init__(self, type_, label, value, canon, variants, digest_in):
        self.type, self.label, self.value = type_, label, value
        self.canon, self.variants, self.digest_in = canon, variants, digest_in


class Identity:
    def __init__(self, rng):
        r = rng

        def pick(f):
            # Reversed, a number must not pass for another type (an odd-length Luhn number
            # stays valid reversed: a reversed ICCID can look like a 19-digit Visa).
            while True:
                v = f()
                if not lint([" %s " % v[::-1]], set(), []):
                    return v
        self.imei = pick(lambda: luhn_number(r, "35" + digits(r, 6), 15))
        self.imsi = pick(lambda: "22801" + digits(r, 10))
        self.iccid = pick(lambda: luhn_number(r, "894101", 19))
        self.phone = pick(lambda: "+4179" + digits(r, 7))
        w = r.sample(WORDS, 4)
        self.email = "%s.%s%02d@posteo.ch" % (w[0], w[1], r.randint(10, 99))
        self.machine_id = hexs(r, 32)
        while True:
            self.serial = alnum(r, 14, "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")
            if sum(c.isalpha() for c in self.serial) >= 5 and not re.search(r"\d{4}", self.serial):
                break
        self.hostname = "%s-%s" % (r.choice(["pinephone", "librem5", "mobian", "fp5-pmos"]), w[2])
        self.macs = []
        for _ in range(2):
            b = [r.randrange(256) for _ in range(6)]
            b[0] &= 0xFC  # unicast, globally administered: a burned-in address
            self.macs.append(":".join("%02x" % x for x in b))
        self.location = HOME
        self.owner_words = w
        self.secrets = [
            ("Home Wi-Fi", "%s&%s-%s!" % (w[3].capitalize(), r.choice(["Kafi", "Gipfeli", "Zopf"]),
                                         digits(r, 4))),
            ("Weather API key", "sk_live_" + alnum(r, 24, "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")),
            ("Owner name", r.choice(OWNER_NAMES)),
        ]

    def known(self):
        i, p = self.imei, self.phone
        nat = "0" + p[3:]
        m = self.machine_id
        out = [
            Known("imei", "imei", i, i, [i, "%s %s %s %s" % (i[:2], i[2:8], i[8:14], i[14]),
                                         "%s-%s-%s-%s" % (i[:2], i[2:8], i[8:14], i[14])], [i]),
            Known("imsi", "imsi", self.imsi, self.imsi, [self.imsi], [self.imsi]),
            Known("iccid", "iccid", self.iccid, self.iccid, [self.iccid], [self.iccid]),
            Known("phone", "phone", p, p, [p, "%s %s %s %s %s" % (p[:3], p[3:5], p[5:8], p[8:10], p[10:]),
                                           "00" + p[1:], nat,
                                           "%s %s %s %s" % (nat[:3], nat[3:6], nat[6:8], nat[8:])],
                  [p, p[1:]]),
            Known("email", "email", self.email, self.email,
                  [self.email, self.email[0].upper() + self.email[1:].replace("@p", "@P")], [self.email]),
            Known("machine_id", "machine_id", m, m,
                  [m, "%s-%s-%s-%s-%s" % (m[:8], m[8:12], m[12:16], m[16:20], m[20:]), m.upper()], [m]),
            Known("serial", "serial", self.serial, self.serial, [self.serial], [self.serial]),
            Known("hostname", "hostname", self.hostname, self.hostname, [self.hostname], [self.hostname]),
        ]
        for ifname, mac in zip(["wlan0", "bt0"], self.macs):
            bare = mac.replace(":", "")
            out.append(Known("mac", ifname, mac, mac,
                             [mac, mac.upper(), mac.replace(":", "-"), mac.replace(":", "-").upper(),
                              bare, bare.upper()], [mac, bare]))
        for label, v in self.secrets:
            out.append(Known("secret", label, v, v, [v], [v]))
        return out

    def config(self, outdir):
        q = lambda s: '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')  # noqa: E731
        conf = ("# privfwd settings for the evaluation corpus (tests/corpus/gen.py)\n"
                "policy = %s;\ndefault_policy = %s;\nsocket = %s;\n" %
                (q(outdir + "/policy.conf"), q(outdir + "/policy.conf"), q(outdir + "/ctl.sock")))
        conf += ("identity = {\n  imei = %s;\n  imsi = %s;\n  iccid = %s;\n  phone = %s;\n"
                 "  email = %s;\n  machine_id = %s;\n  serial = %s;\n  hostname = %s;\n"
                 "  mac = [ %s ];\n  location = [ %.4f, %.4f ];\n};\n" %
                 (q(self.imei), q(self.imsi), q(self.iccid), q(self.phone), q(self.email),
                  q(self.machine_id), q(self.serial), q(self.hostname),
                  ", ".join(q(m) for m in self.macs), self.location[0], self.location[1]))
        conf += "secrets_file = %s;\n" % q(outdir + "/secrets.conf")
        secrets = "secrets = (\n%s\n);\n" % ",\n".join(
            "  { label = %s; value = %s; }" % (q(lb), q(v)) for lb, v in self.secrets)
        policy = ('version = 1;\ndefault = { network = "allow"; log_new_apps = false; data = { '
                  'device_id = "log"; contact = "log"; location = "log"; financial = "log"; '
                  'credential = "log"; secret = "log"; }; };\napps = ( );\n')
        return conf, secrets, policy


# ---------------------------------------------------------------- encodings

def url_escape(rng, s, plus_ok):
    """Percent-encoded s with at least one escape: the special characters, or when there are
    none a share of the rest (an obfuscating client)."""
    lower = rng.random() < 0.2
    fmt = "%%%02x" if lower else "%%%02X"
    special = [i for i, c in enumerate(s) if c not in UNRESERVED]
    if special:
        pick = set(special)
    else:
        k = len(s) if rng.random() < 0.4 else max(1, len(s) // 3)
        pick = set(rng.sample(range(len(s)), k))
    plus = plus_ok and rng.random() < 0.6
    out = []
    for i, c in enumerate(s):
        if i not in pick:
            out.append(c)
        elif c == " " and plus:
            out.append("+")
        else:
            out.append("".join(fmt % b for b in c.encode()))
    return "".join(out)


def json_escape(rng, s, full):
    """s inside a JSON string with \\u escapes: all of it (an obfuscating client), or the
    characters HTML-safe serializers escape, or a share of it."""
    fmt = "\\u%04x" if rng.random() < 0.7 else "\\u%04X"
    if full:
        pick = set(range(len(s)))
    else:
        special = [i for i, c in enumerate(s) if c in "@+&=<>'/:- ."]
        pick = set(special) if special and rng.random() < 0.7 else \
            set(rng.sample(range(len(s)), max(1, len(s) // 2)))
    out = []
    for i, c in enumerate(s):
        if i not in pick:
            out.append(c)
        elif c == "/" and rng.random() < 0.5:
            out.append("\\/")
        else:
            out.append(fmt % ord(c))
    return "".join(out)


def hexdigest_form(rng, h, label_safe):
    if rng.random() < 0.35:
        h = h[:16]
    if not label_safe and rng.random() < 0.3:
        h = h.upper()
    return h


def encode_known(rng, kv, enc, ctx):
    """The token for known value kv in encoding enc, or None when the carrier cannot hold it.
    ctx: 'query' (query, form, cookie), 'text', 'json', 'rawjson', 'label' (DNS, SNI)."""
    label = ctx == "label"
    if enc == "plain":
        vs = kv.variants
        if label:
            vs = [v for v in vs if LABEL_RE.fullmatch(v)]
        elif ctx == "query":
            vs = [v for v in vs if all(c in QUERY_SAFE for c in v)] or vs
        return rng.choice(vs) if vs else None
    if enc == "url":
        vs = [v for v in kv.variants if any(c not in UNRESERVED for c in v)] or kv.variants
        return url_escape(rng, rng.choice(vs), ctx == "query")
    if enc == "json":
        return json_escape(rng, rng.choice(kv.variants), full=ctx == "rawjson")
    if enc in ("base64", "base64url"):
        if rng.random() < 0.4:
            # Inside a larger blob: the value at whatever alignment the wrapper gives it.
            blob = rng.choice(['{"id":"%s","v":%d}', "v2|%s|android", '{"d":{"u":"%s"}}'])
            blob = blob % ((kv.canon, rng.randint(1, 9)) if "%d" in blob else kv.canon)
        else:
            blob = kv.canon
        return b64(blob.encode(), urlsafe=enc == "base64url", pad=rng.random() < 0.6)
    if enc == "hex":
        h = kv.canon.encode().hex()
        if label and len(h) > 63:
            return None
        return h.upper() if not label and rng.random() < 0.3 else h
    if enc in ("md5", "sha1", "sha256"):
        h = hashlib.new(enc, rng.choice(kv.digest_in).encode()).hexdigest()
        if label and len(h) > 63:
            h = h[:16]
        return hexdigest_form(rng, h, label)
    if enc.endswith("_base64"):
        d = hashlib.new(enc[:-7], rng.choice(kv.digest_in).encode()).digest()
        return b64(d, urlsafe=rng.random() < 0.4, pad=rng.random() < 0.5)
    if enc == "reversed":
        r = kv.canon[::-1]
        if label and not LABEL_RE.fullmatch(r):
            return None
        return r
    raise ValueError(enc)


def qesc(s, plus=False):
    """s as a client's URL encoder writes it into a query, form or cookie value."""
    return "".join(c if c in QUERY_SAFE else "+" if c == " " and plus else
                   "".join("%%%02X" % b for b in c.encode()) for c in s)


def jstr(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


# ---------------------------------------------------------------- flow contents

class Field:
    """key = value inside a request. raw: pre-escaped for its carrier (url or json). keyed: the
    key is what makes the value personal data (generic items), so it must stay next to it."""

    def __init__(self, key, value, numeric=False, raw=False, keyed=False):
        self.key, self.value, self.numeric, self.raw, self.keyed = key, value, numeric, raw, keyed
        self.escaped = False  # the carrier percent-encoded it: on the wire it is url, not plain

    def query(self, plus=False):
        if self.raw:
            return self.value
        v = qesc(self.value, plus)
        self.escaped |= v != self.value
        return v


class Item:
    def __init__(self, type_, enc, known, fields, note, label=None):
        self.type, self.enc, self.known = type_, enc, known
        self.fields, self.note, self.label = fields, note, label

    def as_label(self):
        d = {"type": self.type, "encoding": self.enc, "known": self.known}
        if self.label:
            d["label"] = self.label
        return d


KNOWN_KEYS = {
    "imei": ["imei", "device_imei", "IMEI"], "imsi": ["imsi", "subscriber_imsi"],
    "iccid": ["iccid", "sim_serial"], "phone": ["phone", "msisdn", "mobile", "tel"],
    "email": ["email", "user_email", "login"], "machine_id": ["machine_id", "install_id"],
    "serial": ["serial", "sn", "build_serial"], "hostname": ["hostname", "device_name"],
    "mac": ["mac", "wifi_mac", "wlan_mac"], "secret": [],
}
NEUTRAL_KEYS = ["did", "uid", "u", "cid", "fp", "hw", "dv", "x", "ref", "sig", "tag", "anon",
                "ctx", "data", "v1", "ident", "h", "dvc"]

APP_HOSTS = ["api.weatherly.app", "events.telemetrykit.io", "collect.metricsdk.com",
             "sdk.adnexus-mobile.net", "t.appstats.cloud", "api.fitpulse.ch", "push.notifyhub.io",
             "config.remote-flags.dev", "log.crashbeacon.com", "api.transit-zh.ch",
             "ingest.usagepulse.net", "rtb.bidswitch-mobile.com", "app-measurement.example.org",
             "api.shopnow.ch", "sync.notes-cloud.eu"]
PLAIN_HOSTS = ["www.google.com", "connectivitycheck.gstatic.com", "detectportal.firefox.com",
               "api.github.com", "fonts.gstatic.com", "cdn.jsdelivr.net", "www.wikipedia.org",
               "de.wikipedia.org", "flathub.org", "dl.flathub.org", "packages.mobian.org",
               "deb.debian.org", "matrix.org", "mastodon.social", "www.srf.ch", "www.sbb.ch",
               "tile.openstreetmap.org", "nominatim.openstreetmap.org", "api.open-meteo.com",
               "update.pureos.net", "ntp.ubuntu.com", "push.services.mozilla.com"]
CDN_HOSTS = ["d3c4f1a92b7e0.cloudfront.net", "r4---sn-4g5e6nsz.googlevideo.com",
             "e2a9.dscb.akamaiedge.net", "fra16s56-in-f3.1e100.net", "scontent-zrh1-1.xx.fbcdn.net",
             "a1b2c3d4e5f60718.cdn.jsdelivr-edge.net", "8e1f.g.akamai.net"]
SNI_ZONES = ["edge.metricsdk.com", "t.appstats.cloud", "id.adnexus-mobile.net", "dev.beacon-cdn.io",
             "u.trackpoint.net", "cfg.remote-flags.dev"]
DNS_ZONES = ["q.dnsbeacon.net", "x.telemetrykit.io", "l.adnexus-mobile.net", "d.exfil-check.org",
             "lookup.appstats.cloud"]
UAS = ["okhttp/4.12.0", "okhttp/3.14.9",
       "Dalvik/2.1.0 (Linux; U; Android 13; SM-G991B Build/TP1A.220624.014)",
       "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 7a Build/UQ1A.240205.004)",
       "Mozilla/5.0 (X11; Linux aarch64; rv:115.0) Gecko/20100101 Firefox/115.0",
       "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
       "GNOME-Weather/45.0 libsoup/3.4.4", "curl/7.88.1", "python-requests/2.28.1",
       "Angelfish/23.08 (Plasma Mobile; Linux aarch64)", "Mozilla/5.0 (Linux; Sailfish 4.5; Mobile) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/78 Mobile Safari/537.36",
       "Chatty/0.7.3 libsoup/3.4.4", "Tuba/0.6.2 libsoup/3.4.4"]
PATHS_GET = ["/v1/events", "/api/v2/config", "/collect", "/track", "/sdk/v3/init", "/i/ping",
             "/weather/forecast", "/api/users/me/settings", "/log", "/b", "/update/check",
             "/api/v1/devices/register", "/pixel.gif", "/v2/ads/request", "/api/stations/nearby",
             "/search", "/api/v1/flags"]
PATHS_POST = ["/v1/events", "/api/v1/devices/register", "/collect", "/api/v2/batch", "/sdk/v3/report",
              "/api/login", "/api/v1/profile", "/upload", "/v1/crash", "/api/checkout",
              "/graphql", "/api/v1/feedback"]
PROSE = ["the new widget looks great but the map is slow", "how to reset the app settings",
         "cheap flights to lisbon in may", "bus timetable zurich airport", "vegan recipes with lentils",
         "best hiking trails near the lake", "why does the battery drain overnight",
         "weather tomorrow morning", "translate good morning to italian", "train delays today",
         "open source maps offline", "how many calories in an apple"]

BENIGN = [
    lambda r: ("v", "%d.%d.%d" % (r.randint(1, 30), r.randint(0, 20), r.randint(0, 99))),
    lambda r: ("platform", r.choice(["android", "linux", "sailfish", "postmarketos"])),
    lambda r: ("lang", r.choice(["de-CH", "en-US", "fr-CH", "it-CH", "en-GB"])),
    lambda r: ("ts", str(1709251200000 + r.randrange(30 * 86400000))),
    lambda r: ("app", r.choice(["org.example.weather", "com.fitpulse.android", "ch.transit.app",
                                "org.gnome.Weather", "de.notes.sync"])),
    lambda r: ("build", "%d" % r.randint(100, 9999)),
    lambda r: ("tz", r.choice(["Europe/Zurich", "UTC", "Europe/Berlin"])),
    lambda r: ("page", str(r.randint(1, 40))),
    lambda r: ("limit", r.choice(["10", "20", "50"])),
    lambda r: ("sort", r.choice(["asc", "desc", "relevance"])),
    lambda r: ("cb", alnum(r, 8)),
    lambda r: ("theme", r.choice(["dark", "light"])),
    lambda r: ("net", r.choice(["wifi", "cell", "none"])),
    lambda r: ("event", r.choice(["app_open", "screen_view", "session_start", "purchase", "sync"])),
    lambda r: ("screen", r.choice(["home", "settings", "map", "detail", "search"])),
    lambda r: ("sdk", "%d.%d" % (r.randint(1, 12), r.randint(0, 9))),
    lambda r: ("consent", r.choice(["1", "0"])),
    lambda r: ("units", r.choice(["metric", "imperial"])),
]


def benign(rng, n):
    out, seen = [], set()
    for f in rng.sample(BENIGN, n):
        k, v = f(rng)
        if k not in seen:
            seen.add(k)
            out.append(Field(k, v))
    return out


def far_float(rng, lo, hi, nd=2):
    # Stay far from the device's position: a decimal pair near it is personal data.
    while True:
        x = round(rng.uniform(lo, hi), nd)
        if not (44.0 <= abs(x) <= 51.0 or 5.5 <= abs(x) <= 11.5):
            return x


def nearmiss(rng, kind=None):
    """A field that looks like personal data and is not. (kind, Field or header tuple)"""
    kinds = ["luhn15", "luhn16", "iban_bad", "iccid_bad", "uuid", "ts", "version", "hex", "b64",
             "floats", "prose", "ipv4", "date", "order", "image", "zero_adid", "masked_card",
             "lat1", "mobile_flag", "isbn", "imei_bad"]
    kind = kind or rng.choice(kinds)
    if kind == "luhn15":
        return kind, [Field(rng.choice(["order", "ref", "txn", "ticket", "invoice_no"]),
                            luhn_fail(rng, rng.choice(["35", "86", "01", "99"]), 15))]
    if kind == "imei_bad":
        return kind, [Field("imei", luhn_fail(rng, "35", 15))]
    if kind == "luhn16":
        return kind, [Field(rng.choice(["order_id", "tracking", "ref", "voucher"]),
                            luhn_fail(rng, rng.choice(["4", "51", "55", "6011"]), 16))]
    if kind == "iban_bad":
        return kind, [Field(rng.choice(["iban", "account"]),
                            make_iban(rng, rng.choice(list(IBAN_BBAN)), good=False))]
    if kind == "iccid_bad":
        return kind, [Field(rng.choice(["sim", "ref"]), luhn_fail(rng, "8941", 19))]
    if kind == "uuid":
        return kind, [Field(rng.choice(["request_id", "traceId", "x_request_id", "correlation_id",
                                        "event_id", "message_id"]), uuid4(rng))]
    if kind == "zero_adid":
        # Limit Ad Tracking: the advertising id is all zeros, which identifies nobody.
        return kind, [Field(rng.choice(["adid", "gaid", "advertising_id"]),
                            "00000000-0000-0000-0000-000000000000"), Field("lat_enabled", "1")]
    if kind == "ts":
        return kind, [Field(rng.choice(["ts", "client_time", "sent_at"]),
                            str(1709251200000 + rng.randrange(30 * 86400000)), numeric=True)]
    if kind == "version":
        return kind, [Field(rng.choice(["os_build", "fw", "app_version"]),
                            rng.choice(["UQ1A.240205.004", "TP1A.220624.014", "6.1.0-13-arm64",
                                        "%d.%d.%d.%d" % (rng.randint(1, 9), rng.randint(0, 30),
                                                         rng.randint(0, 9), rng.randint(1000, 9999))]))]
    if kind == "hex":
        return kind, [Field(rng.choice(["etag", "checksum", "content_hash", "commit", "nonce"]),
                            hexs(rng, rng.choice([32, 40, 64])))]
    if kind == "b64":
        return kind, [Field(rng.choice(["payload", "state", "blob", "cursor"]),
                            b64(rng.randbytes(rng.choice([12, 24, 33, 48, 64])),
                                urlsafe=rng.random() < 0.5))]
    if kind == "floats":
        return kind, [Field("price", "%.2f" % far_float(rng, 1, 300), numeric=True),
                      Field("qty", str(rng.randint(1, 5)), numeric=True),
                      Field(rng.choice(["discount", "rating", "temp"]),
                            "%.2f" % far_float(rng, 0, 40), numeric=True)]
    if kind == "prose":
        return kind, [Field(rng.choice(["q", "query", "comment", "text"]), rng.choice(PROSE))]
    if kind == "ipv4":
        return kind, [Field(rng.choice(["client_ip", "server", "gw"]),
                            "%d.%d.%d.%d" % (rng.choice([10, 172, 192, 203, 198, 100]), rng.randint(0, 255),
                                             rng.randint(0, 255), rng.randint(1, 254)))]
    if kind == "date":
        d = (2024, rng.randint(1, 12), rng.randint(1, 28))
        return kind, [Field(rng.choice(["date", "since", "birthday_reminder"]),
                            rng.choice(["%04d-%02d-%02d" % d, "%02d.%02d.%04d" % (d[2], d[1], d[0]),
                                        "%04d-%02d-%02dT%02d:%02d:%02dZ" % (d + (rng.randint(0, 23),
                                                                                rng.randint(0, 59),
                                                                                rng.randint(0, 59)))]))]
    if kind == "order":
        return kind, [Field(rng.choice(["order", "order_no", "booking"]),
                            rng.choice(["ORD-2024-%07d" % rng.randint(0, 9999999),
                                        "A%d-%05d" % (rng.randint(1, 9), rng.randint(0, 99999)),
                                        "#%06d" % rng.randint(0, 999999)]))]
    if kind == "image":
        return kind, [Field(rng.choice(["icon", "img", "asset"]),
                            "%s@%dx.%s" % (rng.choice(["logo", "icon", "sprite", "avatar_default"]),
                                           rng.choice([2, 3]), rng.choice(["png", "webp", "jpg"])))]
    if kind == "masked_card":
        return kind, [Field(rng.choice(["card", "pm"]), rng.choice(["**** **** **** %04d", "************%04d",
                                                                  "XXXX-XXXX-XXXX-%04d"]) %
                            rng.randint(0, 9999))]
    if kind == "lat1":
        # One decimal only and far away: the detector asks for two.
        return kind, [Field("lat", "%.1f" % far_float(rng, -60, 60, 1), numeric=True),
                      Field("lon", "%.1f" % far_float(rng, -170, 170, 1), numeric=True)]
    if kind == "mobile_flag":
        return kind, [Field("mobile", rng.choice(["1", "true"])), Field("phone_verified", "false")]
    if kind == "isbn":
        return kind, [Field("isbn", rng.choice(["978-3-16-148410-0", "978-0-596-52068-7",
                                                "979-8-6027-5119-8"]))]
    raise ValueError(kind)


NEG_HEADERS = [
    lambda r: ("X-Request-ID", uuid4(r)),
    lambda r: ("If-None-Match", '"%s"' % hexs(r, r.choice([32, 40]))),
    lambda r: ("X-Trace-Id", hexs(r, 32)),
    lambda r: ("X-Forwarded-For", "203.0.113.%d" % r.randint(1, 254)),
    lambda r: ("If-Modified-Since", "Sat, 16 Mar 2024 %02d:%02d:11 GMT" % (r.randint(0, 23), r.randint(0, 59))),
    lambda r: ("X-Client-Version", "%d.%d.%d" % (r.randint(1, 9), r.randint(0, 30), r.randint(0, 200))),
    lambda r: ("Referer", "https://%s/search?q=%s" % (r.choice(PLAIN_HOSTS), qesc(r.choice(PROSE), True))),
    lambda r: ("X-Signature", b64(r.randbytes(32))),
]


# ---------------------------------------------------------------- generic (unconfigured) items

EMAIL_DOMAINS = ["gmail.com", "outlook.com", "yahoo.de", "icloud.com", "protonmail.com", "gmx.net",
                 "bluewin.ch", "hotmail.fr", "example-corp.ch", "uni-bern.ch"]
FIRST = ["anna", "lukas", "sofia", "noah", "mia", "luca", "lea", "elias", "nina", "jonas", "sara", "tim"]
LAST = ["muller", "meier", "schmid", "keller", "weber", "huber", "frei", "rossi", "baumann", "graf"]
CITIES = [(40.7128, -74.0060), (51.5074, -0.1278), (35.6762, 139.6503), (-33.8688, 151.2093),
          (52.5200, 13.4050), (48.8566, 2.3522), (41.9028, 12.4964), (-23.5505, -46.6333),
          (37.7749, -122.4194), (59.3293, 18.0686), (19.4326, -99.1332), (1.3521, 103.8198),
          (46.2044, 6.1432), (45.4642, 9.1900), (55.7558, 37.6173), (-1.2921, 36.8219)]


def phone_e164(rng):
    c = rng.choice(["CH", "DE", "FR", "US", "UK", "IT"])
    if c == "CH":
        n = "+417" + rng.choice("5689") + digits(rng, 7)
        sp = "%s %s %s %s %s" % (n[:3], n[3:5], n[5:8], n[8:10], n[10:])
    elif c == "DE":
        n = "+491" + rng.choice(["51", "52", "60", "70", "76"]) + digits(rng, 8)
        sp = "%s %s %s" % (n[:3], n[3:6], n[6:])
    elif c == "FR":
        n = "+33" + rng.choice("67") + digits(rng, 8)
        sp = "%s %s %s %s %s %s" % (n[:3], n[3], n[4:6], n[6:8], n[8:10], n[10:])
    elif c == "US":
        n = "+1" + rng.choice(["415", "212", "646", "312", "503"]) + str(rng.randint(2, 9)) + digits(rng, 6)
        sp = "%s %s %s %s" % (n[:2], n[2:5], n[5:8], n[8:])
    elif c == "UK":
        n = "+447" + rng.choice("3456789") + digits(rng, 8)
        sp = "%s %s %s" % (n[:3], n[3:7], n[7:])
    else:
        n = "+393" + digits(rng, 9)
        sp = "%s %s %s %s" % (n[:3], n[3:6], n[6:9], n[9:])
    return rng.choice([n, sp])


def phone_national(rng):
    return rng.choice(["07%s %s %s %s" % (rng.choice("5689"), digits(rng, 3), digits(rng, 2), digits(rng, 2)),
                       "07%s%s" % (rng.choice("5689"), digits(rng, 7)),
                       "01%s %s" % (rng.choice(["51", "60", "70", "76"]), digits(rng, 7)),
                       "06 %s %s %s %s" % (digits(rng, 2), digits(rng, 2), digits(rng, 2), digits(rng, 2)),
                       "(%s) %d%s-%s" % (rng.choice(["415", "212", "646"]), rng.randint(2, 9),
                                         digits(rng, 2), digits(rng, 4))])


def coord(rng, near):
    if near:
        la, lo = HOME[0] + rng.uniform(-0.08, 0.08), HOME[1] + rng.uniform(-0.1, 0.1)
    else:
        la, lo = rng.choice(CITIES)
        la, lo = la + rng.uniform(-0.2, 0.2), lo + rng.uniform(-0.2, 0.2)
    nd = rng.choice([2, 3, 4, 5, 6])
    return "%.*f" % (nd, la), "%.*f" % (nd, lo)


def generic(rng, t, carrier):
    """A generic item of type t: (fields, note, known) or None when it cannot ride carrier.
    The last field is the one url/json encodings apply to."""
    label_only = carrier in ("dns", "tls_sni", "quic_sni")
    if t == "imei":
        v = luhn_number(rng, rng.choice(["35", "86", "01", "99"]) + digits(rng, 6), 15)
        if label_only:
            return [Field("", v)], "IMEI in a host name", False
        v = rng.choice([v, "%s %s %s %s" % (v[:2], v[2:8], v[8:14], v[14]),
                        "%s-%s-%s-%s" % (v[:2], v[2:8], v[8:14], v[14])])
        return [Field(rng.choice(["imei", "deviceImei", "hw_id", "d"]), v)], "IMEI", False
    if t == "iccid":
        v = luhn_number(rng, "89" + rng.choice(["41", "49", "33", "01", "44"]) + digits(rng, 2),
                        rng.choice([19, 20]))
        if label_only:
            return [Field("", v)], "ICCID in a host name", False
        return [Field(rng.choice(["iccid", "simSerial", "sim", "card_id"]), v)], "ICCID", False
    if label_only:
        return None
    if t == "imsi":
        v = rng.choice(["22801", "22802", "26201", "26207", "20801", "310260", "23415"])
        v += digits(rng, 15 - len(v))
        return [Field(rng.choice(["imsi", "IMSI", "subscriberImsi", "sim_imsi"]), v)], "IMSI with key", False
    if t == "mac":
        b = [rng.randrange(256) for _ in range(6)]
        b[0] &= 0xFE
        sep = rng.choice([":", "-", ""])
        v = sep.join("%02x" % x for x in b)
        v = v.upper() if rng.random() < 0.4 else v
        return [Field(rng.choice(["mac", "bssid", "wifi_mac", "wifiMac", "macAddress", "bt_mac"]), v)], \
            "MAC with key", False
    if t == "ad_id":
        v = uuid4(rng)
        v = v.upper() if rng.random() < 0.3 else v
        return [Field(rng.choice(["adid", "gaid", "idfa", "advertising_id", "advertisingId", "aaid",
                                  "ifa", "ad_id"]), v)], "advertising id with key", False
    if t == "email":
        v = "%s.%s%s@%s" % (rng.choice(FIRST), rng.choice(LAST), rng.choice(["", str(rng.randint(1, 99))]),
                            rng.choice(EMAIL_DOMAINS))
        return [Field(rng.choice(["email", "user", "contact", "to", "recipient", "d"]), v)], "email", False
    if t == "phone":
        if rng.random() < 0.55:
            return [Field(rng.choice(["phone", "number", "contact", "caller", "d"]), phone_e164(rng))], \
                "phone E.164", False
        return [Field(rng.choice(["phone", "tel", "msisdn", "mobile"]), phone_national(rng))], \
            "phone national with key", False
    if t == "location":
        near = rng.random() < 0.3
        la, lo = coord(rng, near)
        if near:
            # No key: only the configured position makes this a location.
            k = rng.choice(["center", "p", "pos", "origin", "c"])
            return [Field(k, "%s,%s" % (la, lo))], "decimal pair near the device", True
        style = rng.choice(["latlon", "latitude", "latlng", "ll"])
        if style == "ll":
            return [Field("ll", "%s,%s" % (la, lo))], "location ll=", False
        ka, ko = {"latlon": ("lat", "lon"), "latitude": ("latitude", "longitude"),
                  "latlng": ("lat", "lng")}[style]
        return [Field(ka, la, numeric=True), Field(ko, lo, numeric=True)], "location %s/%s" % (ka, ko), False
    if t == "card":
        net = rng.choice(["visa", "mastercard", "amex", "discover", "jcb", "diners", "unionpay"])
        v = make_card(rng, net)
        v = rng.choice([v, group_card(v, " "), group_card(v, "-")])
        return [Field(rng.choice(["card", "cardNumber", "pan", "cc_number", "number", "d"]), v)], \
            "card " + net, False
    if t == "iban":
        c = rng.choice(list(IBAN_BBAN))
        v = make_iban(rng, c)
        if rng.random() < 0.5:
            v = " ".join(v[i:i + 4] for i in range(0, len(v), 4))
        return [Field(rng.choice(["iban", "account", "payee_account", "d"]), v)], "IBAN " + c, False
    if t == "credential":
        pw = alnum(rng, rng.randint(9, 16), "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") + \
            rng.choice(["", "-", "_", ".x"])
        if carrier == "header":
            if rng.random() < 0.5:
                user = rng.choice(FIRST) + str(rng.randint(1, 99))
                return [Field("Authorization", "Basic " + b64(("%s:%s" % (user, pw)).encode()))], \
                    "Authorization Basic", False
            hdr = b64(b'{"alg":"HS256","typ":"JWT"}', True, False)
            body = b64(('{"sub":"u_%s","iat":%d}' % (hexs(rng, 8), 1709251200 + rng.randrange(10 ** 6))).encode(),
                       True, False)
            tok = rng.choice(["%s.%s.%s" % (hdr, body, b64(rng.randbytes(32), True, False)),
                              "ya29." + b64(rng.randbytes(60), True, False)])
            return [Field("Authorization", "Bearer " + tok)], "Authorization Bearer", False
        if carrier == "get":
            return [Field(rng.choice(["access_token", "api_key", "auth_token"]), alnum(rng, 32))], \
                "credential in query", False
        k = rng.choice(["password", "passwd", "pwd", "pass", "client_secret", "secret", "api_key"])
        return [Field(k, pw)], "credential " + k, False
    raise ValueError(t)


GENERIC_TYPES = ["imei", "iccid", "imsi", "mac", "ad_id", "email", "phone", "location", "card",
                 "iban", "credential"]


def generic_item(rng, t, carrier, enc):
    g = generic(rng, t, carrier)
    if g is None:
        return None
    fields, note, known = g
    for f in fields:
        f.keyed = True
    last = fields[-1]
    if enc != "plain":
        if len(fields) > 1 or t == "credential" and last.key == "Authorization":
            return None
        if enc == "url":
            last.value = url_escape(rng, last.value, carrier in ("get", "form"))
        else:
            last.value = json_escape(rng, last.value, full=carrier in ("raw_tcp", "udp"))
        last.raw = True
    return Item(t, enc, known, fields, note)


# ---------------------------------------------------------------- HTTP requests

def http_headers(rng, host, extra):
    h = [("Host", host), ("User-Agent", rng.choice(UAS))]
    h.append(("Accept", rng.choice(["*/*", "application/json", "application/json, text/plain, */*",
                                    "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"])))
    if rng.random() < 0.6:
        h.append(("Accept-Language", rng.choice(["de-CH,de;q=0.9,en;q=0.8", "en-US,en;q=0.5", "fr-CH"])))
    h.append(("Accept-Encoding", rng.choice(["gzip", "gzip, deflate", "gzip, deflate, br"])))
    mid = list(extra)
    rng.shuffle(mid)
    h += mid
    h.append(("Connection", rng.choice(["keep-alive", "Keep-Alive", "close"])))
    return h


def render_request(method, target, headers, body=b""):
    head = "%s %s HTTP/1.1\r\n%s\r\n" % (method, target, "".join("%s: %s\r\n" % kv for kv in headers))
    return head.encode() + body


def query_string(fields, plus):
    out = []
    for f in fields:
        out.append("%s=%s" % (f.key, f.query(plus)))
    return "&".join(out)


def json_doc(rng, blocks, benign_fields):
    """A JSON object holding each block of item fields together, in a sub-object or at the top."""
    def val(f):
        if f.numeric:
            return f.value
        return '"%s"' % f.value if f.raw else jstr(f.value)
    sep = rng.choice([",", ", "])
    colon = rng.choice([":", ": "])

    def obj(fields):
        return "{" + sep.join("%s%s%s" % (jstr(f.key), colon, val(f)) for f in fields) + "}"
    top = ["%s%s%s" % (jstr(f.key), colon, val(f)) for f in benign_fields]
    for block in blocks:
        if rng.random() < 0.5:
            top.insert(rng.randint(0, len(top)), "%s%s%s" % (jstr(rng.choice(["device", "user", "meta", "ctx", "props"])),
                                                          colon, obj(block)))
        else:
            at = rng.randint(0, len(top))
            top[at:at] = ["%s%s%s" % (jstr(f.key), colon, val(f)) for f in block]
    return "{" + sep.join(top) + "}"


def form_fields(rng, blocks, benign_fields):
    fields = list(benign_fields)
    for block in blocks:
        at = rng.randint(0, len(fields))
        fields[at:at] = block
    return fields


def chunk(rng, body, tokens):
    """Transfer-Encoding: chunked framing; sometimes a chunk boundary falls inside a token."""
    cuts = set()
    for tok in tokens:
        i = body.find(tok)
        if i >= 0 and len(tok) > 2 and rng.random() < 0.5:
            cuts.add(i + rng.randint(1, len(tok) - 1))
    pos = 0
    while pos < len(body):
        pos += rng.randint(16, 400)
        if pos < len(body):
            cuts.add(pos)
    out, prev = [], 0
    for c in sorted(cuts) + [len(body)]:
        if c > prev:
            part = body[prev:c]
            out.append(b"%x\r\n%s\r\n" % (len(part), part))
            prev = c
    return b"".join(out) + b"0\r\n\r\n"


class Built:
    def __init__(self, proto, dport, host, stream=b"", dgrams=None, reply=b"", views=(), tokens=(),
                 cuts=(), reply_dgrams=None, tail=b"", tail_dgrams=None):
        self.proto, self.dport, self.host = proto, dport, host
        self.stream, self.dgrams, self.reply = stream, dgrams or [], reply
        self.views, self.tokens, self.cuts = list(views), list(tokens), list(cuts)
        self.reply_dgrams = reply_dgrams or []
        # TLS application data after the hello, QUIC short-header packets: nothing to inspect.
        self.tail, self.tail_dgrams = tail, tail_dgrams or []


def decoded_views(text):
    """What the decoders hand to the detectors, roughly: used by lint()."""
    uq = unquote(text.replace("+", " "))
    js = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text).replace("\\/", "/")
    return [text, uq, js]


def build_http(rng, carrier, blocks, neg_headers, host):
    """One HTTP/1.1 request (sometimes after an unrelated one on the same connection)."""
    n_benign = rng.randint(2, 6)
    bf = benign(rng, n_benign)
    extra = list(neg_headers)
    tokens = [f.value for block in blocks for f in block]
    method, target, body, view_body = "GET", rng.choice(PATHS_GET), b"", ""
    plus = rng.random() < 0.5
    if carrier == "get":
        path_blocks = [b for b in blocks if len(b) == 1 and not b[0].raw and not b[0].keyed and
                       all(c in QUERY_SAFE for c in b[0].value) and "@" not in b[0].value]
        if path_blocks and rng.random() < 0.25:
            b = path_blocks[0]
            blocks = [x for x in blocks if x is not b]
            target = "/api/v1/devices/%s/%s" % (b[0].value, rng.choice(["config", "ping", "state"]))
        q = query_string(form_fields(rng, blocks, bf), plus)
        target = target + ("?" + q if q else "")
    elif carrier in ("form", "json", "chunked", "gzip"):
        method, target = "POST", rng.choice(PATHS_POST)
        as_json = carrier == "json" or (carrier in ("chunked", "gzip") and
                                        (any(f.raw and "\\u" in f.value for b in blocks for f in b) or
                                         (not any(f.raw and "%" in f.value for b in blocks for f in b)
                                          and rng.random() < 0.5)))
        if as_json:
            text = json_doc(rng, blocks, bf)
            ctype = "application/json; charset=utf-8" if rng.random() < 0.5 else "application/json"
        else:
            text = query_string(form_fields(rng, blocks, bf), plus)
            ctype = "application/x-www-form-urlencoded"
        view_body = text
        raw = text.encode()
        extra.append(("Content-Type", ctype))
        if carrier == "gzip":
            raw = gzip.compress(raw, compresslevel=rng.choice([1, 6, 9]), mtime=0)
            extra.append(("Content-Encoding", "gzip"))
        if carrier == "chunked" or (carrier == "gzip" and rng.random() < 0.15):
            body = chunk(rng, raw, [t.encode() for t in tokens] if carrier == "chunked" else [])
            extra.append(("Transfer-Encoding", "chunked"))
        else:
            body = raw
            extra.append(("Content-Length", str(len(raw))))
    elif carrier in ("header", "cookie"):
        if rng.random() < 0.5:
            target += "?" + query_string(bf[:2], plus)
        for block in blocks:
            if carrier == "cookie":
                parts = ["%s=%s" % (f.key, f.query()) for f in block]
                others = ["_ga=GA1.2.%d.%d" % (rng.randint(10 ** 8, 10 ** 9), 1709251200 + rng.randrange(10 ** 6)),
                          "theme=%s" % rng.choice(["dark", "light"]), "lang=de", "consent=%d" % rng.randint(0, 1)]
                ck = rng.sample(others, rng.randint(0, 3))
                ck[rng.randint(0, len(ck)):rng.randint(0, len(ck))] = parts
                extra.append(("Cookie", "; ".join(ck)))
            elif block[0].key == "Authorization":
                extra.append(("Authorization", block[0].value))
            elif block[0].raw and "%" in block[0].value:
                # URL-encoded in a header: the Referer of a page whose query held the value.
                extra.append(("Referer", "https://%s%s?%s" % (host, rng.choice(PATHS_GET),
                                                             query_string(block, False))))
            elif len(block) > 1 or block[0].keyed or rng.random() < 0.3:
                # A header named after a key would respell it (ad_id -> X-Ad-Id): keep key=value.
                extra.append((rng.choice(["X-Client-Info", "X-Device-Info", "X-Context"]),
                              "; ".join("%s=%s" % (f.key, f.value) for f in block)))
            else:
                f = block[0]
                name = "X-" + "-".join(p.capitalize() for p in re.split(r"[_]", f.key))
                extra.append((name, f.value))
    elif carrier == "multipart":
        method, target = "POST", rng.choice(["/upload", "/api/v1/profile", "/v1/crash", "/api/v1/feedback"])
        bnd = rng.choice(["----WebKitFormBoundary" + alnum(rng, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
                          uuid4(rng), "------------------------" + hexs(rng, 16)])
        parts = []
        for f in bf:
            parts.append('Content-Disposition: form-data; name="%s"\r\n\r\n%s' % (f.key, f.value))
        for block in blocks:
            if any(f.raw for f in block):
                parts.insert(rng.randint(0, len(parts)),
                             'Content-Disposition: form-data; name="meta"\r\nContent-Type: application/json\r\n\r\n%s'
                             % json_doc(rng, [block], []))
            else:
                for f in block:
                    parts.insert(rng.randint(0, len(parts)),
                                 'Content-Disposition: form-data; name="%s"\r\n\r\n%s' % (f.key, f.value))
        text = "".join("--%s\r\n%s\r\n" % (bnd, p) for p in parts) + "--%s--\r\n" % bnd
        raw = text.encode()
        if rng.random() < 0.4:
            # A small file part: binary bytes the detectors must skip over.
            png = b"\x89PNG\r\n\x1a\n" + rng.randbytes(rng.randint(40, 300))
            raw = ('--%s\r\nContent-Disposition: form-data; name="file"; filename="img_%d.png"\r\n'
                   'Content-Type: image/png\r\n\r\n' % (bnd, rng.randint(1000, 9999))).encode() + png + b"\r\n" + raw
        view_body = text
        body = raw
        extra += [("Content-Type", "multipart/form-data; boundary=%s" % bnd), ("Content-Length", str(len(raw)))]
    headers = http_headers(rng, host, extra)
    req = render_request(method, target, headers, body)
    view = render_request(method, target, headers).decode() + view_body
    stream, cuts = req, []
    if rng.random() < 0.3:
        # Headers and body written separately, as OkHttp does.
        cuts.append(req.find(b"\r\n\r\n") + 4)
    if rng.random() < 0.15:
        # A keep-alive connection: an unrelated request first.
        first = render_request("GET", rng.choice(["/favicon.ico", "/api/v1/flags", "/robots.txt"]),
                               http_headers(rng, host, []))
        stream = first + req
        cuts = [len(first)] + [c + len(first) for c in cuts]
        view = first.decode() + "\n" + view
    reply = b"HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}" % \
        rng.choice([b"200 OK", b"204 No Content", b"202 Accepted"])
    return Built(6, rng.choice([80, 80, 80, 8080]), host, stream, reply=reply,
                 views=decoded_views(view), tokens=tokens, cuts=cuts)


# ---------------------------------------------------------------- raw TCP and UDP

def mqtt_str(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("!H", len(b)) + b


def mqtt_packet(ptype, body):
    n, rl = len(body), b""
    while True:
        d, n = n % 128, n // 128
        rl += bytes([d | (0x80 if n else 0)])
        if not n:
            break
    return bytes([ptype]) + rl + body


def build_raw(rng, carrier, blocks, host):
    bf = benign(rng, rng.randint(1, 3))
    flat = [f for b in blocks for f in b]
    json_only = any(f.raw for f in flat) or any(f.numeric for f in flat)
    styles = ["json", "kv", "mqtt" if carrier == "raw_tcp" else "statsd"]
    if not any(f.keyed for f in flat):
        styles.append("tlv")  # binary framing drops the keys
    style = "json" if json_only else rng.choice(styles)
    if carrier == "raw_tcp" and style == "kv" and rng.random() < 0.5:
        style = "xml" if not any(f.keyed for f in flat) else "kv"
    if style == "json":
        text = json_doc(rng, blocks, bf)
        payload = text.encode() + b"\n"
        views = decoded_views(text)
    elif style == "kv":
        text = " ".join("%s=%s" % (f.key, f.value) for f in form_fields(rng, blocks, bf))
        payload = (rng.choice(["HELLO 2 ", "REG ", "STAT ", ""]) + text + "\r\n").encode()
        views = [payload.decode()]
    elif style == "xml":
        text = "".join("<%s>%s</%s>" % (f.key, f.value, f.key) for f in form_fields(rng, blocks, bf))
        payload = ("<iq type='set' id='r%d'><query xmlns='urn:x:dev'>%s</query></iq>" % (rng.randint(1, 99), text)).encode()
        views = [payload.decode()]
    elif style == "tlv":
        payload = b"\xa5\x5a\x01" + bytes([len(flat) + len(bf)])
        tl = []
        for f in form_fields(rng, blocks, bf):
            v = f.value.encode()
            tl.append(bytes([rng.randint(1, 250)]) + struct.pack("!H", len(v)) + v)
        payload += b"".join(tl)
        views = [payload.decode("latin-1")]
    elif style == "mqtt":
        single = len(flat) == 1 and not flat[0].keyed and len(flat[0].value) <= 64 and rng.random() < 0.5
        cid = flat[0].value if single else "android-" + alnum(rng, 12)
        pl = b"" if single else json_doc(rng, blocks, bf).encode()
        connect = mqtt_packet(0x10, mqtt_str("MQTT") + b"\x04\x02" + struct.pack("!H", 60) + mqtt_str(cid))
        topic = "devices/%s/telemetry" % alnum(rng, 6)
        publish = mqtt_packet(0x30, mqtt_str(topic) + (pl or b'{"up":1}'))
        payload = connect + publish
        views = [payload.decode("latin-1")] + (decoded_views(pl.decode()) if pl else [])
    else:  # statsd
        tags = ",".join("%s:%s" % (f.key, f.value) for f in form_fields(rng, blocks, bf))
        payload = ("app.%s:%d|c|#%s" % (rng.choice(["launch", "sync", "error"]), rng.randint(1, 9), tags)).encode()
        views = [payload.decode()]
    tokens = [f.value for f in flat]
    if carrier == "raw_tcp":
        port = 1883 if style == "mqtt" else 5222 if style == "xml" else rng.choice([7000, 9000, 9100, 5000, 6001, 12345])
        return Built(6, port, host, payload, views=views, tokens=tokens,
                     reply=b"\x20\x02\x00\x00" if style == "mqtt" else b"")
    port = 8125 if style == "statsd" else rng.choice([9999, 27015, 6000, 7777, 5684, 4010])
    dgrams = [payload]
    if rng.random() < 0.3:
        # Keepalives before and after on the same socket.
        dgrams = [b"\x00\x01" + rng.randbytes(6)] + dgrams + [b"\x00\x02" + rng.randbytes(6)]
    return Built(17, port, host, dgrams=dgrams, views=views, tokens=tokens)




# ---------------------------------------------------------------- DNS

def dns_name(name):
    out = b""
    for lab in name.rstrip(".").split("."):
        out += bytes([len(lab)]) + lab.encode()
    return out + b"\x00"


def dns_query(rng, name, qtype):
    hdr = struct.pack("!HHHHHH", rng.getrandbits(16), 0x0100, 1, 0, 0, 1)
    opt = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)
    return hdr + dns_name(name) + struct.pack("!HH", qtype, 1) + opt


def dns_response(rng, query, qtype):
    qid = query[:2]
    qend = 12 + query[12:].index(b"\x00") + 5
    q = query[12:qend]
    rdata = bytes([203, 0, 113, rng.randint(1, 254)]) if qtype == 1 else \
        bytes.fromhex("20010db8ff00") + rng.randbytes(10)
    if qtype not in (1, 28):
        return qid + struct.pack("!HHHHH", 0x8183, 1, 0, 0, 0) + q  # NXDOMAIN
    ans = b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, rng.randint(30, 3600), len(rdata)) + rdata
    return qid + struct.pack("!HHHHH", 0x8180, 1, 1, 0, 0) + q + ans


def build_dns(rng, name, mdns=False):
    qtypes = [1, 28] if rng.random() < 0.5 else [rng.choice([1, 28, 65, 16])]
    queries = [dns_query(rng, name, t) for t in qtypes]
    views = [name]
    if mdns:
        return Built(17, 5353, "mdns", dgrams=queries, views=views, tokens=[name.split(".")[0]])
    if rng.random() < 0.1:
        stream = b"".join(struct.pack("!H", len(q)) + q for q in queries)
        return Built(6, 53, "dns", stream, views=views, tokens=[name.split(".")[0]])
    reply = [dns_response(rng, q, t) for q, t in zip(queries, qtypes)] if rng.random() < 0.5 else []
    return Built(17, 53, "dns", dgrams=queries, views=views, tokens=[name], reply_dgrams=reply)


# ---------------------------------------------------------------- TLS and QUIC hellos

GREASE = [0x0A0A + 0x1010 * i for i in range(16)]


def ext(t, data):
    return struct.pack("!HH", t, len(data)) + data


def u16s(vals):
    return b"".join(struct.pack("!H", v) for v in vals)


def client_hello(rng, sni, alpn, quic_tp=None, pq=False):
    """A ClientHello handshake message shaped like Chrome's (GREASE, permuted extensions)."""
    q = quic_tp is not None
    g = rng.sample(GREASE, 4)
    suites = [g[0], 0x1301, 0x1302, 0x1303]
    if not q:
        suites += [0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0xC013, 0xC014, 0x009C, 0x009D, 0x002F, 0x0035]
    name = sni.encode()
    exts = [ext(0, struct.pack("!HBH", len(name) + 3, 0, len(name)) + name)]
    if not q:
        exts += [ext(23, b""), ext(0xFF01, b"\x00"), ext(11, b"\x01\x00"), ext(35, b"")]
    groups = [g[1]] + ([0x11EC] if pq else []) + [0x001D, 0x0017, 0x0018]
    exts.append(ext(10, struct.pack("!H", 2 * len(groups)) + u16s(groups)))
    al = b"".join(bytes([len(p)]) + p for p in alpn)
    exts.append(ext(16, struct.pack("!H", len(al)) + al))
    exts.append(ext(5, b"\x01\x00\x00\x00\x00"))
    sigs = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]
    exts.append(ext(13, struct.pack("!H", 2 * len(sigs)) + u16s(sigs)))
    exts.append(ext(18, b""))
    shares = struct.pack("!HH", g[1], 1) + b"\x00"
    if pq:
        shares += struct.pack("!HH", 0x11EC, 1216) + rng.randbytes(1216)
    shares += struct.pack("!HH", 0x001D, 32) + rng.randbytes(32)
    exts.append(ext(51, struct.pack("!H", len(shares)) + shares))
    exts.append(ext(45, b"\x01\x01"))
    vers = [g[2], 0x0304] + ([] if q else [0x0303])
    exts.append(ext(43, bytes([2 * len(vers)]) + u16s(vers)))
    exts.append(ext(27, b"\x02\x00\x02"))
    if q:
        exts.append(ext(0x39, quic_tp))
    rng.shuffle(exts)
    exts = [ext(g[3], b"")] + exts + [ext(g[3] ^ 0x1010, b"\x00")]
    sid = b"" if q else rng.randbytes(32)
    body = (struct.pack("!H", 0x0303) + rng.randbytes(32) + bytes([len(sid)]) + sid +
            struct.pack("!H", 2 * len(suites)) + u16s(suites) + b"\x01\x00")
    e = b"".join(exts)
    if not q and 0xFF < len(body) + len(e) + 6 < 0x200:
        # BoringSSL pads hellos between 256 and 511 bytes to 512 (F5 bug workaround).
        e += ext(21, bytes(max(1, 0x200 - (len(body) + len(e) + 6) - 4)))
    body += struct.pack("!H", len(e)) + e
    return b"\x01" + struct.pack("!I", len(body))[1:] + body


def build_tls(rng, sni, host_for_ip):
    hs = client_hello(rng, sni, [b"h2", b"http/1.1"] if rng.random() < 0.8 else [b"http/1.1"],
                      pq=rng.random() < 0.3)
    rec = b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs
    tail = b""
    if rng.random() < 0.5:
        tail = b"\x14\x03\x03\x00\x01\x01" + b"".join(
            b"\x17\x03\x03" + struct.pack("!H", n) + rng.randbytes(n) for n in rng.sample(range(40, 900), 2))
    reply = b"\x16\x03\x03" + struct.pack("!H", 90) + rng.randbytes(90)
    name = sni.encode()
    i = rec.find(name)
    return Built(6, 443, host_for_ip, rec, reply=reply, views=[sni], tokens=[sni.split(".")[0]],
                 cuts=[i + len(name) // 2] if rng.random() < 0.15 else [], tail=tail)


def transport_params(rng, scid):
    def p(i, v):
        return quic.varint(i) + quic.varint(len(v)) + v
    return (p(0x01, quic.varint(30000)) + p(0x03, quic.varint(1472)) + p(0x04, quic.varint(15728640)) +
            p(0x05, quic.varint(6291456)) + p(0x06, quic.varint(6291456)) + p(0x07, quic.varint(6291456)) +
            p(0x08, quic.varint(100)) + p(0x09, quic.varint(103)) + p(0x0F, scid) +
            p(0x27 + 31 * rng.randint(1, 1000), rng.randbytes(rng.randint(0, 8))))


def build_quic(rng, sni, host_for_ip):
    dcid = rng.randbytes(rng.choice([8, 8, 16, 20]))
    scid = rng.randbytes(rng.choice([0, 8]))
    hello = client_hello(rng, sni, [b"h3"], quic_tp=transport_params(rng, scid), pq=rng.random() < 0.35)
    pad = rng.choice([1200, 1250, 1350])
    pn_len = rng.choice([1, 2, 4])
    # Split the hello over packets; within a packet maybe in scrambled CRYPTO frames (Chrome's
    # chaos protection) with PINGs in between.
    per = 1000
    pieces = [(o, hello[o:o + per]) for o in range(0, len(hello), per)]
    dgrams, pn = [], rng.choice([0, 1])
    for off, data in pieces:
        if rng.random() < 0.4 and len(data) > 40:
            a, b = sorted(rng.sample(range(1, len(data)), 2))
            frames = [quic.crypto_frame(off, data[:a]), quic.crypto_frame(off + a, data[a:b]),
                      quic.crypto_frame(off + b, data[b:])]
            rng.shuffle(frames)
            frames.insert(rng.randint(0, 3), quic.ping_frame())
            frames.insert(rng.randint(0, 4), quic.padding(rng.randint(1, 20)))
        else:
            frames = [quic.crypto_frame(off, data)]
        dgrams.append(quic.initial_packet(dcid, scid, pn, frames, pad_to=pad, pn_len=pn_len))
        pn += 1
    tail = []
    if rng.random() < 0.4:
        tail = [bytes([0x40 | rng.randrange(64)]) + rng.randbytes(8) + rng.randbytes(rng.randint(30, 200))
                for _ in range(rng.randint(1, 2))]
    return Built(17, 443, host_for_ip, dgrams=dgrams, views=[sni], tokens=[sni.split(".")[0]],
                 tail_dgrams=tail)


def host_with(rng, token, zones):
    z = rng.choice(zones)
    return rng.choice(["%s.%s" % (token, z), "%s.%s.%s" % (alnum(rng, 3), token, z)])


# ---------------------------------------------------------------- packets and captures

class Net:
    """Addresses of the phone (Wi-Fi and cellular) and port allocation."""

    CLIENTS = {("wlan", 4): "192.168.178.34", ("wlan", 6): "2001:db8:4a2b:10::34",
               ("cell", 4): "10.152.33.7", ("cell", 6): "2001:db8:c0de:7::1a"}
    DNS = {("wlan", 4): "192.168.178.1", ("wlan", 6): "2001:db8:4a2b:10::1",
           ("cell", 4): "10.152.0.53", ("cell", 6): "2001:db8:c0de::53"}

    def __init__(self, rng):
        self.rng = rng
        self.next_port = {}
        self.used = set()

    def sport(self, client):
        p = self.next_port.get(client, self.rng.randint(33000, 40000))
        p += self.rng.randint(1, 7)
        if p > 60999:
            p = 32768 + (p - 61000)
        self.next_port[client] = p
        return p

    def server(self, host, v):
        h = hashlib.sha256(host.encode()).digest()
        if v == 4:
            return "%s.%d" % (["198.51.100", "203.0.113", "192.0.2"][h[0] % 3], 1 + h[1] % 253)
        return "2001:db8:ff%02x::%x" % (h[0], 1 + (h[1] << 8 | h[2]) % 0xfffe)


def ip_bytes(a):
    import ipaddress
    return ipaddress.ip_address(a).packed


def csum(b):
    if len(b) % 2:
        b += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip_packet(src, dst, proto, l4, ident, v6, flow_label=0):
    s, d = ip_bytes(src), ip_bytes(dst)
    if v6:
        pseudo = s + d + struct.pack("!IxxxB", len(l4), proto)
    else:
        pseudo = s + d + struct.pack("!xBH", proto, len(l4))
    off = 16 if proto == 6 else 6
    c = csum(pseudo + l4[:off] + b"\x00\x00" + l4[off + 2:])
    if proto == 17 and c == 0:
        c = 0xFFFF
    l4 = l4[:off] + struct.pack("!H", c) + l4[off + 2:]
    if v6:
        return struct.pack("!IHBB", (6 << 28) | flow_label, len(l4), proto, 64) + s + d + l4
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), ident, 0x4000, 64, proto, 0, s, d)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + l4


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def tcp_segment(sport, dport, seq, ack, flags, payload, tsval, syn_opts=False):
    if syn_opts:
        opts = struct.pack("!BBH", 2, 4, 1460) + b"\x04\x02" + struct.pack("!BBII", 8, 10, tsval, 0) + \
            b"\x01\x03\x03\x07"
    else:
        opts = b"\x01\x01" + struct.pack("!BBII", 8, 10, tsval, tsval - 1000)
    off = (20 + len(opts)) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, off << 4, flags,
                       65535 if flags & SYN else 1024, 0, 0) + opts + payload


def tcp_events(rng, b, t0, tricks):
    """(time, from_client, flags, seq, ack, payload) for one TCP connection."""
    cisn, sisn = rng.getrandbits(32), rng.getrandbits(32)
    ev, t = [], t0
    rtt = rng.uniform(0.01, 0.12)
    if not tricks.get("midstream"):
        ev += [(t, True, SYN, cisn, 0, b""), (t + rtt, False, SYN | ACK, sisn, cisn + 1, b""),
               (t + rtt + 0.0003, True, ACK, cisn + 1, sisn + 1, b"")]
        t += rtt + 0.001
    stream = b.stream + b.tail
    mss = rng.choice([1448, 1448, 1428, 1360, 1220, 536])
    forced = sorted(set(c for c in b.cuts + tricks.get("splits", []) if 0 < c < len(stream)))
    if b.tail:
        forced = sorted(set(forced + [len(b.stream)]))
    segs, pos = [], 0
    while pos < len(stream):
        end = min(pos + mss, len(stream))
        for f in forced:
            if pos < f < end:
                end = f
                break
        segs.append((pos, end))
        pos = end
    order = list(range(len(segs)))
    extra = []  # (after index in order, (start, end)) retransmissions
    if tricks.get("ooo") and len(segs) >= 2:
        i = rng.randrange(len(segs) - 1)
        order[i], order[i + 1] = order[i + 1], order[i]
        # The segment that came early landed beyond a hole: the sender sends it again.
        extra.append((i + 1, segs[order[i]]))
    if tricks.get("retrans") and segs:
        i = rng.randrange(len(segs))
        extra.append((i, segs[order[i]]))
    if tricks.get("repack") and len(segs) >= 2:
        i = rng.randrange(len(segs) - 1)
        a, b2 = segs[i], segs[i + 1]
        extra.append((len(segs) - 1, ((a[0] + a[1]) // 2, b2[1])))
    for k, idx in enumerate(order):
        s, e = segs[idx]
        t += rng.uniform(0.0002, 0.004)
        ev.append((t, True, PSH | ACK, cisn + 1 + s, sisn + 1, stream[s:e]))
        for after, (rs, re_) in extra:
            if after == k:
                t += rng.uniform(0.2, 0.4)  # a retransmission timeout
                ev.append((t, True, PSH | ACK, cisn + 1 + rs, sisn + 1, stream[rs:re_]))
        if k % 2 == 1:
            ev.append((t + rtt / 2, False, ACK, sisn + 1, cisn + 1 + e, b""))
    end = cisn + 1 + len(stream)
    t += rtt
    sseq = sisn + 1
    if b.reply:
        ev.append((t, False, PSH | ACK, sseq, end, b.reply))
        sseq += len(b.reply)
        t += 0.0004
        ev.append((t, True, ACK, end, sseq, b""))
    t += rng.uniform(0.01, 0.5)
    if rng.random() < 0.9:
        ev += [(t, True, FIN | ACK, end, sseq, b""), (t + rtt, False, FIN | ACK, sseq, end + 1, b""),
               (t + rtt + 0.0003, True, ACK, end + 1, sseq + 1, b"")]
    else:
        ev.append((t, True, RST | ACK, end, sseq, b""))
    return ev


LINK_IF = {"wlan": (3, 1, 6), "cell": (12, 519, 0)}  # if_index, ARPHRD, address length


def frame(linktype, ipb, v6, outgoing, iface, macs):
    et = 0x86DD if v6 else 0x0800
    phone_mac, gw_mac = macs
    if linktype == 1:
        src, dst = (phone_mac, gw_mac) if outgoing else (gw_mac, phone_mac)
        return dst + src + struct.pack("!H", et) + ipb
    if linktype == 101:
        return ipb
    ifindex, arphrd, alen = LINK_IF[iface]
    addr = ((phone_mac if outgoing else gw_mac) if alen else b"").ljust(8, b"\x00")
    ptype = 4 if outgoing else 0  # PACKET_OUTGOING, PACKET_HOST
    if linktype == 113:
        return struct.pack("!HHH", ptype, arphrd, alen) + addr + struct.pack("!H", et) + ipb
    return struct.pack("!HHIHBB", et, 0, ifindex, arphrd, ptype, alen) + addr + ipb


def pcapng_bytes(linktype, records):
    """One section, one interface, Enhanced Packet Blocks with microsecond stamps."""
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)
    out = [block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)),
           block(1, struct.pack("<HHI", linktype, 0, 262144))]
    for t, data in records:
        ts = int(round(t * 1e6))
        out.append(block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xffffffff, len(data), len(data)) + data))
    return b"".join(out)


def pcap_bytes(linktype, records):
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype)]
    for t, data in records:
        sec = int(t)
        usec = int(round((t - sec) * 1e6))
        if usec >= 1000000:
            sec, usec = sec + 1, usec - 1000000
        out.append(struct.pack("<IIII", sec, usec, len(data), len(data)) + data)
    return b"".join(out)


# ---------------------------------------------------------------- honesty checks

TLDS = {"com", "net", "org", "ch", "de", "fr", "uk", "it", "io", "me", "app", "dev", "eu", "at", "info",
        "cloud", "edu", "gov", "co", "us", "nl", "es", "be", "pn", "se", "jp"}
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+\.)+([A-Za-z]{2,})(?![A-Za-z0-9-])")
DIGITS_RE = re.compile(r"(?<![0-9A-Za-z])\d(?:[ -]?\d){11,22}(?![0-9A-Za-z])")
NUM_RE = re.compile(r"(?<![\d.])-?\d{1,3}\.\d{2,}(?![\d.])")
E164_RE = re.compile(r"\+\d(?:[ ]?\d){7,14}(?!\d)")
IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?")
AD_RE = re.compile(r"(?i)(adid|gaid|idfa|ifa|aaid|advertising_?id|ad_id)[\"'=:\s]+([0-9a-f-]{36})")
CRED_RE = re.compile(r"(?i)(password|passwd|pwd|\bpass\b|secret|api_?key|access_token|auth_token|"
                     r"authorization)[\"']?\s*[=:]\s*[\"']?[^\s\"'&;,}]{3,}")
MAC_RE = re.compile(r"(?i)(mac|bssid|wifi)[\w\"']*\s*[=:>]\s*[\"']?([0-9a-f]{2}[:-]?){5}[0-9a-f]{2}")
IMSI_RE = re.compile(r"(?i)imsi[\w\"']*\s*[=:>]\s*[\"']?\d{14,15}")
NATPHONE_RE = re.compile(r"(?i)(phone|tel|msisdn|mobile)[\"']?\s*[=:]\s*[\"']?\(?\+?\d[\d ()-]{5,}")


def lint(views, types, known):
    """Types of personal data found in the views beyond the given types (a set); empty when the
    flow is honest."""
    found = set()
    for text in views:
        low = text.lower()
        for kv in known:
            if kv.type in types:
                continue
            if any(v.lower() in low for v in kv.variants):
                found.add(kv.type + ":" + kv.label)
        for m in EMAIL_RE.finditer(text):
            if m.group(2).lower() in TLDS:
                found.add("email")
        for m in DIGITS_RE.finditer(text):
            d = re.sub(r"[ -]", "", m.group(0))
            if not luhn_ok(d):
                continue
            if len(d) == 15 and d[:2] in ("35", "86", "01", "99"):
                found.add("imei")
            elif d.startswith("89") and len(d) in (19, 20):
                found.add("iccid")
            elif 13 <= len(d) <= 19 and re.match(r"4|5[1-5]|2[2-7]|3[47]|6011|65|35|36|62", d):
                found.add("card")
        nums = [(m.start(), float(m.group(0))) for m in NUM_RE.finditer(text)]
        for (p1, a), (p2, b) in zip(nums, nums[1:]):
            if p2 - p1 < 40 and ((abs(a - HOME[0]) < 1.5 and abs(b - HOME[1]) < 2) or
                                 (abs(b - HOME[0]) < 1.5 and abs(a - HOME[1]) < 2)):
                found.add("location")
        if E164_RE.search(text) or NATPHONE_RE.search(text):
            found.add("phone")
        for m in IBAN_RE.finditer(text):
            if iban_ok(m.group(0)):
                found.add("iban")
        for m in AD_RE.finditer(text):
            if m.group(2).strip("0-"):
                found.add("ad_id")
        if CRED_RE.search(text):
            found.add("credential")
        if MAC_RE.search(text):
            found.add("mac")
        if IMSI_RE.search(text):
            found.add("imsi")
    return {f for f in found if f.split(":")[0] not in types}


# ---------------------------------------------------------------- the plan

class Spec:
    def __init__(self, carrier, items, note, neg=None):
        self.carrier, self.items, self.note, self.neg = carrier, items, note, neg


def known_item(rng, kv, enc, carrier):
    ctx = {"get": "query", "form": "query", "cookie": "query", "dns": "label", "tls_sni": "label",
           "quic_sni": "label", "raw_tcp": "rawjson" if enc == "json" else "text",
           "udp": "rawjson" if enc == "json" else "text"}.get(carrier, "text")
    if carrier in ("chunked", "gzip") and enc == "plain":
        ctx = rng.choice(["query", "text"])
    tok = encode_known(rng, kv, enc, ctx)
    if tok is None:
        return None
    keys = KNOWN_KEYS[kv.type] if enc == "plain" and kv.type != "secret" else []
    key = rng.choice(keys + NEUTRAL_KEYS) if keys and rng.random() < 0.6 else rng.choice(NEUTRAL_KEYS)
    raw = enc in ("url", "json")
    return Item(kv.type, enc, True, [Field(key, tok, raw=raw)],
                "known %s (%s) %s" % (kv.type, kv.label, enc), label=kv.label)


def plan(rng, known, scale):
    pos = []
    reps = max(1, int(scale)) if scale >= 1 else 1
    for _ in range(reps):
        for kv in known:
            for carrier in CARRIERS:
                for enc in CARRIER_ENC[carrier]:
                    pos.append(("known", kv, carrier, enc))
        for t in GENERIC_TYPES:
            for carrier in CARRIERS:
                if t == "credential" and carrier in ("cookie", "raw_tcp", "udp"):
                    continue
                for enc in ["plain", "url", "json"]:
                    if enc not in CARRIER_ENC[carrier]:
                        continue
                    n = 6 if enc == "plain" else 2
                    for _ in range(n):
                        pos.append(("generic", t, carrier, enc))
        for _ in range(150):
            pos.append(("multi", None, rng.choice(["get", "form", "json", "gzip", "chunked", "multipart",
                                                   "raw_tcp", "udp", "header"]), None))
    if scale < 1:
        pos = rng.sample(pos, max(1, int(len(pos) * scale)))
    n_neg = int(len(pos) * 0.67)
    weights = {"get": 14, "form": 8, "json": 12, "header": 5, "cookie": 4, "chunked": 3, "gzip": 4,
               "multipart": 3, "raw_tcp": 6, "udp": 6, "dns": 16, "tls_sni": 12, "quic_sni": 7}
    cs = list(weights)
    neg = [("neg", None, c, None) for c in rng.choices(cs, [weights[c] for c in cs], k=n_neg)]
    allp = pos + neg
    rng.shuffle(allp)
    return allp


def make_spec(rng, known, entry):
    kind, what, carrier, enc = entry
    if kind == "known":
        it = known_item(rng, what, enc, carrier)
        return Spec(carrier, [it], it.note) if it else None
    if kind == "generic":
        it = generic_item(rng, what, carrier, enc)
        if it is None:
            return None
        return Spec(carrier, [it], "%s %s %s" % (it.note, enc, carrier))
    if kind == "multi":
        types = rng.sample(["imei", "mac", "ad_id", "email", "location", "imsi", "phone", "known"], rng.randint(2, 3))
        items = []
        for t in types:
            if t == "known":
                kv = rng.choice([k for k in known if k.type not in [i.type for i in items]])
                if kv.type in types:
                    continue
                it = known_item(rng, kv, rng.choice(["plain", "md5", "sha1", "sha256", "base64"]), carrier)
            else:
                it = generic_item(rng, t, carrier, "plain")
            if it and it.type not in [i.type for i in items]:
                items.append(it)
        return Spec(carrier, items, "beacon: " + ", ".join(i.type for i in items))
    # Negatives: near misses in the same carriers.
    return Spec(carrier, [], "negative", neg=True)


def build(rng, spec):
    c = spec.carrier
    if spec.neg:
        kinds = []
        if c in HTTP_CARRIERS or c in ("raw_tcp", "udp"):
            blocks = []
            for _ in range(rng.randint(1, 3)):
                k, fields = nearmiss(rng)
                if c in ("raw_tcp", "udp") and k == "zero_adid":
                    continue
                kinds.append(k)
                blocks.append(fields)
            if c in HTTP_CARRIERS:
                nh = [f(rng) for f in rng.sample(NEG_HEADERS, rng.randint(0, 3))]
                kinds += [h[0] for h in nh]
                if c == "json" and rng.random() < 0.2:
                    blocks.append([Field("css", "body{margin:0;padding:0}.btn{color:#1a73e8;width:12.5%}"),
                                   Field("js", "function f(e){return e*2.5+0.25}")])
                    kinds.append("css/js")
                b = build_http(rng, c, blocks, nh, rng.choice(APP_HOSTS + PLAIN_HOSTS))
            else:
                if rng.random() < 0.35:
                    b = neg_binary(rng, c)
                    kinds.append(b.note)
                else:
                    b = build_raw(rng, c, blocks, rng.choice(APP_HOSTS))
            note = "negative %s: %s" % (c, ", ".join(kinds))
        elif c == "dns":
            name = rng.choice(PLAIN_HOSTS + CDN_HOSTS + APP_HOSTS + [
                "_googlecast._tcp.local", "%s.cdn.example-static.net" % hexs(rng, 16),
                "%s.s3.amazonaws.com" % alnum(rng, 10)])
            b = build_dns(rng, name, mdns=name.endswith(".local"))
            note = "negative dns %s" % name
        else:
            name = rng.choice(PLAIN_HOSTS + CDN_HOSTS + APP_HOSTS)
            b = (build_tls if c == "tls_sni" else build_quic)(rng, name, name)
            note = "negative %s %s" % (c, name)
        return b, note
    if c in HTTP_CARRIERS:
        nh = [f(rng) for f in rng.sample(NEG_HEADERS, rng.randint(0, 2))]
        return build_http(rng, c, [it.fields for it in spec.items], nh, rng.choice(APP_HOSTS)), spec.note
    if c in ("raw_tcp", "udp"):
        return build_raw(rng, c, [it.fields for it in spec.items], rng.choice(APP_HOSTS)), spec.note
    tok = spec.items[0].fields[0].value
    if c == "dns":
        if spec.items[0].type == "hostname" and spec.items[0].enc == "plain" and rng.random() < 0.5:
            return build_dns(rng, tok + ".local", mdns=True), spec.note + " (mDNS)"
        return build_dns(rng, host_with(rng, tok, DNS_ZONES)), spec.note
    name = host_with(rng, tok, SNI_ZONES)
    return (build_tls if c == "tls_sni" else build_quic)(rng, name, name), spec.note


def neg_binary(rng, c):
    if c == "udp":
        kind = rng.choice(["ntp", "stun", "game", "ssdp"])
        if kind == "ntp":
            p = b"\x23" + bytes(39) + struct.pack("!II", 3919000000 + rng.randrange(10 ** 6), rng.getrandbits(32))
            b = Built(17, 123, "ntp.ubuntu.com", dgrams=[p], views=[])
        elif kind == "stun":
            p = struct.pack("!HHI", 1, 0, 0x2112A442) + rng.randbytes(12)
            b = Built(17, 3478, "stun.l.google.com", dgrams=[p], views=[])
        elif kind == "ssdp":
            p = (b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n"
                 b"MX: 1\r\nST: urn:dial-multiscreen-org:service:dial:1\r\n\r\n")
            b = Built(17, 1900, "ssdp", dgrams=[p], views=[p.decode()])
        else:
            b = Built(17, 27015, "game", dgrams=[rng.randbytes(rng.randint(20, 300)) for _ in range(3)], views=[])
    else:
        kind = rng.choice(["binary", "irc", "ssh"])
        if kind == "binary":
            # A framed binary protocol; the magic keeps it from looking like a TLS record.
            b = Built(6, rng.choice([7000, 9000, 5000]), "bin",
                      b"\xca\xfe\x00\x01" + rng.randbytes(rng.randint(50, 2000)), views=[])
        elif kind == "irc":
            nick = rng.choice(["otter", "lynx", "ember"]) + alnum(rng, 3)
            p = ("NICK %s\r\nUSER %s 0 * :%s\r\nJOIN #mobian\r\nPRIVMSG #mobian :%s\r\n" %
                 (nick, nick, nick, rng.choice(PROSE))).encode()
            b = Built(6, 6667, "irc.libera.chat", p, views=[p.decode()])
        else:
            p = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2\r\n" + rng.randbytes(rng.randint(300, 1200))
            b = Built(6, 22, "ssh", p, views=[])
    b.note = kind
    return b


def draw(rng, known, entry):
    """(spec, built, note, redraws) for one planned flow; spec None when it does not apply."""
    for attempt in range(30):
        spec = make_spec(rng, known, entry)
        if spec is None or (not spec.neg and not spec.items):
            return None, None, None, attempt
        b, note = build(rng, spec)
        bad = lint(b.views, {i.type for i in spec.items}, known)
        if not bad:
            for it in spec.items:
                if it.enc == "plain" and any(f.escaped for f in it.fields):
                    it.enc = "url"
            return spec, b, note, attempt
    sys.exit("gen: %s %s keeps failing lint: %s" % (entry[0], entry[2], bad))


def tcp_tricks(rng, spec, b):
    """How the connection misbehaves: value split over segments, retransmission, reordering."""
    tricks = {}
    if spec.items and rng.random() < 0.2 and b.tokens:
        tok = b.tokens[rng.randrange(len(b.tokens))]
        i = -1
        for tb in (tok.encode(), qesc(tok).encode(), qesc(tok, True).encode()):
            i = b.stream.find(tb)
            if i >= 0:
                break
        if i >= 0 and len(tb) > 1:
            tricks["splits"] = [i + rng.randint(1, len(tb) - 1)]
        else:
            # Compressed or chunk-split: the value is not visible on the wire as is.
            body = b.stream.find(b"\r\n\r\n") + 4
            tricks["splits"] = [rng.randint(body, max(body, len(b.stream) - 1))]
    if not spec.items and rng.random() < 0.15:
        tricks["splits"] = [rng.randint(1, max(1, len(b.stream) - 1))]
    r = rng.random()
    tricks["retrans"] = r < 0.08
    tricks["ooo"] = 0.08 <= r < 0.12
    tricks["repack"] = 0.12 <= r < 0.14
    # Capture started after the handshake; never together with reordering, where the first
    # segment seen would not be the first byte of the stream.
    tricks["midstream"] = not tricks["ooo"] and rng.random() < 0.03
    return tricks


def transport(rng, b, client, dst, sport, t0, tricks):
    """(time, outbound, TCP or UDP header + payload) of the flow, both directions."""
    ev = []
    if b.proto == 6:
        for t, out, flags, seq, ack, pl in tcp_events(rng, b, t0, tricks):
            sp, dp = (sport, b.dport) if out else (b.dport, sport)
            ev.append((t, out, tcp_segment(sp, dp, seq, ack, flags, pl, int(t * 1000) & 0xFFFFFFFF,
                                           syn_opts=bool(flags & SYN))))
        return ev
    t = t0
    replies = list(b.reply_dgrams)
    for d in b.dgrams + b.tail_dgrams:
        ev.append((t, True, struct.pack("!HHHH", sport, b.dport, 8 + len(d), 0) + d))
        if replies:
            r = replies.pop(0)
            ev.append((t + 0.02, False, struct.pack("!HHHH", b.dport, sport, 8 + len(r), 0) + r))
        t += rng.uniform(0.001, 0.05)
    return ev


def destination(net, b, iface, v):
    if b.host == "dns":
        return Net.DNS[(iface, v)]
    if b.host == "mdns":
        return "224.0.0.251" if v == 4 else "ff02::fb"
    if b.host == "ssdp":
        return "239.255.255.250" if v == 4 else "ff02::c"
    return net.server(b.host, v)


def write_outputs(outdir, ident, records, labels):
    for name, linktype, _ in LINKS:
        with open(os.path.join(outdir, name), "wb") as f:
            write = pcapng_bytes if name.endswith(".pcapng") else pcap_bytes
            f.write(write(linktype, sorted(records[name], key=lambda r: r[0])))
    with open(os.path.join(outdir, "labels.jsonl"), "w") as f:
        for lab in labels:
            f.write(json.dumps(lab) + "\n")
    conf, secrets, policy = ident.config(outdir)
    with open(os.path.join(outdir, "privfw.conf"), "w") as f:
        f.write(conf)
    with open(os.path.join(outdir, "policy.conf"), "w") as f:
        f.write(policy)
    sp = os.path.join(outdir, "secrets.conf")
    fd = os.open(sp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets)
    os.chmod(sp, 0o600)  # privfwd refuses secrets others can read


# Link-layer addresses: a randomized Wi-Fi MAC and the router's, not the configured ones
# (headers are not inspected, but a capture should not contradict its labels).
LINK_MACS = (bytes.fromhex("0ac0ffee0034"), bytes.fromhex("3810d5a1b2c3"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies the number of flows")
    args = ap.parse_args()
    t_start = time.monotonic()
    quic.selftest()
    outdir = os.path.abspath(args.outdir)
    os.makedirs(outdir, exist_ok=True)
    rng = random.Random(args.seed)
    ident = Identity(rng)
    known = ident.known()
    net = Net(rng)
    records = {name: [] for name, _, _ in LINKS}
    labels, redrawn = [], 0
    for n, entry in enumerate(plan(rng, known, args.scale)):
        spec, b, note, redraws = draw(rng, known, entry)
        redrawn += redraws
        if spec is None:
            continue
        pcap, linktype, _ = rng.choices(LINKS, [w for _, _, w in LINKS])[0]
        v = 6 if rng.random() < 0.2 else 4
        iface = "wlan" if linktype == 1 else "cell" if linktype == 101 else rng.choice(["wlan", "cell"])
        client, dst = Net.CLIENTS[(iface, v)], destination(net, b, iface, v)
        sport = net.sport(client)
        key = (b.proto, client, sport, dst, b.dport)
        assert key not in net.used, key
        net.used.add(key)
        tricks = tcp_tricks(rng, spec, b) if b.proto == 6 else {}
        ev = transport(rng, b, client, dst, sport, 1710662400.0 + n * 0.05 + rng.uniform(0, 0.3), tricks)
        fl = rng.getrandbits(20)
        for i, (t, out, l4) in enumerate(ev):
            src, dsta = (client, dst) if out else (dst, client)
            ipb = ip_packet(src, dsta, b.proto, l4, (sport * 7 + i) & 0xFFFF, v == 6, fl if out else 0)
            records[pcap].append((t, frame(linktype, ipb, v == 6, out, iface, LINK_MACS)))
        tr = [k for k, val in tricks.items() if val]
        labels.append({"pcap": pcap, "proto": "tcp" if b.proto == 6 else "udp", "src": client, "sport": sport,
                       "dst": dst, "dport": b.dport, "carrier": spec.carrier,
                       "labels": [i.as_label() for i in spec.items], "negative": not spec.items,
                       "note": note + (" [%s]" % ",".join(tr) if tr else "")})
    write_outputs(outdir, ident, records, labels)
    npos = sum(1 for lab in labels if not lab["negative"])
    print("gen: %d flows (%d positive, %d negative, %d items), %d packets, %d redrawn, %.1f s -> %s" %
          (len(labels), npos, len(labels) - npos, sum(len(lab["labels"]) for lab in labels),
           sum(len(r) for r in records.values()), redrawn, time.monotonic() - t_start, outdir))


if __name__ == "__main__":
    main()
