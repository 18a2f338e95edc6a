#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Installs every build and test dependency of nfwatch on a Debian 12 machine.
# Idempotent: when everything is present it prints nothing and exits 0.
set -euo pipefail

PKGS=(
	bc
	build-essential
	clang
	libbenchmark-dev
	libbpf-dev
	libclang-rt-14-dev
	libcmocka-dev
	libdpdk-dev
	libjansson-dev
	libbz2-dev
	liblz4-dev
	liblzo2-dev
	libpcap-dev
	libxdp-dev
	libzstd-dev
	llvm
	meson
	nfdump
	ninja-build
	pkg-config
	pmacct
	python3
	python3-jsonschema
	softflowd
	tcpreplay
	tmux
	tshark
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
echo "setup: installing ${missing[*]}" >&2
# wireshark-common asks whether non-root users may capture: answer for it.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done" >&2
