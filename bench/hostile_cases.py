#!/usr/bin/env python3
"""Makes the hostile inputs of issue 11 for bench/hostile.sh.

    hostile_cases.py archives DIR   # docker-save archives, one per case
    hostile_cases.py settings DIR   # Docker Desktop settings files
    hostile_cases.py engine SOCKET MODE   # a fake engine: endless | stall

Every archive is a `docker save` layout (legacy `manifest.json`, or OCI)
with real diffIDs, so that what fails is the case, not the archive.
"""
import gzip
import hashlib
import io
import json
import os
import socketserver
import sys
import tarfile
import time


def tar_bytes(entries):
    """A tar of (name, bytes or None for an empty regular file)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data or b"")
            t.addfile(info, io.BytesIO(data or b""))
    return buf.getvalue()


def sha(b):
    return hashlib.sha256(b).hexdigest()


def legacy(path, layers, tag, gz=False):
    """A legacy docker-save archive of uncompressed layer tars."""
    diff_ids = ["sha256:" + sha(l) for l in layers]
    config = json.dumps({
        "architecture": "amd64", "os": "linux", "config": {},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created_by": f"step {i}"} for i in range(len(layers))],
    }).encode()
    names = [f"{sha(l)}/layer.tar" for l in layers]
    manifest = json.dumps([{"Config": sha(config) + ".json", "RepoTags": [tag],
                            "Layers": names}]).encode()
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as t:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        add("manifest.json", manifest)
        add(sha(config) + ".json", config)
        for name, l in zip(names, layers):
            add(name, gzip.compress(l, 1) if gz else l)


def header(name, typeflag, size):
    """One raw ustar/GNU header block declaring `size` bytes."""
    info = tarfile.TarInfo(name)
    info.size = size
    info.type = typeflag
    return info.tobuf(format=tarfile.GNU_FORMAT)


def oversized_meta(path, typeflag):
    """An archive whose first entry is a GNU long-name ('L') or PAX ('x')
    header declaring 3 GB: a sparse file of a few kB on disk."""
    block = header("././@LongLink" if typeflag == b"L" else "pax", typeflag, 3 << 30)
    with open(path, "wb") as f:
        f.write(block)
        f.truncate(len(block) + (3 << 30) + 1024)


def big_manifest(path, mb):
    with open(path, "wb") as f:
        f.write(header("manifest.json", tarfile.REGTYPE, mb << 20))
        chunk = b" " * (1 << 20)
        for _ in range(mb):
            f.write(chunk)
        f.write(b"\0" * 1024)


def nested_index(path, depth):
    """An OCI layout whose index.json points at an index, `depth` deep."""
    blobs = {}

    def blob(data):
        d = sha(data)
        blobs[d] = data
        return d

    layer = tar_bytes([("etc/hostname", b"x\n")])
    ld = blob(layer)
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + ld]}}).encode()
    cd = blob(config)
    manifest = json.dumps({"schemaVersion": 2,
                           "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": "sha256:" + cd, "size": len(config)},
                           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                                       "digest": "sha256:" + ld, "size": len(layer)}]}).encode()
    top = {"mediaType": "application/vnd.oci.image.manifest.v1+json",
           "digest": "sha256:" + blob(manifest), "size": len(manifest)}
    for _ in range(depth):
        idx = json.dumps({"schemaVersion": 2,
                          "mediaType": "application/vnd.oci.image.index.v1+json",
                          "manifests": [top]}).encode()
        top = {"mediaType": "application/vnd.oci.image.index.v1+json",
               "digest": "sha256:" + blob(idx), "size": len(idx)}
    index = json.dumps({"schemaVersion": 2, "manifests": [top]}).encode()
    entries = [("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", index)]
    entries += [(f"blobs/sha256/{d}", b) for d, b in blobs.items()]
    with open(path, "wb") as f:
        f.write(tar_bytes(entries))


def archives(out):
    for n in (50_000, 100_000, 200_000, 400_000):
        files = [(f"d/f{i}", None) for i in range(n)]
        outs = [(f"d/.wh.f{i}", None) for i in range(n)]
        legacy(os.path.join(out, f"whiteouts-{n // 1000}k.tar"),
               [tar_bytes(files), tar_bytes(outs)], f"hostile/whiteouts:{n}", gz=True)
    # Whole folders removed: a whiteout of each folder, then opaque folders.
    for n in (50_000, 200_000):
        files = [(f"d{i}/f", None) for i in range(n)]
        legacy(os.path.join(out, f"dir-whiteouts-{n // 1000}k.tar"),
               [tar_bytes(files), tar_bytes([(f".wh.d{i}", None) for i in range(n)])],
               f"hostile/dir-whiteouts:{n}", gz=True)
        legacy(os.path.join(out, f"opaque-{n // 1000}k.tar"),
               [tar_bytes(files), tar_bytes([(f"d{i}/.wh..wh..opq", None) for i in range(n)])],
               f"hostile/opaque:{n}", gz=True)
    oversized_meta(os.path.join(out, "longlink-3g.tar"), b"L")
    oversized_meta(os.path.join(out, "pax-3g.tar"), b"x")
    big_manifest(os.path.join(out, "manifest-200m.tar"), 200)
    nested_index(os.path.join(out, "oci-index-depth-3.tar"), 3)
    nested_index(os.path.join(out, "oci-index-depth-12.tar"), 12)
    # A text file with stray NULs after its first 8 kB block: still text.
    text = b"# settings\n" * 1000 + b"\0\0" + b"token=ghp_R4nd0mT0k3nV4lu3sAr3H3r3Xy12345678ab\n"
    legacy(os.path.join(out, "nul-in-text.tar"), [tar_bytes([("app/config.txt", text)])],
           "hostile/nul:1")


def settings(out):
    with open(os.path.join(out, "array-200m.json"), "w") as f:
        f.write("[")
        f.write("1," * (100 << 20))
        f.write("1]")
    with open(os.path.join(out, "array-15m.json"), "w") as f:
        f.write('{"FilesharingDirectories": [')
        f.write('"/a",' * (3 << 20))
        f.write('"/Users"]}')
    with open(os.path.join(out, "deep-100k.json"), "w") as f:
        f.write("[" * 100_000)
    with open(os.path.join(out, "bom.json"), "wb") as f:
        f.write(b'\xef\xbb\xbf{"FilesharingDirectories": ["/Users"]}')


class Engine(socketserver.StreamRequestHandler):
    mode = "endless"

    def reply(self, body, status="200 OK", ctype="application/json"):
        self.wfile.write(f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nApi-Version: 1.43\r\n"
                         f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)

    def handle(self):
        line = self.rfile.readline().decode(errors="replace")
        while self.rfile.readline() not in (b"\r\n", b""):
            pass
        path = (line.split() + ["/", "/"])[1].split("?")[0]
        if path.endswith("/version"):
            self.reply(b'{"Version":"24.0.0","ApiVersion":"1.43","MinAPIVersion":"1.12",'
                       b'"Os":"linux","Arch":"amd64","KernelVersion":"6.1"}')
        elif self.mode == "endless" and path.endswith("/json"):
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Transfer-Encoding: chunked\r\n\r\n1\r\n[\r\n")
            item = b'{"Id":"sha256:' + b"0" * 64 + b'","RepoTags":["x:1"]},'
            chunk = item * 700
            frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
            try:
                while True:
                    self.wfile.write(frame)
            except OSError:
                return
        elif path.endswith("/images/stall:1/json"):
            self.reply(b'{"Id":"sha256:' + b"1" * 64 + b'","RepoTags":["stall:1"],"Config":{}}')
        elif path.endswith("/history"):
            self.reply(b"[]")
        elif path.endswith("/get"):
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\n"
                             b"Transfer-Encoding: chunked\r\n\r\n200\r\n"
                             + header("aaaa/layer.tar", tarfile.REGTYPE, 1 << 20) + b"\r\n")
            self.wfile.flush()
            time.sleep(3600)
        else:
            self.reply(b'{"message":"not found"}', "404 Not Found")


def engine(socket_path, mode):
    Engine.mode = mode

    class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
        daemon_threads = True

    with Server(socket_path, Engine) as s:
        s.serve_forever()


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "archives":
        archives(sys.argv[2])
    elif what == "settings":
        settings(sys.argv[2])
    elif what == "engine":
        engine(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
