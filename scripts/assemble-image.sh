#!/usr/bin/env bash
# assemble-image.sh --etcd-from DIR OUT
#
# Lays out in OUT exactly what Ringside's container image adds to its Node base image, at the
# paths the image has them. The Dockerfile's build stage runs this very script and its runtime
# stage copies OUT to / and nothing else, so the image and a tree assembled here cannot differ
# (e2e/integration/image.test.ts checks the Dockerfile still says so, then runs such a tree).
#
#   /app/server.js, /app/package.json   Next's standalone server (output: 'standalone')
#   /app/node_modules/                  the modules it traced, etcd3's .proto files included
#   /app/.next/                         the server build, plus .next/static (browser assets)
#   /app/public/                        public/
#   /usr/local/bin/etcd, etcdctl, etcdutl   from DIR: what restore drills run
#   /var/lib/ringside/                  empty: dataDir, the only place Ringside writes
#
# Needs `next build` first (this script never builds). etcdutl exists from etcd 3.5 on: with an
# etcd 3.4 in DIR (Debian's etcd-server, as on the test machines) it is left out and said so, since
# 3.4 backups are restored with `etcdctl snapshot restore`; with 3.5 or later it is required.
# Files are root-owned and read-only when run as root; the image runs them as an unprivileged user.
set -euo pipefail

usage() { echo "usage: $0 --etcd-from DIR OUT" >&2; exit 2; }
etcd_from=""
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --etcd-from) etcd_from="${2:-}"; shift 2 || usage ;;
    -h|--help) usage ;;
    -*) echo "assemble-image: unknown option $1" >&2; usage ;;
    *) [ -z "$out" ] || usage; out="$1"; shift ;;
  esac
done
[ -n "$etcd_from" ] && [ -n "$out" ] || usage

repo="$(cd "$(dirname "$0")/.." && pwd)"
standalone="$repo/.next/standalone"
fail() { echo "assemble-image: $*" >&2; exit 1; }

[ -f "$standalone/server.js" ] || fail "$standalone/server.js is missing: run \`npx next build\` first (next.config.js has output: 'standalone')"
[ -d "$repo/.next/static" ] || fail "$repo/.next/static is missing: run \`npx next build\` first"
[ "$(cat "$standalone/.next/BUILD_ID")" = "$(cat "$repo/.next/BUILD_ID")" ] || fail "$standalone is from another build than $repo/.next: run \`npx next build\` again"
for f in "$standalone/node_modules/etcd3/proto/rpc.proto" "$standalone/node_modules/@grpc/grpc-js/package.json" "$standalone/node_modules/@kubernetes/client-node/package.json"; do
  [ -f "$f" ] || fail "$f is missing from the standalone output: check serverExternalPackages and outputFileTracingIncludes in next.config.js"
done
[ -x "$etcd_from/etcd" ] || fail "$etcd_from/etcd is not an executable (--etcd-from names the directory holding etcd, etcdctl and etcdutl)"
[ -x "$etcd_from/etcdctl" ] || fail "$etcd_from/etcdctl is not an executable"
etcd_version="$("$etcd_from/etcd" --version | sed -n 's/^etcd Version: //p')"
[ -n "$etcd_version" ] || fail "$etcd_from/etcd --version did not print its version"
with_etcdutl=yes
if [ ! -x "$etcd_from/etcdutl" ]; then
  case "$etcd_version" in
    3.4.*) with_etcdutl=no ;;
    *) fail "$etcd_from/etcdutl is missing, and etcd $etcd_version restores snapshots with etcdutl" ;;
  esac
fi

if [ -e "$out" ] && [ -n "$(ls -A "$out" 2>/dev/null)" ]; then fail "$out exists and is not empty"; fi
mkdir -p "$out"

# The standalone tree, by name: our sources, tests and test data that the tracer picked up beside
# them stay out (the server runs from .next/server), and so do the lockfile and tsconfig.
mkdir -p "$out/app"
cp -a "$standalone/server.js" "$standalone/package.json" "$standalone/node_modules" "$standalone/.next" "$out/app/"
cp -a "$repo/.next/static" "$out/app/.next/static"
cp -a "$repo/public" "$out/app/public"

mkdir -p "$out/usr/local/bin"
tools=(etcd etcdctl)
[ "$with_etcdutl" = yes ] && tools+=(etcdutl)
for t in "${tools[@]}"; do cp -L "$etcd_from/$t" "$out/usr/local/bin/$t"; done

mkdir -p "$out/var/lib/ringside"

# Nothing in the image is writable by the user it runs as; dataDir is handed over by the
# Dockerfile (chown) or by Kubernetes (a volume with fsGroup).
chmod -R a-w,a+rX "$out/app" "$out/usr"
chmod 0555 "$out/usr/local/bin"/*
if [ "$(id -u)" -eq 0 ]; then chown -R 0:0 "$out"; fi

echo "assemble-image: $out: Ringside $(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$repo/package.json") (build $(cat "$repo/.next/BUILD_ID")), etcd $etcd_version: ${tools[*]}$([ "$with_etcdutl" = no ] && echo " (no etcdutl before etcd 3.5: 3.4 backups restore with etcdctl)")"
