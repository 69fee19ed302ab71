#!/usr/bin/env python3
"""Helpers of bench/precision.sh.

  precision.py extract IMAGE.tar DIR        every layer of a `docker save`
      archive into DIR/NN/ (regular files only, deleted ones included)
  precision.py report RESULTS IMAGE…        the tables, from the raw outputs
"""
import collections
import json
import os
import re
import shutil
import statistics
import sys
import tarfile

SECRET_RULES = {"image.layer-secret", "image.layer-private-key", "image.layer-credential-file", "image.layer-secret-file"}
SEVERITIES = ["critical", "high", "medium", "low", "info"]
AT_LEAST_MEDIUM = {"critical", "high", "medium"}
CLEAN = ["debian", "python", "node", "jre-ssh", "ruby-go", "docs"]
FP_IMAGES = ["debian", "python", "node"]


def extract(archive, out):
    """Each layer of the archive into its own folder, in manifest order, so
    files a later layer deletes or overwrites are there too. Regular files
    only: no device nodes, links or whiteout markers."""
    files = size = 0
    with tarfile.open(archive) as outer:
        manifest = json.load(outer.extractfile("manifest.json"))
        for i, layer in enumerate(manifest[0]["Layers"]):
            dest = os.path.join(out, f"{i:02d}")
            os.makedirs(dest, exist_ok=True)
            with tarfile.open(fileobj=outer.extractfile(layer), mode="r|*") as inner:
                for m in inner:
                    if not m.isreg():
                        continue
                    parts = [p for p in m.name.split("/") if p not in ("", ".")]
                    if not parts or ".." in parts or parts[-1].startswith(".wh."):
                        continue
                    target = os.path.join(dest, *parts)
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    with open(target, "wb") as w:
                        shutil.copyfileobj(inner.extractfile(m), w)
                    files += 1
                    size += m.size
    print(f"extracted {files} files, {size / 1e6:.0f} MB, into {out}", file=sys.stderr)


# --- reading the results -----------------------------------------------------

def load_json(path):
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        return None
    try:
        return json.loads(text) if text.strip() else None
    except json.JSONDecodeError:
        return None


def timing(path):
    """(wall seconds, peak RSS MB, error or None) from /usr/bin/time -v."""
    try:
        t = open(path).read()
    except FileNotFoundError:
        return None
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", t)
    wall = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3)) if m else float("nan")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
    err = None
    try:
        e = open(path + ".stderr").read()
        if re.search(r"^exit \d+", e, re.M):
            lines = [l for l in e.splitlines() if l.strip() and not l.startswith("exit ")]
            err = (lines[-1] if lines else "failed")[:160]
    except FileNotFoundError:
        pass
    return wall, rss, err


def dockward_findings(doc):
    """Every finding object in Dockward's JSON, whatever nests it."""
    out = []

    def walk(x):
        if isinstance(x, dict):
            if "rule" in x and "severity" in x and ("path" in x or "location" in x):
                out.append(x)
                return
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(doc)
    return out


def dw_path(f):
    if f.get("path"):
        return f["path"]
    loc = f.get("location", "")
    m = re.match(r"layer:(?:sha256:)?[^:]*:(.*)", loc)
    return "/" + m.group(1).lstrip("/") if m else loc


def evidence_title(f):
    """The evidence without its redacted preview (`Title: abcd… (40 chars)`)."""
    ev = f.get("evidence", "")
    return re.sub(r":\s*\S{0,4}… \(\d+ chars\)$", "", ev) or f.get("title", "")


def path_pattern(path):
    """A path generalised to the package or folder that ships it."""
    for marker in ("/site-packages/", "/dist-packages/", "/node_modules/", "/usr/share/nodejs/",
                   "/usr/lib/nodejs/", "/usr/share/doc/", "/usr/lib/ruby/vendor_ruby/",
                   "/usr/share/perl5/", "/gems/"):
        i = path.find(marker)
        if i >= 0:
            rest = path[i + len(marker):].split("/")
            pkg = "/".join(rest[:2]) if rest[0].startswith("@") else rest[0]
            if len(rest) == 1:
                return path[: i + len(marker)] + "*"
            return path[: i + len(marker)] + pkg + "/**"
    m = re.match(r"(/usr/lib/go-[\d.]+/src/[^/]+(?:/[^/]+)?)/", path)
    if m:
        return m.group(1) + "/**"
    parts = path.strip("/").split("/")
    ext = os.path.splitext(parts[-1])[1]
    head = "/" + "/".join(parts[: min(3, len(parts) - 1)])
    return head + ("/**/*" + ext if len(parts) > 4 else "/*" + ext)


def same_path(a, b):
    return a.strip("/") == b.strip("/")


def read_image(results, name):
    r = {"name": name}
    insp = load_json(f"{results}/inspect-{name}.json")
    if insp:
        i = insp[0]
        r["size_mb"] = i["Size"] / 1e6
        r["layers"] = len(i.get("RootFS", {}).get("Layers", []))
        labels = (i.get("Config") or {}).get("Labels") or {}
        r["planted"] = labels.get("dockward.bench.planted")
        r["deleted"] = labels.get("dockward.bench.deleted")
    r["save"] = timing(f"{results}/save-{name}.time")

    # Dockward
    doc = load_json(f"{results}/dockward-{name}.json")
    r["dw_time"] = timing(f"{results}/dockward-{name}.time")
    if doc is not None:
        fs = dockward_findings(doc)
        sec = [f for f in fs if f["rule"] in SECRET_RULES]
        r["dw"] = {
            "all": fs,
            "secret": sec,
            "by_sev": collections.Counter(f["severity"] for f in fs),
            "sec_by_sev": collections.Counter(f["severity"] for f in sec),
            "by_rule": collections.Counter(f["rule"] for f in fs),
            "files": len({dw_path(f) for f in sec}),
            "sec_med": sum(f["severity"] in AT_LEAST_MEDIUM for f in sec),
        }

    # Trivy
    doc = load_json(f"{results}/trivy-{name}.json")
    r["tv_time"] = timing(f"{results}/trivy-{name}.time")
    if doc is not None:
        hits = []
        for res in doc.get("Results") or []:
            for s in res.get("Secrets") or []:
                hits.append((res.get("Target", ""), s))
        r["tv"] = {
            "hits": hits,
            "by_sev": collections.Counter(s.get("Severity", "?").lower() for _, s in hits),
            "files": len({t for t, _ in hits}),
            "by_rule": collections.Counter(s.get("RuleID", "?") for _, s in hits),
        }

    # gitleaks (one folder per layer: strip the folder and the layer number)
    doc = load_json(f"{results}/gitleaks-{name}.json")
    r["gl_time"] = timing(f"{results}/gitleaks-{name}.time")
    root = ""
    try:
        root = open(f"{results}/gitleaks-{name}.root").read().strip().rstrip("/") + "/"
    except FileNotFoundError:
        pass
    if doc is not None:
        hits = []
        for h in doc:
            p = h.get("File", "")
            if root and p.startswith(root):
                p = p[len(root):]
            p = "/" + p.split("/", 1)[1] if re.match(r"\d\d/", p) else p
            hits.append((p, h))
        r["gl"] = {
            "hits": hits,
            "files": len({p for p, _ in hits}),
            "by_rule": collections.Counter(h.get("RuleID", "?") for _, h in hits),
        }
    r["extract"] = timing(f"{results}/extract-{name}.time")

    # the planted token and the deleted password file: found by whom?
    for key in ("planted", "deleted"):
        target = r.get(key)
        if not target:
            continue
        found = {}
        if "dw" in r:
            m = [f for f in r["dw"]["all"] if same_path(dw_path(f), target)]
            found["dockward"] = ", ".join(sorted({f"{f['severity']} {f['rule']}" for f in m})) or "MISSED"
        if "tv" in r:
            m = [s for t, s in r["tv"]["hits"] if same_path(t, target)]
            found["trivy"] = ", ".join(sorted({f"{s.get('Severity','?').lower()} {s.get('RuleID')}" for s in m})) or "MISSED"
        if "gl" in r:
            m = [h for p, h in r["gl"]["hits"] if same_path(p, target)]
            found["gitleaks"] = ", ".join(sorted({h.get("RuleID", "?") for h in m})) or "MISSED"
        r[key + "_found"] = found
    return r


def fmt_time(t):
    if not t:
        return "—", "—"
    wall, rss, err = t
    return (f"{wall:.1f}s" + (" (failed)" if err else "")), f"{rss:.0f}MB"


def sev_cols(c):
    return " ".join(f"{c.get(s, 0):>5}" for s in SEVERITIES)


def report(results, names):
    for what in ("versions", "build-times.tsv"):
        try:
            text = open(f"{results}/{what}").read().strip()
        except FileNotFoundError:
            continue
        if what == "versions":
            print(text)
        else:
            print("image build times (s, last build of each): " + ", ".join(
                f"{l.split()[0]} {l.split()[2]}" for l in
                {l.split()[0]: l for l in text.splitlines() if l.strip()}.values()))
    rows = {}
    for name in names:
        if name == "big":
            continue
        r = rows[name] = read_image(results, name)
        print()
        print(f"== {name}: {r.get('size_mb', 0):.0f} MB, {r.get('layers', '?')} layers; "
              f"`docker save` {fmt_time(r['save'])[0]}")
        print(f"  {'tool':<10}{'total':>7} {'crit':>5} {'high':>5} {'med':>5} {'low':>5} {'info':>5}"
              f" {'secret':>7} {'≥med':>6} {'files':>6} {'wall':>11} {'peak RSS':>9}")
        if "dw" in r:
            d = r["dw"]
            w, m = fmt_time(r["dw_time"])
            print(f"  {'dockward':<10}{len(d['all']):>7} {sev_cols(d['by_sev'])} {len(d['secret']):>7}"
                  f" {d['sec_med']:>6} {d['files']:>6} {w:>11} {m:>9}")
        elif r.get("dw_time"):
            print(f"  dockward  failed: {r['dw_time'][2]}")
        if "tv" in r:
            t = r["tv"]
            w, m = fmt_time(r["tv_time"])
            med = sum(v for k, v in t["by_sev"].items() if k in AT_LEAST_MEDIUM)
            print(f"  {'trivy':<10}{len(t['hits']):>7} {sev_cols(t['by_sev'])} {len(t['hits']):>7}"
                  f" {med:>6} {t['files']:>6} {w:>11} {m:>9}")
        elif r.get("tv_time"):
            print(f"  trivy     failed: {r['tv_time'][2]}")
        if "gl" in r:
            g = r["gl"]
            w, m = fmt_time(r["gl_time"])
            print(f"  {'gitleaks':<10}{len(g['hits']):>7} {'(no severities)':>29} {len(g['hits']):>7}"
                  f" {'—':>6} {g['files']:>6} {w:>11} {m:>9}"
                  + (f"   (+ extracting the layers: {fmt_time(r['extract'])[0]})" if r.get("extract") else ""))
        elif r.get("gl_time"):
            print(f"  gitleaks  failed: {r['gl_time'][2]}")
        if "dw" in r and r["dw"]["by_rule"]:
            print("  dockward by rule: " + ", ".join(f"{k} {v}" for k, v in r["dw"]["by_rule"].most_common()))
        if "tv" in r and r["tv"]["by_rule"]:
            print("  trivy by rule: " + ", ".join(f"{k} {v}" for k, v in r["tv"]["by_rule"].most_common(8)))
        if "gl" in r and r["gl"]["by_rule"]:
            print("  gitleaks by rule: " + ", ".join(f"{k} {v}" for k, v in r["gl"]["by_rule"].most_common(8)))
        for key, what in (("planted", "planted token"), ("deleted", "deleted password file")):
            if r.get(key + "_found"):
                print(f"  {what} {r[key]}: " + "; ".join(f"{k}: {v}" for k, v in r[key + "_found"].items()))

    # one line per image
    print()
    print("summary (secret = rules image.layer-secret, -private-key, -credential-file, -secret-file for dockward)")
    print(f"  {'image':<16}{'MB':>6} {'dw secret':>10} {'dw ≥med':>8} {'dw files':>9} {'trivy':>6} {'gitleaks':>9}"
          f" {'gl files':>9} {'dw s':>7} {'trivy s':>8} {'gl s':>7} {'save s':>7} {'dw MB':>6} {'tv MB':>6} {'gl MB':>6}")
    for name, r in rows.items():
        def n(k, f):
            return str(f(r[k])) if k in r else "—"
        def t(k, i):
            x = r.get(k)
            return f"{x[i]:.1f}" if x and not x[2] else ("fail" if x else "—")
        def mb(k):
            x = r.get(k)
            return f"{x[1]:.0f}" if x else "—"
        print(f"  {name:<16}{r.get('size_mb', 0):>6.0f} {n('dw', lambda d: len(d['secret'])):>10}"
              f" {n('dw', lambda d: d['sec_med']):>8} {n('dw', lambda d: d['files']):>9}"
              f" {n('tv', lambda d: len(d['hits'])):>6} {n('gl', lambda d: len(d['hits'])):>9}"
              f" {n('gl', lambda d: d['files']):>9} {t('dw_time', 0):>7} {t('tv_time', 0):>8} {t('gl_time', 0):>7}"
              f" {t('save', 0):>7} {mb('dw_time'):>6} {mb('tv_time'):>6} {mb('gl_time'):>6}")
    clean = [r for n_, r in rows.items() if n_ in CLEAN]
    if clean:
        tot = lambda k, f: sum(f(r[k]) for r in clean if k in r)
        print(f"  {'clean images':<16}{'':>6} {tot('dw', lambda d: len(d['secret'])):>10}"
              f" {tot('dw', lambda d: d['sec_med']):>8} {tot('dw', lambda d: d['files']):>9}"
              f" {tot('tv', lambda d: len(d['hits'])):>6} {tot('gl', lambda d: len(d['hits'])):>9}"
              f" {tot('gl', lambda d: d['files']):>9}")

    # the false-positive classes
    for name in FP_IMAGES:
        r = rows.get(name)
        if not r or "dw" not in r or not r["dw"]["secret"]:
            continue
        sec = r["dw"]["secret"]
        print()
        print(f"dockward false-positive classes on {name} ({len(sec)} secret findings)")
        by_title = collections.Counter((f["rule"], evidence_title(f), f["severity"]) for f in sec)
        print(f"  {'count':>6}  {'severity':<9}{'rule':<29}evidence title")
        for (rule, title, sev), c in by_title.most_common(12):
            print(f"  {c:>6}  {sev:<9}{rule:<29}{title[:70]}")
        print(f"  {'count':>6}  {'rule':<29}{'evidence title':<38}path pattern (e.g.)")
        cls = collections.Counter()
        example = {}
        for f in sec:
            k = (f["rule"], evidence_title(f)[:36], path_pattern(dw_path(f)))
            cls[k] += 1
            example.setdefault(k, dw_path(f))
        for k, c in cls.most_common(15):
            rule, title, pat = k
            eg = example[k]
            eg = eg if len(eg) <= 60 else "…" + eg[-59:]
            print(f"  {c:>6}  {rule:<29}{title:<38}{pat}  ({eg})")

    if "big" in names:
        throughput(results)


def throughput(results):
    try:
        runs = int(open(f"{results}/big.runs").read())
    except FileNotFoundError:
        return
    insp = load_json(f"{results}/inspect-big.json")
    mb = insp[0]["Size"] / 1e6 if insp else float("nan")
    layers = len(insp[0]["RootFS"]["Layers"]) if insp else "?"
    saves = [timing(f"{results}/save-big.{i}.time") for i in range(1, runs + 1)]
    scans = [timing(f"{results}/dockward-big.{i}.time") for i in range(1, runs + 1)]
    saves = [s for s in saves if s]
    scans = [s for s in scans if s]
    if not saves or not scans:
        return
    fl, sc = statistics.median(s[0] for s in saves), statistics.median(s[0] for s in scans)
    doc = load_json(f"{results}/dockward-big.json")
    nf = len(dockward_findings(doc)) if doc is not None else "?"
    print()
    print(f"throughput: big, {mb:.0f} MB in {layers} layers, median of {runs} runs")
    print(f"  {'':30}{'wall':>8}{'MB/s':>7}{'peak RSS':>10}")
    print(f"  {'docker save > /dev/null':30}{fl:>7.2f}s{mb / fl:>7.0f}{max(s[1] for s in saves):>8.0f}MB")
    print(f"  {'dockward scan --no-db':30}{sc:>7.2f}s{mb / sc:>7.0f}{max(s[1] for s in scans):>8.0f}MB"
          f"   ({nf} findings)")
    print(f"  scan / save wall ratio: {sc / fl:.2f} (1.00: as fast as the engine hands the bytes over)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["extract"]:
        extract(sys.argv[2], sys.argv[3])
    elif sys.argv[1:2] == ["report"]:
        report(sys.argv[2], sys.argv[3:])
    else:
        sys.exit(__doc__)
