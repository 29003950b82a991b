#!/usr/bin/python3
"""Scores privfwd's detectors against the corpus written by gen.py.

  eval.py --privfwd BUILD/privfwd CORPUSDIR [--check] [--json] [--missed N]

Runs `privfwd --replay PCAP --config CORPUSDIR/privfw.conf --json` for every capture, matches
the findings (one JSON object per line) to the labelled flows by protocol and 5-tuple, and
prints recall and precision per type, recall per encoding and carrier, flow-level
precision/recall/F1, false positives on the negatives and the first missed items.

--check exits 1 unless known-value recall >= 0.99, flow F1 >= 0.98 and no negative flow has a
finding. Exit 2 when privfwd cannot be run or fails.
"""
import argparse
import ipaddress
import json
import os
import subprocess
import sys
import time
from collections import defaultdict

KNOWN_RECALL_MIN = 0.99
FLOW_F1_MIN = 0.98


def norm_ip(a):
    try:
        return ipaddress.ip_address(str(a).split("%")[0]).compressed
    except ValueError:
        return str(a)


def flow_key(pcap, d):
    proto = {"6": "tcp", "17": "udp"}.get(str(d.get("proto", "")), str(d.get("proto", "")).lower())
    return (pcap, proto, norm_ip(d.get("src")), int(d.get("sport") or 0),
            norm_ip(d.get("dst")), int(d.get("dport") or 0))


def ratio(a, b):
    return a / b if b else None


def fmt(x):
    return "  -  " if x is None else "%.3f" % x


def load_labels(corpus):
    flows = []
    with open(os.path.join(corpus, "labels.jsonl")) as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                d = json.loads(line)
                d["_line"] = n
                flows.append(d)
    return flows


def replay(privfwd, pcap, conf):
    """Findings of one capture, and privfwd's stderr. Exits 2 when privfwd fails."""
    cmd = [privfwd, "--replay", pcap, "--config", conf, "--json"]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=3600)
    except (OSError, subprocess.TimeoutExpired) as e:
        sys.stderr.write("eval: cannot run %s: %s\n" % (" ".join(cmd), e))
        sys.exit(2)
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode(errors="replace")[-2000:])
        sys.stderr.write("eval: %s exited %d\n" % (" ".join(cmd), p.returncode))
        sys.exit(2)
    out, bad = [], 0
    for line in p.stdout.decode(errors="replace").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            d = json.loads(line)
        except ValueError:
            bad += 1
            continue
        if isinstance(d, dict) and "type" in d:
            out.append(d)
        else:
            bad += 1
    return out, bad, time.monotonic() - t0, p.stderr.decode(errors="replace")


def score(flows, findings_by_pcap):
    index = {}
    for i, fl in enumerate(flows):
        index[flow_key(fl["pcap"], fl)] = i
    found = defaultdict(lambda: defaultdict(list))  # flow -> type -> [finding]
    stray = defaultdict(set)  # findings on no labelled flow: type -> {key}
    reverse = 0
    for pcap, fs in findings_by_pcap.items():
        for f in fs:
            k = flow_key(pcap, f)
            i = index.get(k)
            if i is None:
                rk = (k[0], k[1], k[4], k[5], k[2], k[3])
                if rk in index:
                    reverse += 1  # server to client: the detectors should never look there
                stray[f["type"]].add(k)
                continue
            found[i][f["type"]].append(f)

    m = {"flows": len(flows), "items": 0}
    per_type = defaultdict(lambda: [0, 0])      # type -> [items, detected]
    per_enc = defaultdict(lambda: [0, 0, 0])    # encoding -> [known items, detected, enc equal]
    per_carrier = defaultdict(lambda: [0, 0])
    per_pcap = defaultdict(lambda: [0, 0])
    per_family = defaultdict(lambda: [0, 0])
    cell = defaultdict(lambda: [0, 0])          # (carrier, encoding) of known items
    known = [0, 0]
    missed = []
    for i, fl in enumerate(flows):
        for it in fl["labels"]:
            m["items"] += 1
            hit = it["type"] in found[i]
            for table, key in ((per_type, it["type"]), (per_carrier, fl["carrier"]), (per_pcap, fl["pcap"]),
                               (per_family, "ipv6" if ":" in fl["src"] else "ipv4")):
                table[key][0] += 1
                table[key][1] += hit
            if it.get("known"):
                known[0] += 1
                known[1] += hit
                e = per_enc[it["encoding"]]
                e[0] += 1
                e[1] += hit
                if hit and any(f.get("encoding") == it["encoding"] for f in found[i][it["type"]]):
                    e[2] += 1
                c = cell[(fl["carrier"], it["encoding"])]
                c[0] += 1
                c[1] += hit
            if not hit:
                others = sorted(found[i])
                missed.append({"line": fl["_line"], "type": it["type"], "encoding": it["encoding"],
                               "known": bool(it.get("known")), "carrier": fl["carrier"], "pcap": fl["pcap"],
                               "flow": "%s %s:%s > %s:%s" % (fl["proto"], fl["src"], fl["sport"], fl["dst"], fl["dport"]),
                               "note": fl.get("note", ""), "other_findings": others})

    # Precision per type: findings deduplicated per flow and type.
    tp, allf = defaultdict(int), defaultdict(int)
    for i, types in found.items():
        labelled = {it["type"] for it in flows[i]["labels"]}
        for t in types:
            allf[t] += 1
            tp[t] += t in labelled
    for t, keys in stray.items():
        allf[t] += len(keys)

    types = sorted(set(per_type) | set(allf))
    m["per_type"] = {t: {"items": per_type[t][0], "detected": per_type[t][1],
                         "recall": ratio(per_type[t][1], per_type[t][0]),
                         "findings": allf[t], "precision": ratio(tp[t], allf[t])} for t in types}
    m["per_encoding"] = {e: {"items": v[0], "detected": v[1], "recall": ratio(v[1], v[0]),
                             "encoding_match": ratio(v[2], v[1])} for e, v in sorted(per_enc.items())}
    m["per_carrier"] = {c: {"items": v[0], "detected": v[1], "recall": ratio(v[1], v[0])}
                        for c, v in sorted(per_carrier.items())}
    m["per_pcap"] = {c: {"items": v[0], "detected": v[1], "recall": ratio(v[1], v[0])}
                     for c, v in sorted(per_pcap.items())}
    m["per_family"] = {c: {"items": v[0], "detected": v[1], "recall": ratio(v[1], v[0])}
                       for c, v in sorted(per_family.items())}
    m["weak_cells"] = [{"carrier": c, "encoding": e, "items": v[0], "recall": ratio(v[1], v[0])}
                       for (c, e), v in sorted(cell.items()) if v[1] < v[0]]
    m["known_recall"] = ratio(known[1], known[0])
    m["known_items"] = known[0]
    m["item_recall"] = ratio(sum(v[1] for v in per_type.values()), m["items"])

    pos = [i for i, fl in enumerate(flows) if fl["labels"]]
    pred = [i for i in range(len(flows)) if found[i]]
    tpf = sum(1 for i in pred if flows[i]["labels"])
    p, r = ratio(tpf, len(pred)), ratio(tpf, len(pos))
    m["flow"] = {"positive": len(pos), "predicted": len(pred), "true_positive": tpf, "precision": p,
                 "recall": r, "f1": (2 * p * r / (p + r)) if p and r else 0.0}
    fp = []
    for i, fl in enumerate(flows):
        if not fl["labels"] and found[i]:
            fp.append({"line": fl["_line"], "carrier": fl["carrier"], "pcap": fl["pcap"], "note": fl.get("note", ""),
                       "flow": "%s %s:%s > %s:%s" % (fl["proto"], fl["src"], fl["sport"], fl["dst"], fl["dport"]),
                       "findings": [{"type": t, "encoding": fs[0].get("encoding"), "mask": fs[0].get("mask")}
                                    for t, fs in sorted(found[i].items())]})
    m["negatives"] = sum(1 for fl in flows if not fl["labels"])
    m["false_positive_flows"] = len(fp)
    m["false_positives"] = fp
    m["stray_findings"] = sum(len(v) for v in stray.values())
    m["reverse_direction_findings"] = reverse
    m["missed"] = missed
    return m


def print_report(m, nmissed, runs):
    w = sys.stdout.write
    for pcap, (nf, bad, secs) in sorted(runs.items()):
        w("replay %-18s %6d findings %s in %.1f s\n" % (pcap, nf, "(%d unparsable lines) " % bad if bad else "", secs))
    w("\n%d flows, %d items (%d known), %d negative flows\n\n" % (m["flows"], m["items"], m["known_items"],
                                                                   m["negatives"]))
    w("%-12s %6s %6s %7s   %8s %9s\n" % ("type", "items", "found", "recall", "findings", "precision"))
    for t, v in m["per_type"].items():
        w("%-12s %6d %6d %7s   %8d %9s\n" % (t, v["items"], v["detected"], fmt(v["recall"]), v["findings"],
                                               fmt(v["precision"])))
    w("\n%-14s %6s %6s %7s %9s   (known values; enc = reported encoding equals the label)\n" %
      ("encoding", "items", "found", "recall", "enc"))
    for e, v in m["per_encoding"].items():
        w("%-14s %6d %6d %7s %9s\n" % (e, v["items"], v["detected"], fmt(v["recall"]), fmt(v["encoding_match"])))
    for title, key in (("carrier", "per_carrier"), ("capture", "per_pcap"), ("family", "per_family")):
        w("\n%-18s %6s %6s %7s\n" % (title, "items", "found", "recall"))
        for c, v in m[key].items():
            w("%-18s %6d %6d %7s\n" % (c, v["items"], v["detected"], fmt(v["recall"])))
    if m["weak_cells"]:
        w("\nknown-value cells below 1.0 (carrier x encoding), worst first:\n")
        for c in sorted(m["weak_cells"], key=lambda c: c["recall"])[:30]:
            w("  %-10s %-14s %4d items  recall %s\n" % (c["carrier"], c["encoding"], c["items"], fmt(c["recall"])))
    f = m["flow"]
    w("\nflows: %d positive, %d predicted, %d true positive: precision %s recall %s F1 %s\n" %
      (f["positive"], f["predicted"], f["true_positive"], fmt(f["precision"]), fmt(f["recall"]), fmt(f["f1"])))
    w("item recall %s, known-value recall %s\n" % (fmt(m["item_recall"]), fmt(m["known_recall"])))
    if m["stray_findings"]:
        w("findings on no labelled flow: %d (%d on a labelled flow's reverse direction)\n" %
          (m["stray_findings"], m["reverse_direction_findings"]))
    w("\nfalse-positive flows among %d negatives: %d\n" % (m["negatives"], m["false_positive_flows"]))
    for x in m["false_positives"][:10]:
        w("  labels.jsonl:%d %s %s (%s)\n      %s\n" % (
            x["line"], x["pcap"], x["flow"], x["note"],
            "; ".join("%s/%s %s" % (y["type"], y["encoding"], y["mask"]) for y in x["findings"])))
    w("\nmissed items: %d\n" % len(m["missed"]))
    for x in m["missed"][:nmissed]:
        w("  labels.jsonl:%d %s %s %s via %s: %s%s\n" % (
            x["line"], x["type"], x["encoding"], "known" if x["known"] else "generic", x["carrier"], x["note"],
            " (found instead: %s)" % ",".join(x["other_findings"]) if x["other_findings"] else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--privfwd", required=True, help="privfwd binary (or a stand-in)")
    ap.add_argument("corpus")
    ap.add_argument("--check", action="store_true", help="exit 1 below the release thresholds")
    ap.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    ap.add_argument("--missed", type=int, default=20, help="missed items to list (default 20)")
    a = ap.parse_args()
    corpus = os.path.abspath(a.corpus)
    conf = os.path.join(corpus, "privfw.conf")
    flows = load_labels(corpus)
    findings, runs = {}, {}
    for pcap in sorted({fl["pcap"] for fl in flows}):
        fs, bad, secs, _ = replay(a.privfwd, os.path.join(corpus, pcap), conf)
        findings[pcap] = fs
        runs[pcap] = (len(fs), bad, secs)
    m = score(flows, findings)
    m["replay"] = {p: {"findings": n, "unparsable": b, "seconds": round(s, 3)} for p, (n, b, s) in runs.items()}
    failed = []
    if m["known_recall"] is None or m["known_recall"] < KNOWN_RECALL_MIN:
        failed.append("known-value recall %s < %.2f" % (fmt(m["known_recall"]), KNOWN_RECALL_MIN))
    if m["flow"]["f1"] < FLOW_F1_MIN:
        failed.append("flow F1 %s < %.2f" % (fmt(m["flow"]["f1"]), FLOW_F1_MIN))
    if m["false_positive_flows"]:
        failed.append("%d false-positive flows on negatives" % m["false_positive_flows"])
    m["check"] = {"passed": not failed, "failed": failed}
    if a.json:
        sys.stdout.write(json.dumps(m, sort_keys=True) + "\n")
    else:
        print_report(m, a.missed, runs)
        if a.check:
            sys.stdout.write("\ncheck: %s\n" % ("PASS" if not failed else "FAIL: " + "; ".join(failed)))
    return 1 if a.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
