#!/usr/bin/env bash
# Seeds the fuzz corpora: the committed test archives and their layers, the
# hostile cases of issue 11 (long names, PAX records and sparse headers made
# small, whiteouts, nested indexes), and Docker Desktop settings files.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/archive corpus/layer_tar corpus/settings
cp ../tests/fixtures/archives/*.tar corpus/archive/ 2>/dev/null || true
python3 - <<'PY'
import io, os, sys, tarfile
sys.path.insert(0, "../bench")
import hostile_cases as h

def put(dirname, name, data):
    with open(os.path.join("corpus", dirname, name), "wb") as f:
        f.write(data)

# Layers with every kind of header the tar crate reads.
def layer(fmt, entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for info, data in entries:
            t.addfile(info, io.BytesIO(data) if data else None)
    return buf.getvalue()

def file(name, data=b"", **kw):
    i = tarfile.TarInfo(name)
    i.size = len(data)
    for k, v in kw.items():
        setattr(i, k, v)
    return i, data

long = "app/" + "d" * 300 + "/id_rsa"
key = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
put("layer_tar", "gnu-longname", layer(tarfile.GNU_FORMAT, [file(long, key)]))
put("layer_tar", "gnu-longlink", layer(tarfile.GNU_FORMAT, [file("l", linkname="x" * 300, type=tarfile.SYMTYPE)]))
put("layer_tar", "pax", layer(tarfile.PAX_FORMAT, [file(long, key, pax_headers={"comment": "é" * 50})]))
put("layer_tar", "whiteouts", layer(tarfile.GNU_FORMAT, [file("d/.wh.f"), file("e/.wh..wh..opq"), file(".wh.g")]))
put("layer_tar", "token", layer(tarfile.USTAR_FORMAT, [file("app/.env", b"GITHUB_TOKEN=ghp_R4nd0mT0k3nV4lu3sAr3H3r3Xy12345678ab\n")]))
put("layer_tar", "longlink-3g-head", h.header("././@LongLink", b"L", 3 << 30))
put("layer_tar", "pax-3g-head", h.header("pax", b"x", 3 << 30))
put("layer_tar", "sparse-head", h.header("s", b"S", 1 << 30))
import gzip
put("layer_tar", "gzip-token", gzip.compress(open("corpus/layer_tar/token", "rb").read()))

# Whole archives: nested OCI indexes, stray NULs in text.
h.nested_index("corpus/archive/oci-index-depth-3.tar", 3)
h.nested_index("corpus/archive/oci-index-depth-6.tar", 6)
text = b"# settings\n" * 800 + b"\0" + b"token=ghp_R4nd0mT0k3nV4lu3sAr3H3r3Xy12345678ab\n"
h.legacy("corpus/archive/nul-in-text.tar", [h.tar_bytes([("app/config.txt", text)])], "hostile/nul:1")

# Settings files.
for name, text in {
    "store": b'{"FilesharingDirectories": ["$HOME", "/Users", "/Volumes"], "ExposeDockerAPIOnTCP2375": true}',
    "legacy": b'{"filesharingDirectories": ["/Users"], "enhancedContainerIsolation": false}',
    "admin": b'{"configurationFileVersion": 2, "exposeDockerAPIOnTCP2375": {"locked": true, "value": false}}',
    "bom": b'\xef\xbb\xbf{"FilesharingDirectories": ["/Users"]}',
    "deep": b'{"a": ' + b"[" * 200,
    "mixed-list": b'{"FilesharingDirectories": ["/a", 1, null, {"x": [true]}, "/a", "/b"]}',
}.items():
    put("settings", name, text)
PY
