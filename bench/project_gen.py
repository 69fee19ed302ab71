#!/usr/bin/env python3
"""Generates a monorepo-sized project for bench/project.sh: DIR gets
services/svc-NNN/ with a Dockerfile each (200), compose files (50, four
services each), and source, docs and config files up to 10,000 files.
A quarter of the Dockerfiles and compose services carry the danger cards
(root, a secret ARG used by RUN, curl | sh, sudo, privileged, the socket),
the rest are hardened; those are multi-stage with continuations and a
heredoc.

    project_gen.py DIR
"""
import os
import random
import sys

random.seed(7)
root = sys.argv[1]
files = 0


def write(rel, text):
    global files
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    files += 1


HARDENED = "\n".join([
    "FROM node:20.18-bookworm-slim AS build",
    "WORKDIR /app",
    "COPY package.json package-lock.json ./",
    "RUN --mount=type=secret,id=npm_token \\",
    "    NPM_TOKEN=$(cat /run/secrets/npm_token) \\",
    "    npm ci --omit=dev",
    "COPY src ./src",
    "RUN <<BUILD",
    "npm run build",
    "npm prune --omit=dev",
    "BUILD",
    "",
    "FROM node:20.18-bookworm-slim",
    "WORKDIR /app",
    "COPY --from=build /app/dist ./dist",
    "COPY --from=build /app/node_modules ./node_modules",
    "USER 10001",
    "EXPOSE 8080",
    'CMD ["node", "dist/main.js"]',
    "",
])

RISKY = "\n".join([
    "FROM python",
    "ARG PIP_TOKEN",
    "RUN apt-get update && apt-get install -y curl sudo && \\",
    "    curl -fsSL https://example.com/install.sh | bash",
    "RUN pip install --index-url https://user:$PIP_TOKEN@pypi.example.com/simple -r requirements.txt",
    "COPY . .",
    "EXPOSE 22 8000",
    "CMD python app.py",
    "",
])

for i in range(200):
    svc = f"services/svc-{i:03d}"
    write(f"{svc}/Dockerfile", RISKY if i % 4 == 0 else HARDENED)
    write(f"{svc}/package.json", '{"name": "svc-%d", "version": "1.0.0"}\n' % i)
    write(f"{svc}/.dockerignore", ".git\n.env*\n*.pem\n" if i % 4 else "node_modules\n")
    if i % 4 == 0:
        write(f"{svc}/.env", "DEBUG=1\n")

for j in range(50):
    lines = ["# stack %d\n" % j, "x-base: &base\n  restart: unless-stopped\n", "services:\n"]
    for k in range(4):
        i = j * 4 + k
        lines.append(f"  svc-{i:03d}:\n    <<: *base\n    build: ../../services/svc-{i:03d}\n")
        if i % 4 == 0:
            lines.append("    privileged: true\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n"
                         "    ports:\n      - \"8000:8000\"\n")
        else:
            lines.append("    user: \"10001\"\n    read_only: true\n    cap_drop: [ALL]\n"
                         "    security_opt: [\"no-new-privileges:true\"]\n    mem_limit: 256m\n    pids_limit: 128\n"
                         "    ports:\n      - \"127.0.0.1:%d:8080\"\n" % (9000 + i))
    write(f"stacks/stack-{j:02d}/compose.yaml", "".join(lines))

exts = [".js", ".ts", ".py", ".md", ".json", ".yaml", ".txt"]
i = 0
while files < 10000:
    ext = exts[i % len(exts)]
    write(f"services/svc-{i % 200:03d}/src/mod{i % 37}/file{i}{ext}", "// generated\n" * random.randint(5, 60))
    i += 1
print(f"{files} files in {root}")
