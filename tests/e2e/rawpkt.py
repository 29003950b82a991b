#!/usr/bin/env python3
"""Traffic helpers for privfw's fault-injection test (tests/e2e/faults.sh).

  rawpkt.py capture IFACE OUT PORTS
        AF_PACKET capture on IFACE (run it in the receiving namespace). Every IPv4/IPv6 TCP or
        UDP frame to one of PORTS (comma-separated), and every frame carrying a garbage tag
        (see `garbage`), is written to OUT as one line. On SIGTERM it appends
        "count PORT N" for every port seen, then exits. Prints "ready" once bound.
  rawpkt.py load HOSTS PORT MARKER STOPFILE deny|allow [CONNECT_TIMEOUT]
        Continuous traffic until STOPFILE exists; HOSTS is a comma-separated list used in
        turn (IPv4 and IPv6). Every datagram comes from a new socket (a fresh source port) and
        every TCP attempt is a new connection; payloads are MARKER-u-N / MARKER-t-N.
        deny:  fire and forget, UDP every 5 ms, a non-blocking connect every 20 ms; a connect
               that completes is a leak (its marker is sent so the server logs it too).
        allow: sequential exchanges, alternating UDP and TCP; each must be echoed within
               CONNECT_TIMEOUT seconds (default 2); max_ms is the slowest one that was.
        Prints one summary line of key=value counters at the end.
  rawpkt.py flood HOSTS PORT0 NPORTS COUNT [SPORT0 SPORTS [HOLDFILE|- [KEEP]]]
        COUNT datagrams as fast as possible, each from a new socket bound to its own source
        port, to PORT0..PORT0+NPORTS-1 on HOSTS in turn: each one a new flow. The sockets stay
        open (as many as RLIMIT_NOFILE and SPORTS allow: the newest ones) so privfwd can
        identify the sender: after the summary line, until HOLDFILE exists (30 s at most).
        KEEP > 0 keeps only the newest KEEP sockets open (a sender that closes at once).
  rawpkt.py garbage SRC4 DST4 SRC6 DST6 CASE...|all [-- STATUS_CMD...]
        Sends malformed packets from raw sockets (IPv4 with IP_HDRINCL, IPv6 with IPPROTO_RAW);
        prints "CASE sent=N [error:WHY]" per case. With STATUS_CMD (privfwctl --json status),
        each line also gets "queued=N errors=N": how much privfwd's packets and parse_errors
        counters rose for the case. `garbage - - - - list` names the cases,
        `garbage - - - - tag CASE` prints the tag its packets carry.
        Each IPv4 packet carries IP id 0x4700+i, each IPv6 packet flow label 0x47000+i, so a
        capture can tell which reached the wire.
"""
import errno
import os
import random
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
IP_NODEFRAG = 22
GARBAGE_ID4 = 0x4700
GARBAGE_FL6 = 0x47000


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


# --- capture -------------------------------------------------------------------------------

def l4_ports(proto, l4):
    if proto in (6, 17) and len(l4) >= 4:
        return struct.unpack("!HH", l4[:4])
    return None, None


def describe(frame):
    """(tag, proto, sport, dport, payload) of an Ethernet frame, or None."""
    if len(frame) < 14:
        return None
    etype = struct.unpack("!H", frame[12:14])[0]
    ip = frame[14:]
    if etype == 0x0800 and len(ip) >= 20:
        ihl = (ip[0] & 15) * 4
        ipid = struct.unpack("!H", ip[4:6])[0]
        tag = ipid - GARBAGE_ID4 if GARBAGE_ID4 <= ipid < GARBAGE_ID4 + 0x100 else None
        proto = ip[9]
        l4 = ip[ihl:] if ihl >= 20 else b""
    elif etype == 0x86DD and len(ip) >= 40:
        fl = struct.unpack("!I", ip[0:4])[0] & 0xFFFFF
        tag = fl - GARBAGE_FL6 if GARBAGE_FL6 <= fl < GARBAGE_FL6 + 0x100 else None
        proto = ip[6]
        l4 = ip[40:]
    else:
        return None
    sport, dport = l4_ports(proto, l4)
    if proto == 6 and len(l4) >= 13:
        payload = l4[(l4[12] >> 4) * 4:]
    elif proto == 17:
        payload = l4[8:]
    else:
        payload = b""
    return tag, proto, sport, dport, payload


def capture(iface, out, ports):
    watch = {int(p) for p in ports.split(",") if p}
    counts = {}
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    f = open(out, "a")
    done = []
    signal.signal(signal.SIGTERM, lambda *a: done.append(1))
    print("ready", flush=True)
    while not done:
        try:
            r, _, _ = select.select([s], [], [], 0.2)
            if not r:
                continue
            frame, addr = s.recvfrom(65535)
        except InterruptedError:
            continue
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        d = describe(frame)
        if not d:
            continue
        tag, proto, sport, dport, payload = d
        if proto in (6, 17) and dport is not None:
            counts[dport] = counts.get(dport, 0) + 1
        if tag is not None or (proto in (6, 17) and dport in watch):
            f.write("frame tag=%s proto=%d sport=%s dport=%s payload=%r\n"
                    % (tag, proto, sport, dport, payload[:40]))
            f.flush()
    for p in sorted(counts):
        f.write("count %d %d\n" % (p, counts[p]))
    f.close()


# --- load ----------------------------------------------------------------------------------

def load_deny(hosts, port, marker, stop):
    c = dict(udp=0, tcp=0, tcp_connected=0, tcp_refused=0, tcp_pending_closed=0, udp_errors=0)
    udp_ring, tcp_pending = [], {}
    n = 0
    next_tcp = 0.0
    while not os.path.exists(stop):
        host = hosts[n % len(hosts)]
        n += 1
        try:
            u = socket.socket(family(host), socket.SOCK_DGRAM)
            u.setblocking(False)
            u.connect((host, port))
            u.send(("%s-u-%d" % (marker, n)).encode())
            c["udp"] += 1
            udp_ring.append(u)
        except OSError:
            c["udp_errors"] += 1
        while len(udp_ring) > 32:
            udp_ring.pop(0).close()
        now = time.monotonic()
        if now >= next_tcp:
            next_tcp = now + 0.02
            t = socket.socket(family(host), socket.SOCK_STREAM)
            t.setblocking(False)
            try:
                t.connect((host, port))
            except BlockingIOError:
                pass
            except OSError:
                c["tcp_refused"] += 1
                t.close()
                t = None
            if t is not None:
                c["tcp"] += 1
                tcp_pending[t] = (now, n)
        # Harvest finished connects: refused is expected, connected is a leak.
        if tcp_pending:
            _, w, _ = select.select([], list(tcp_pending), [], 0)
            for t in w:
                born, tn = tcp_pending.pop(t)
                err = t.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err == 0:
                    c["tcp_connected"] += 1
                    try:
                        t.send(("%s-t-%d" % (marker, tn)).encode())
                    except OSError:
                        pass
                else:
                    c["tcp_refused"] += 1
                t.close()
            for t, (born, _) in list(tcp_pending.items()):
                if now - born > 4:
                    c["tcp_pending_closed"] += 1
                    del tcp_pending[t]
                    t.close()
        time.sleep(0.005)
    return c


def exchange(proto, host, port, msg, timeout):
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(family(host), kind)
    s.settimeout(timeout)
    try:
        s.connect((host, port))
        s.send(msg)
        reply = s.recv(65536)
        return "ok" if reply == b"echo:" + msg else "error"
    except socket.timeout:
        return "timeout"
    except (ConnectionRefusedError, ConnectionResetError):
        return "refused"
    except OSError:
        return "error"
    finally:
        s.close()


def load_allow(hosts, port, marker, stop, timeout):
    c = {}
    n = 0
    while not os.path.exists(stop):
        host = hosts[n % len(hosts)]
        proto = "udp" if n % 2 == 0 else "tcp"
        n += 1
        t0 = time.monotonic()
        r = exchange(proto, host, port, ("%s-%s-%d" % (marker, proto[0], n)).encode(), timeout)
        if r == "ok":
            c["max_ms"] = max(c.get("max_ms", 0), int((time.monotonic() - t0) * 1000))
        key = "%s_%s" % (proto, r)
        c[key] = c.get(key, 0) + 1
        if r != "ok":
            sys.stderr.write("%s %s %s %s at %.3f\n" % (marker, proto, host, r, time.time()))
        time.sleep(0.01)
    for k in ("udp_ok", "tcp_ok", "udp_timeout", "tcp_timeout"):
        c.setdefault(k, 0)
    return c


def load(hosts, port, marker, stop, mode, timeout="2"):
    hosts = hosts.split(",")
    if mode == "deny":
        c = load_deny(hosts, int(port), marker, stop)
    else:
        c = load_allow(hosts, int(port), marker, stop, float(timeout))
    print(" ".join("%s=%d" % kv for kv in sorted(c.items())), flush=True)


# --- flood ---------------------------------------------------------------------------------

def flood(hosts, port0, nports, count, sport0="20000", sports="20000", hold="-", keep="0"):
    """Source port sport0 + i % sports, bound explicitly, so no two datagrams share a 5-tuple
    (as long as count <= sports * nports * len(hosts)): each is a new flow."""
    hosts = hosts.split(",")
    port0, nports, count, sport0, sports = map(int, (port0, nports, count, sport0, sports))
    # Every socket stays open until the end, so privfwd can always find the sender.
    import resource
    want = count + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
        except (ValueError, OSError):
            pass
    # Fewer than SPORTS, or a source port would still be bound when its turn comes again.
    limit = min(max(256, resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 64), sports - 1)
    keep = min(int(keep), limit) if int(keep) > 0 else limit
    ring = []
    sent = errors = 0
    start = time.monotonic()
    for i in range(count):
        host = hosts[i % len(hosts)]
        dport = port0 + (i // sports) % nports
        try:
            s = socket.socket(family(host), socket.SOCK_DGRAM)
            ring.append(s)
            s.bind(("::" if ":" in host else "0.0.0.0", sport0 + i % sports))
            s.sendto(b"flood", (host, dport))
            sent += 1
        except OSError:
            errors += 1
        if len(ring) > keep:
            ring.pop(0).close()
    el = time.monotonic() - start
    print("sent=%d errors=%d seconds=%.2f rate=%d" % (sent, errors, el, sent / max(el, 1e-6)),
          flush=True)
    # Keep the sockets until told (or 30 s), so the last ones are still there when looked up.
    for _ in range(300):
        if hold == "-" or os.path.exists(hold):
            break
        time.sleep(0.1)


# --- garbage -------------------------------------------------------------------------------

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp_hdr(sport, dport, doff, flags=0x02, opts=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, (doff & 15) << 4, flags, 65535, 0,
                       0) + opts


def udp_hdr(sport, dport, length):
    return struct.pack("!HHHH", sport, dport, length & 0xFFFF, 0)


def ip4(tag, proto, l4, ihl=5, tot=None, frag=0, version=4, opts=b""):
    hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0, 0 if tot is None else tot,
                      GARBAGE_ID4 + tag, frag, 64, proto, 0, socket.inet_aton(G["src4"]),
                      socket.inet_aton(G["dst4"]))
    return hdr + opts + l4


def ip6(tag, nh, rest, plen=None, version=6):
    if plen is None:
        plen = len(rest)
    first = (version << 28) | (GARBAGE_FL6 + tag)
    return struct.pack("!IHBB16s16s", first, plen & 0xFFFF, nh, 64,
                       socket.inet_pton(socket.AF_INET6, G["src6"]),
                       socket.inet_pton(socket.AF_INET6, G["dst6"])) + rest


def dstopt(nh, extra8=0):
    """A destination-options header of (extra8+1)*8 bytes: PadN filling it."""
    size = (extra8 + 1) * 8
    return struct.pack("!BBBB", nh, extra8, 1, size - 4) + b"\0" * (size - 4)


G = {}
SP, DP = 40000, 7009
PAY = b"GARB"


def cases():
    """name -> (family, list of packets, nodefrag)."""
    rnd = random.Random(4242)
    c = {}
    # IPv4. The kernel rewrites tot_len and the header checksum when IHL >= 5.
    c["v4-tcp-doff0"] = (4, [ip4(1, 6, tcp_hdr(SP, DP, 0) + PAY)])
    c["v4-tcp-doff4"] = (4, [ip4(2, 6, tcp_hdr(SP, DP, 4) + PAY)])
    c["v4-tcp-doff15-short"] = (4, [ip4(3, 6, tcp_hdr(SP, DP, 15) + PAY)])
    c["v4-tcp-truncated"] = (4, [ip4(4, 6, tcp_hdr(SP, DP, 5)[:10])])
    c["v4-tcp-empty"] = (4, [ip4(5, 6, b"")])
    c["v4-tcp-badopt"] = (4, [ip4(6, 6, tcp_hdr(SP, DP, 6, opts=b"\x02\x09\x05\xb4"))])
    c["v4-tcp-optlen0"] = (4, [ip4(7, 6, tcp_hdr(SP, DP, 6, opts=b"\x08\x00\x00\x00"))])
    c["v4-udp-len-big"] = (4, [ip4(8, 17, udp_hdr(SP, DP, 200) + PAY)])
    c["v4-udp-len-small"] = (4, [ip4(9, 17, udp_hdr(SP, DP, 4) + PAY)])
    c["v4-udp-truncated"] = (4, [ip4(10, 17, udp_hdr(SP, DP, 12)[:5])])
    c["v4-udp-empty"] = (4, [ip4(11, 17, b"")])
    c["v4-ihl15-short"] = (4, [ip4(12, 17, udp_hdr(SP, DP, 12) + PAY, ihl=15)])
    c["v4-ihl3-totlen10"] = (4, [ip4(13, 17, udp_hdr(SP, DP, 12) + PAY, ihl=3, tot=10)])
    c["v4-ihl0"] = (4, [ip4(14, 6, tcp_hdr(SP, DP, 5) + PAY, ihl=0, tot=0)])
    c["v4-version5"] = (4, [ip4(15, 17, udp_hdr(SP, DP, 12) + PAY, version=5)])
    c["v4-frag-nonfirst"] = (4, [ip4(16, 17, PAY * 4, frag=100)], True)
    # Well formed but odd: parsed fine, decided by policy (counted in packets, not errors).
    c["v4-udp-zero-payload"] = (4, [ip4(17, 17, udp_hdr(SP, DP, 8))])
    c["v4-tcp-zero-payload"] = (4, [ip4(18, 6, tcp_hdr(SP, DP, 5))])
    c["v4-ihl15-options"] = (4, [ip4(19, 17, udp_hdr(SP, DP, 12) + PAY, ihl=15,
                                     opts=b"\x01" * 39 + b"\x00")])
    rand4 = []
    for i in range(40):
        proto = 6 if i % 2 else 17
        rand4.append(ip4(20, proto, bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(0, 80)))))
    c["v4-random"] = (4, rand4)
    # IPv6: payload length is sent as written.
    c["v6-tcp-doff0"] = (6, [ip6(31, 6, tcp_hdr(SP, DP, 0) + PAY)])
    c["v6-tcp-doff15-short"] = (6, [ip6(32, 6, tcp_hdr(SP, DP, 15) + PAY)])
    c["v6-tcp-truncated"] = (6, [ip6(33, 6, tcp_hdr(SP, DP, 5)[:10])])
    c["v6-tcp-empty"] = (6, [ip6(34, 6, b"")])
    c["v6-udp-len-big"] = (6, [ip6(35, 17, udp_hdr(SP, DP, 200) + PAY)])
    c["v6-udp-len-small"] = (6, [ip6(36, 17, udp_hdr(SP, DP, 4) + PAY)])
    c["v6-udp-empty"] = (6, [ip6(37, 17, b"")])
    c["v6-plen-big"] = (6, [ip6(38, 17, udp_hdr(SP, DP, 12) + PAY, plen=400)])
    c["v6-plen-short"] = (6, [ip6(39, 17, udp_hdr(SP, DP, 12) + PAY, plen=4)])
    # 12 destination-options headers, the last naming UDP: a long chain (more than 8).
    longc = udp_hdr(SP, DP, 12) + PAY
    nh = 17
    for _ in range(12):
        longc = dstopt(nh) + longc
        nh = 60
    c["v6-ext-long-chain"] = (6, [ip6(40, 60, longc)])
    # A chain of headers that always names another one and runs off the end of the packet.
    loop = b"".join(dstopt(60) for _ in range(6))
    c["v6-ext-unterminated"] = (6, [ip6(41, 60, loop)])
    c["v6-ext-overrun"] = (6, [ip6(42, 60, dstopt(17, extra8=30)[:16] + PAY)])
    c["v6-hbh-not-first"] = (6, [ip6(43, 60, dstopt(0) + dstopt(17) + udp_hdr(SP, DP, 12) + PAY)])
    c["v6-frag-nonfirst"] = (6, [ip6(44, 44, struct.pack("!BBHI", 17, 0, 100 << 3, 7) + PAY * 4)])
    c["v6-version4"] = (6, [ip6(45, 17, udp_hdr(SP, DP, 12) + PAY, version=4)])
    c["v6-udp-zero-payload"] = (6, [ip6(46, 17, udp_hdr(SP, DP, 8))])
    rand6 = []
    for i in range(40):
        nh = 6 if i % 2 else 17
        rand6.append(ip6(47, nh, bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(0, 80)))))
    c["v6-random"] = (6, rand6)
    return c


def status_counts(cmd):
    """(packets, parse_errors) from `privfwctl --json status`, or (-1, -1)."""
    import json
    import subprocess
    try:
        d = json.loads(subprocess.run(cmd, capture_output=True, timeout=10).stdout)
        return d["packets"], d["parse_errors"]
    except (OSError, ValueError, KeyError, subprocess.SubprocessError):
        return -1, -1


def garbage(src4, dst4, src6, dst6, names, status_cmd=None):
    G.update(src4=src4 if src4 != "-" else "192.0.2.1", dst4=dst4 if dst4 != "-" else "192.0.2.2",
             src6=src6 if src6 != "-" else "::1", dst6=dst6 if dst6 != "-" else "::1")
    all_cases = cases()
    if names == ["list"]:
        print("\n".join(all_cases))
        return
    if names[:1] == ["tag"]:
        for name in names[1:]:
            fam, pkts = all_cases[name][:2]
            if fam == 4:
                tags = {struct.unpack("!H", p[4:6])[0] - GARBAGE_ID4 for p in pkts}
            else:
                tags = {(struct.unpack("!I", p[:4])[0] & 0xFFFFF) - GARBAGE_FL6 for p in pkts}
            print(" ".join(str(t) for t in sorted(tags)))
        return
    if names == ["all"]:
        names = list(all_cases)
    s4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s4.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    s4f = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s4f.setsockopt(socket.IPPROTO_IP, IP_NODEFRAG, 1)  # else defrag holds a lone fragment
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    before = status_counts(status_cmd) if status_cmd else None
    for name in names:
        fam, pkts = all_cases[name][:2]
        nodefrag = len(all_cases[name]) > 2
        sent, errs = 0, set()
        for p in pkts:
            try:
                if fam == 4:
                    (s4f if nodefrag else s4).sendto(p, (G["dst4"], 0))
                else:
                    s6.sendto(p, (G["dst6"], 0))
                sent += 1
            except OSError as e:
                errs.add(errno.errorcode.get(e.errno, str(e.errno)))
        line = "%s sent=%d" % (name, sent)
        if errs:
            line += " error:" + ",".join(sorted(errs))
        if status_cmd:
            # privfwd may be busy for a moment: wait (up to 0.5 s) for the count to move, so a
            # slow verdict is not booked to the next case.
            for _ in range(10):
                time.sleep(0.05)
                after = status_counts(status_cmd)
                if after[0] < 0 or after[0] > before[0]:
                    break
            if after[0] < 0:
                line += " queued=? errors=? status=failed"
            else:
                line += " queued=%d errors=%d" % (after[0] - before[0], after[1] - before[1])
                before = after
        print(line, flush=True)


def main(argv):
    mode = argv[1]
    if mode == "capture":
        capture(argv[2], argv[3], argv[4])
    elif mode == "load":
        load(*argv[2:])
    elif mode == "flood":
        flood(*argv[2:])
    elif mode == "garbage":
        rest = argv[6:]
        cmd = None
        if "--" in rest:
            cmd = rest[rest.index("--") + 1:]
            rest = rest[:rest.index("--")]
        garbage(argv[2], argv[3], argv[4], argv[5], rest, cmd)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
