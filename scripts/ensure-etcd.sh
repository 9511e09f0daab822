#!/usr/bin/env bash
# ensure-etcd.sh [extra-debian-packages...]
#
# Makes sure etcd and etcdctl (Debian's etcd-server / etcd-client) are installed,
# plus any extra Debian packages named on the command line (CI passes `chromium`,
# `prometheus`: Prometheus and promtool, the real peers of Ringside's /api/metrics, and
# `prometheus-alertmanager`, the real receiver of Ringside's alert delivery, and
# `kubernetes-client`, Debian's kubectl, whose `kubectl kustomize` renders deploy/kubernetes;
# any kubectl already on the PATH will do; `postgresql`, the shared store of several replicas,
# whose server e2e/harness/postgres.ts starts on loopback: its own service is never started).
# Installs only what is missing, so running it again is a no-op. As root it
# installs non-interactively; otherwise it prints the exact command and exits 1.
set -euo pipefail

# Debian package -> a command it provides, to test "installed" cheaply. Packages
# without an entry here are checked with dpkg instead.
command_for() {
  case "$1" in
    etcd-server) echo etcd ;;
    etcd-client) echo etcdctl ;;
    chromium) echo chromium ;;
    prometheus) echo promtool ;;
    prometheus-alertmanager) echo prometheus-alertmanager ;;
    kubernetes-client) echo kubectl ;;
    # The server binaries live outside the PATH (/usr/lib/postgresql/<major>/bin): dpkg decides.
    *) echo "" ;;
  esac
}

is_installed() {
  local pkg="$1" cmd
  cmd="$(command_for "$pkg")"
  if [ -n "$cmd" ]; then
    command -v "$cmd" >/dev/null 2>&1
  else
    # Status "install ok installed" only; a removed-but-configured package does not count.
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'
  fi
}

missing=()
for pkg in etcd-server etcd-client "$@"; do
  is_installed "$pkg" || missing+=("$pkg")
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

install_cmd="apt-get update && apt-get install -y ${missing[*]}"

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Install them with:" >&2
  echo "  sudo sh -c '$install_cmd'" >&2
  exit 1
fi

echo "Installing ${missing[*]} (apt-get)..." >&2
export DEBIAN_FRONTEND=noninteractive
# Packages such as etcd-server and prometheus register a service that would listen on every
# interface. Tests start their own servers on 127.0.0.1 only, so forbid service starts while
# installing (the standard policy-rc.d switch), unless the machine already has a policy.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -q
# With recommends, as verified in TOOLCHAIN.md (chromium's recommended fonts matter for screenshots).
apt-get install -y -q "${missing[@]}"

for pkg in "${missing[@]}"; do
  if ! is_installed "$pkg"; then
    echo "ensure-etcd: $pkg still missing after apt-get install" >&2
    exit 1
  fi
done
