#!/usr/bin/env python3
"""Summarise a scripts/bench run: medians, ratios and the targets of issue 3, as text and JSON.

Usage: report.py --corpus corpus.json --meta meta.tsv --measurements measurements.tsv
                 --ingest-cache warm --json results.json

measurements.tsv has one row per timed run (phase, tool, round, cache state, wall, user and
system CPU seconds, peak RSS in KiB, stored bytes) and one row per dd run (seconds, bytes).
Nothing here decides the exit status of the bench: missed targets are FAIL lines only.
"""

import argparse
import csv
import json
import statistics

MIB = 1 << 20
MB = 1_000_000
RSS_LIMIT_BYTES = 256 * MIB  # "peak memory during ingest under 256 MB", read as MiB


def med(xs):
    return statistics.median(xs) if xs else None


def fnum(x, digits=2):
    return "-" if x is None else f"{x:.{digits}f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--meta", required=True)
    ap.add_argument("--measurements", required=True)
    ap.add_argument("--ingest-cache", required=True)
    ap.add_argument("--json", required=True)
    a = ap.parse_args()

    corpus = json.load(open(a.corpus, encoding="utf-8"))
    corpus.pop("list", None)
    meta = {}
    for line in open(a.meta, encoding="utf-8"):
        k, _, v = line.rstrip("\n").partition("\t")
        meta[k] = v
    rows = list(csv.DictReader(open(a.measurements, encoding="utf-8"), delimiter="\t"))

    # dd: MB/s per round, median.
    dd_runs = [{"round": int(r["round"]), "seconds": float(r["wall_s"]), "bytes": int(r["stored_bytes"]),
                "mb_per_s": int(r["stored_bytes"]) / float(r["wall_s"]) / MB}
               for r in rows if r["phase"] == "dd"]
    dd_speed = med([d["mb_per_s"] for d in dd_runs])

    def runs(phase, tool, cache):
        out = []
        for r in rows:
            if r["phase"] == phase and r["tool"] == tool and r["cache"] == cache:
                out.append({"round": int(r["round"]), "wall_s": float(r["wall_s"]),
                            "cpu_s": float(r["user_s"]) + float(r["sys_s"]),
                            "user_s": float(r["user_s"]), "sys_s": float(r["sys_s"]),
                            "peak_rss_bytes": int(r["maxrss_kib"]) * 1024,
                            "stored_bytes": int(r["stored_bytes"])})
        return out

    def summary(rs):
        if not rs:
            return None
        return {"wall_s": med([x["wall_s"] for x in rs]), "cpu_s": med([x["cpu_s"] for x in rs]),
                "peak_rss_bytes": round(med([x["peak_rss_bytes"] for x in rs])),
                "stored_bytes": round(med([x["stored_bytes"] for x in rs])),
                "wall_s_min": min(x["wall_s"] for x in rs), "wall_s_max": max(x["wall_s"] for x in rs),
                "rounds": rs}

    caches = sorted({r["cache"] for r in rows if r["phase"] == "verify"}, key=lambda c: c != "warm")
    res = {"ingest": {t: summary(runs("ingest", t, a.ingest_cache)) for t in ("khronika", "restic")},
           "verify": {c: {t: summary(runs("verify", t, c)) for t in ("khronika", "restic")} for c in caches}}

    def ratio(x, y):
        return None if x is None or y is None or y == 0 else x / y

    ki, ri = res["ingest"]["khronika"], res["ingest"]["restic"]
    unique = corpus["unique_bytes"]
    unique_speed = unique / ki["wall_s"] / MB if ki["wall_s"] else None
    ratios = {
        "ingest_wall": ratio(ki["wall_s"], ri["wall_s"]),
        "ingest_cpu": ratio(ki["cpu_s"], ri["cpu_s"]),
        "ingest_peak_rss": ratio(ki["peak_rss_bytes"], ri["peak_rss_bytes"]),
        "stored_bytes": ratio(ki["stored_bytes"], ri["stored_bytes"]),
        "unique_write_speed_vs_dd": ratio(unique_speed, dd_speed),
    }
    for c in caches:
        kv, rv = res["verify"][c]["khronika"], res["verify"][c]["restic"]
        ratios[f"verify_wall_{c}"] = ratio(kv["wall_s"], rv["wall_s"])
        ratios[f"verify_cpu_{c}"] = ratio(kv["cpu_s"], rv["cpu_s"])

    targets = [
        {"name": "ingest wall time at most 0.5 of restic backup's",
         "value": ratios["ingest_wall"], "limit": 0.5, "shown": f"{fnum(ratios['ingest_wall'])} x",
         "pass": ratios["ingest_wall"] is not None and ratios["ingest_wall"] <= 0.5},
        {"name": "unique bytes written at no less than 70 % of the disk's fdatasync speed",
         "value": ratios["unique_write_speed_vs_dd"], "limit": 0.7,
         "shown": f"{fnum(unique_speed, 1)} MB/s = {fnum(100 * (ratios['unique_write_speed_vs_dd'] or 0), 0)} % of {fnum(dd_speed, 1)} MB/s",
         "pass": ratios["unique_write_speed_vs_dd"] is not None and ratios["unique_write_speed_vs_dd"] >= 0.7},
        {"name": "stored bytes at most 1.1 times restic's",
         "value": ratios["stored_bytes"], "limit": 1.1, "shown": f"{fnum(ratios['stored_bytes'], 3)} x",
         "pass": ratios["stored_bytes"] is not None and ratios["stored_bytes"] <= 1.1},
    ]
    for c in caches:
        r = ratios[f"verify_wall_{c}"]
        targets.append({"name": f"verify --read-data wall time at most restic check --read-data's (page cache {c})",
                        "value": r, "limit": 1.0, "shown": f"{fnum(r)} x", "pass": r is not None and r <= 1.0})
    rss = ki["peak_rss_bytes"]
    targets.append({"name": "peak memory during ingest under 256 MiB", "value": rss, "limit": RSS_LIMIT_BYTES,
                    "shown": f"{fnum(rss / MIB, 1)} MiB", "pass": rss < RSS_LIMIT_BYTES})

    # --- text -----------------------------------------------------------------------------------
    L = []
    p = L.append
    p("")
    p(f"Khronika bench, {meta.get('date', '?')}")
    p(f"machine:    {meta.get('nproc')} CPUs ({meta.get('cpu_model')}), memory {int(meta['mem_total_bytes']) / 2**30:.1f} GiB,"
      f" {int(meta['mem_free_bytes']) / 2**30:.1f} GiB free ({int(meta['mem_available_bytes']) / 2**30:.1f} GiB available) at start;"
      f" {meta.get('kernel')}")
    p(f"disk:       {meta.get('filesystem')}; work folder {meta.get('work_dir')}")
    p(f"tools:      {meta.get('khronika_version')} (git {meta.get('khronika_commit')}); {meta.get('restic_version')}")
    p(f"secrets:    KHRONIKA_PASSPHRASE {meta.get('passphrase_note')}; RESTIC_PASSWORD {meta.get('restic_password_note')}")
    p(f"corpus:     {corpus['files']} files, {corpus['bytes'] / MIB:.1f} MiB ({corpus['bytes']} bytes), seed {corpus['seed']},"
      f" sha256 {corpus['sha256'][:16]}")
    for kind in ("video", "photo", "pdf", "text"):
        k = corpus["by_kind"].get(kind)
        if k:
            p(f"              {kind:6} {k['files']:4} files {k['bytes'] / MIB:8.1f} MiB"
              f"  (of which duplicates: {k['duplicate_files']} files, {k['duplicate_bytes'] / MIB:.1f} MiB)")
    p(f"            exact duplicates: {corpus['duplicate_files']} files, {corpus['duplicate_bytes'] / MIB:.1f} MiB ="
      f" {100 * corpus['duplicate_share']:.1f} % of bytes; unique {unique / MIB:.1f} MiB ({unique} bytes)")
    p(f"method:     {meta.get('rounds')} round(s), alternating khronika add (all files, one command) and restic backup, each"
      f" into a fresh vault/repository and followed by sync inside the timed region; medians shown")
    cold = "cold (sync; echo 3 > /proc/sys/vm/drop_caches before each run)" if "cold" in caches else \
        "cold not measured (could not drop caches)"
    p(f"page cache: ingest: corpus {a.ingest_cache} (read once before the rounds); verify: warm (right after ingest), {cold}")
    p("")
    w = 44
    p(f"{'':{w}}{'khronika':>12}{'restic':>12}{'khronika/restic':>17}")

    def row(label, k, r, digits=2, scale=1.0):
        kv = None if k is None else k / scale
        rv = None if r is None else r / scale
        p(f"{label:{w}}{fnum(kv, digits):>12}{fnum(rv, digits):>12}{fnum(ratio(k, r), 3):>17}")

    row("ingest wall time (s)", ki["wall_s"], ri["wall_s"])
    row("ingest CPU time, user+sys (s)", ki["cpu_s"], ri["cpu_s"])
    row("ingest peak memory (MiB)", ki["peak_rss_bytes"], ri["peak_rss_bytes"], 1, MIB)
    row("stored bytes (MiB)", ki["stored_bytes"], ri["stored_bytes"], 1, MIB)
    row("ingest throughput, corpus bytes (MB/s)", corpus["bytes"] / ki["wall_s"] / MB, corpus["bytes"] / ri["wall_s"] / MB, 1)
    for c in caches:
        kv, rv = res["verify"][c]["khronika"], res["verify"][c]["restic"]
        row(f"verify --read-data wall, {c} (s)", kv["wall_s"], rv["wall_s"])
        row(f"verify --read-data CPU, {c} (s)", kv["cpu_s"], rv["cpu_s"])
        row(f"verify --read-data peak memory, {c} (MiB)", kv["peak_rss_bytes"], rv["peak_rss_bytes"], 1, MIB)
    p("")
    p(f"stored bytes exactly:  khronika {ki['stored_bytes']}, restic {ri['stored_bytes']}"
      f" (unique corpus bytes {unique}; du -sb of the vault / repository folder)")
    p(f"disk write speed:      {fnum(dd_speed, 1)} MB/s (dd if=/dev/zero bs=1M count=1024 conv=fdatasync, median of"
      f" {', '.join(fnum(d['mb_per_s'], 1) for d in dd_runs)})")
    p(f"unique bytes written:  {fnum(unique_speed, 1)} MB/s (unique corpus bytes / khronika ingest wall time)")
    p(f"ingest wall per round: khronika {', '.join(fnum(x['wall_s']) for x in ki['rounds'])};"
      f" restic {', '.join(fnum(x['wall_s']) for x in ri['rounds'])}")
    for c in caches:
        kv, rv = res["verify"][c]["khronika"], res["verify"][c]["restic"]
        p(f"verify {c} per round:  khronika {', '.join(fnum(x['wall_s']) for x in kv['rounds'])};"
          f" restic {', '.join(fnum(x['wall_s']) for x in rv['rounds'])}")
    p("")
    p("targets (issue 3):")
    for t in targets:
        p(f"  {'PASS' if t['pass'] else 'FAIL'}  {t['name']}: {t['shown']}")
    p("")
    text = "\n".join(L)
    print(text)

    out = {"date": meta.get("date"), "machine": {k: meta.get(k) for k in
                                                 ("nproc", "cpu_model", "mem_total_bytes", "mem_free_bytes",
                                                  "mem_available_bytes", "kernel", "filesystem")},
           "tools": {"khronika": meta.get("khronika_version"), "khronika_commit": meta.get("khronika_commit"),
                     "restic": meta.get("restic_version")},
           "secrets": {"KHRONIKA_PASSPHRASE": meta.get("passphrase_note"), "RESTIC_PASSWORD": meta.get("restic_password_note")},
           "corpus": corpus, "rounds": int(meta.get("rounds", 0)),
           "page_cache": {"ingest": f"corpus {a.ingest_cache} (read once before the rounds); writes synced inside the timed region",
                          "verify": ["warm (right after ingest)"] + (["cold (caches dropped before each run)"] if "cold" in caches else []),
                          **({} if "cold" in caches else {"cold": "could not drop caches"})},
           "disk_write_speed_mb_per_s": dd_speed, "dd_runs": dd_runs,
           "unique_bytes_write_speed_mb_per_s": unique_speed,
           "ingest": res["ingest"], "verify": res["verify"], "ratios_khronika_over_restic": ratios,
           "targets": [{k: t[k] for k in ("name", "value", "limit", "pass")} for t in targets],
           "report": text}
    with open(a.json, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
    print(f"(also written as JSON to {a.json})")


if __name__ == "__main__":
    main()
