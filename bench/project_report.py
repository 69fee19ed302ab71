#!/usr/bin/env python3
"""Summarises bench/project.sh's runs: the wall-time ratio and what each
tool found (dockward by rule, hadolint by code)."""
import collections
import json
import re
import sys

work = sys.argv[1]


def secs(name):
    t = open(f"{work}/{name}.time").read()
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t)
    parts = [float(x) for x in m.group(1).split(":")]
    return sum(p * 60 ** i for i, p in enumerate(reversed(parts)))


d, h = secs("dockward"), secs("hadolint")
print(f"ratio dockward/hadolint wall: {d / h:.2f} (dockward {d:.2f} s over 10,000 files incl. 50 compose "
      f"files and the build contexts; hadolint {h:.2f} s over the 200 Dockerfiles)")
dw = json.load(open(f"{work}/dockward.out"))
by = collections.Counter(f["finding"]["rule"] for f in dw["findings"])
print(f"dockward: {len(dw['findings'])} findings, {len(dw['errors'])} file errors, "
      f"{len(dw['dockerfiles'])} Dockerfiles, {len(dw['compose_files'])} compose files")
for rule, n in sorted(by.items()):
    print(f"  {rule}: {n}")
hl = json.load(open(f"{work}/hadolint.out"))
hb = collections.Counter(x["code"] for x in hl)
print(f"hadolint: {len(hl)} findings")
for code, n in sorted(hb.items()):
    print(f"  {code}: {n}")
