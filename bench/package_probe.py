#!/usr/bin/env python3
"""Launch measurements of the installed app through tauri-driver (WebDriver).

Prints, as `key value` lines: the seconds from asking for a session (which
starts the app) to the first table row on screen (the Overview's riskiest
list), then the app's and its WebKit processes' CPU seconds over an idle
window after the start-up check, and their resident memory.

    package_probe.py APP_BINARY IDLE_SECONDS
"""
import json
import os
import subprocess
import sys
import time
import urllib.request

DRIVER = "http://127.0.0.1:4444"


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(DRIVER + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)


def family(root):
    """The app and every process below it (WebKit's web and network processes)."""
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    kids = {}
    for line in out.split("\n"):
        if line.strip():
            pid, ppid = map(int, line.split())
            kids.setdefault(ppid, []).append(pid)
    seen, todo = [], [root]
    while todo:
        p = todo.pop()
        seen.append(p)
        todo.extend(kids.get(p, []))
    return seen


def cpu_seconds(pids):
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in pids:
        try:
            fields = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / tick


def rss_mb(pids):
    total = 0
    for p in pids:
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def main():
    app, idle = sys.argv[1], float(sys.argv[2])
    caps = {"capabilities": {"alwaysMatch": {"tauri:options": {"application": app}}}}
    t0 = time.monotonic()
    session = call("POST", "/session", caps)["value"]["sessionId"]
    try:
        while True:
            found = call("POST", f"/session/{session}/elements",
                         {"using": "css selector", "value": "[data-testid=riskiest] li"})["value"]
            if found:
                break
            if time.monotonic() - t0 > 60:
                raise SystemExit("no table within 60 s")
            time.sleep(0.02)
        print(f"first_table_s {time.monotonic() - t0:.3f}")
        pid = int(subprocess.run(["pgrep", "-n", "-f", app], capture_output=True, text=True).stdout.split()[0])
        time.sleep(10)  # the start-up stale check and inventory settle
        pids = family(pid)
        before = cpu_seconds(pids)
        time.sleep(idle)
        after = cpu_seconds(family(pid))
        print(f"idle_cpu_s {after - before:.3f} over {idle:.0f} s ({100 * (after - before) / idle:.2f}% of one core)")
        print(f"rss_mb {rss_mb(family(pid)):.0f} (app and WebKit processes)")
    finally:
        call("DELETE", f"/session/{session}")


if __name__ == "__main__":
    main()
