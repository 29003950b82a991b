#!/usr/bin/env python3
"""Test peer for privfw's end-to-end tests.

  peer.py serve LOG ADDR...           TCP and UDP echo servers on each ADDR (host:port or [v6]:port);
                                      every payload received is appended to LOG
  peer.py tcp HOST PORT MSG [SPORT]   connect (from SPORT, closing with a reset), send MSG, read
  peer.py udp HOST PORT MSG           send one datagram, wait for the reply
  peer.py send tcp|udp HOST PORT FILE [SPLIT]
                                      send FILE's bytes (over TCP in two writes split at byte
                                      SPLIT, 0.3 s apart), wait for an echo
  peer.py hold HOST PORT MSG FILE     one TCP connection: exchange MSG, wait until FILE exists,
                                      exchange MSG again; prints both outcomes
  peer.py ctl SOCKET garbage|oversized|call METHOD [JSON]

Clients print one word: ok, refused (a reset or ICMP unreachable), timeout or error:<why>,
and exit 0 in every case so the caller decides.
"""
import json
import os
import select
import socket
import struct
import sys
import threading
import time


def split_addr(a):
    host, port = a.rsplit(":", 1)
    return host.strip("[]"), int(port)


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def serve(log, addrs):
    lock = threading.Lock()

    def record(data):
        with lock, open(log, "ab") as f:
            f.write(data + b"\n")

    def tcp_conn(c):
        with c:
            c.settimeout(15)
            while True:
                try:
                    data = c.recv(65536)
                    if not data:
                        return
                    record(data)
                    c.sendall(b"echo:" + data)
                except OSError:
                    return

    def tcp_loop(s):
        while True:
            c, _ = s.accept()
            threading.Thread(target=tcp_conn, args=(c,), daemon=True).start()

    def udp_loop(s):
        while True:
            data, peer = s.recvfrom(65536)
            record(data)
            s.sendto(b"echo:" + data, peer)

    for a in addrs:
        host, port = split_addr(a)
        t = socket.socket(family(host), socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((host, port))
        t.listen(64)
        u = socket.socket(family(host), socket.SOCK_DGRAM)
        u.bind((host, port))
        threading.Thread(target=tcp_loop, args=(t,), daemon=True).start()
        threading.Thread(target=udp_loop, args=(u,), daemon=True).start()
    print("ready", flush=True)
    threading.Event().wait()


def outcome(e):
    if isinstance(e, (ConnectionRefusedError, ConnectionResetError)):
        return "refused"
    if isinstance(e, socket.timeout):
        return "timeout"
    return "error:" + type(e).__name__


def tcp(host, port, msg, sport=None):
    s = socket.socket(family(host), socket.SOCK_STREAM)
    s.settimeout(3)
    try:
        if sport:
            # a fixed source port, and a reset on close so no TIME_WAIT holds the 5-tuple
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.bind(("", sport))
        s.connect((host, port))
        s.sendall(msg.encode())
        reply = s.recv(65536)
        return "ok" if reply == b"echo:" + msg.encode() else "error:reply"
    except OSError as e:
        return outcome(e)
    finally:
        s.close()


def hold(host, port, msg, path):
    s = socket.socket(family(host), socket.SOCK_STREAM)
    s.settimeout(3)
    out = []
    try:
        s.connect((host, port))
        for i in range(2):
            if i:
                for _ in range(100):
                    if os.path.exists(path):
                        break
                    time.sleep(0.1)
            try:
                s.sendall(("%s-%d" % (msg, i)).encode())
                reply = s.recv(65536)
                out.append("ok" if reply == ("echo:%s-%d" % (msg, i)).encode() else "error:reply")
            except OSError as e:
                out.append(outcome(e))
    except OSError as e:
        out.append(outcome(e))
    finally:
        s.close()
    return " ".join(out)


def udp(host, port, msg):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.settimeout(2)
    try:
        # connected, so an ICMP port unreachable surfaces as ECONNREFUSED
        s.connect((host, port))
        s.send(msg.encode())
        reply = s.recv(65536)
        return "ok" if reply == b"echo:" + msg.encode() else "error:reply"
    except OSError as e:
        return outcome(e)
    finally:
        s.close()


def send(proto, host, port, path, split=None):
    data = open(path, "rb").read()
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(family(host), kind)
    s.settimeout(3)
    try:
        s.connect((host, port))
        if kind == socket.SOCK_DGRAM:
            s.send(data)
        else:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            parts = [data] if split is None else [data[:split], data[split:]]
            for i, part in enumerate(parts):
                if i:
                    time.sleep(0.3)
                s.sendall(part)
        reply = s.recv(65536)
        if kind == socket.SOCK_STREAM:
            # the echo of a first part may come before the reset of the second
            s.settimeout(1)
            try:
                while len(reply) < len(data) + 5 * (1 + (split is not None)):
                    more = s.recv(65536)
                    if not more:
                        break
                    reply += more
            except socket.timeout:
                pass
        return "ok" if reply.startswith(b"echo:") else "refused" if not reply else "error:reply"
    except OSError as e:
        return outcome(e)
    finally:
        s.close()


def ctl(path, what, *args):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    if what == "garbage":
        s.sendall(b"this is not json\0")
    elif what == "oversized":
        try:
            s.sendall(b"{" + b" " * (70 * 1024))
        except OSError:
            pass
    else:
        params = json.loads(args[1]) if len(args) > 1 else {}
        s.sendall(json.dumps({"method": args[0], "parameters": params}).encode() + b"\0")
    buf = b""
    while not buf.endswith(b"\0"):
        r, _, _ = select.select([s], [], [], 5)
        if not r:
            return "timeout"
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        buf += chunk
    return buf.rstrip(b"\0").decode() or "closed"


def main(argv):
    if argv[1] == "serve":
        serve(argv[2], argv[3:])
    elif argv[1] == "tcp":
        print(tcp(argv[2], int(argv[3]), argv[4], int(argv[5]) if len(argv) > 5 else None))
    elif argv[1] == "hold":
        print(hold(argv[2], int(argv[3]), argv[4], argv[5]), flush=True)
    elif argv[1] == "udp":
        print(udp(argv[2], int(argv[3]), argv[4]))
    elif argv[1] == "send":
        print(send(argv[2], argv[3], int(argv[4]), argv[5], int(argv[6]) if len(argv) > 6 else None))
    elif argv[1] == "ctl":
        print(ctl(argv[2], argv[3], *argv[4:]))
    else:
        sys.exit("unknown mode")


if __name__ == "__main__":
    main(sys.argv)
