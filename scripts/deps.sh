#!/usr/bin/env bash
# scripts/deps.sh — make sure the Debian packages gomem needs are installed.
#
# Every target of the top-level Makefile runs this first.  It asks dpkg once
# which of the packages below are installed and, when all are, prints nothing
# and exits 0.  Otherwise:
#   - as root: `apt-get update`, then `apt-get install -y` of the missing ones;
#   - as anyone else: prints the apt-get line to run as root and exits 1.
# Packages come from the machine's configured Debian archive and nowhere else.
#
# Usage: scripts/deps.sh [--peers] [--check]
#   --peers  also the peer allocators and collectors that `make bench PEERS=1`
#            compares against (Boehm GC, jemalloc, mimalloc, tcmalloc, Go)
#   --check  report what is missing, install nothing (exit 1 if anything is)
#
# Environment:
#   GOMEM_DEPS_EXTRA  extra package names, space separated, checked like the
#                     others; lets a test pretend a package is missing, e.g.
#                     GOMEM_DEPS_EXTRA=gomem-no-such-package scripts/deps.sh
set -euo pipefail

# What building and testing need: the toolchain, pkg-config (finds Check,
# hwloc and jansson), Google Benchmark, hwloc and jansson (gomem-bench: its
# topology and its JSON results), Check (the test suites), and gnuplot (the
# plots in bench reports).
required=(cmake pkg-config gcc g++ make libbenchmark-dev libhwloc-dev libjansson-dev check gnuplot-nox)
peers=(libgc-dev libjemalloc-dev libmimalloc-dev libgoogle-perftools-dev golang-go)

want=("${required[@]}")
install=1
for arg in "$@"; do
	case "$arg" in
	--peers) want+=("${peers[@]}") ;;
	--check) install=0 ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "deps.sh: unknown option '$arg' (accepted: --peers, --check, --help)" >&2
		exit 2
		;;
	esac
done
if [[ -n "${GOMEM_DEPS_EXTRA:-}" ]]; then
	read -r -a extra <<<"$GOMEM_DEPS_EXTRA"
	want+=("${extra[@]}")
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "gomem: dpkg-query not found: this is not Debian, so packages are not checked." >&2
	echo "gomem: make sure these (or your system's equivalents) are installed: ${want[*]}" >&2
	exit 0
fi

# The packages in $@ that dpkg does not report as installed.  One dpkg-query
# for all of them; names dpkg has never heard of print nothing.
missing_of() {
	local -A ok=()
	local name status
	while IFS=$'\t' read -r name status; do
		# ${Status} is "want flag state": "install ok installed" or
		# "hold ok installed" when present; anything else is not.
		[[ "$status" == *" installed" ]] && ok["$name"]=1
	done < <(dpkg-query -W -f='${Package}\t${Status}\n' "$@" 2>/dev/null || true)
	local p
	for p in "$@"; do
		[[ -n "${ok[$p]:-}" ]] || printf '%s\n' "$p"
	done
}

mapfile -t missing < <(missing_of "${want[@]}")
((${#missing[@]} == 0)) && exit 0

echo "gomem: missing Debian packages: ${missing[*]}" >&2
if ((install == 0)); then
	echo "gomem: to install them, run as root:" >&2
	echo "    apt-get install -y ${missing[*]}" >&2
	exit 1
fi
if [[ "$(id -u)" != 0 ]]; then
	echo "gomem: installing them needs root, and you are $(id -un 2>/dev/null || id -u)." >&2
	echo "gomem: run this as root (e.g. with sudo), then run make again:" >&2
	echo "    apt-get install -y ${missing[*]}" >&2
	echo "gomem: (if apt-get cannot find a package, run 'apt-get update' first)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Wait for another apt or dpkg (unattended-upgrades on a new machine) instead
# of failing at once on its lock.
apt_opts=(-o DPkg::Lock::Timeout=300)
echo "gomem: installing them: apt-get update && apt-get install -y ${missing[*]}" >&2
apt-get "${apt_opts[@]}" update -qq
apt-get "${apt_opts[@]}" install -y -qq "${missing[@]}"

mapfile -t still < <(missing_of "${missing[@]}")
if ((${#still[@]} > 0)); then
	echo "gomem: apt-get finished but these are still not installed: ${still[*]}" >&2
	exit 1
fi
echo "gomem: installed ${missing[*]}" >&2
