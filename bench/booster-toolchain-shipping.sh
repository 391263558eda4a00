#!/usr/bin/env bash
# Benchmark (not a test): what shipping the client's compiler to workers that lack it costs (`--search_toolchain`,
# troupe.booster.ship-toolchains; docs/booster-execution.md, "Shipping a toolchain").
#
#   bench/booster-toolchain-shipping.sh [--units N] [--jobs N] [--keep]
#
# It builds Troupe with the README's command when the distribution is missing, installs what it needs from Debian
# when missing, generates a C project of --units files (default 160), and builds it with `make -j<jobs>` (default 8):
#   - locally, for the reference objects;
#   - with the booster against two worker nodes on loopback whose only compiler is a wrapper that reports another
#     gcc version, so that neither holds the client's gcc: with --search_toolchain, twice. In the first build the
#     gcc (driver, cc1, cc1plus, as, their libraries and loader) travels to both workers while the first compiles
#     run locally; in the second the workers hold it already;
#   - with the booster against two fresh worker nodes that offer the machine's own gcc: the baseline.
# It prints each build's wall time, compiles that ran remotely and objects equal to the local ones, how long the
# shipping took and how many bytes it moved, and last the ratios of the two shipped builds' wall time to the
# baseline's.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
units=160
jobs=8
keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --units) units="$2"; shift ;;
    --jobs) jobs="$2"; shift ;;
    --keep) keep=1 ;;
    *) echo "usage: $0 [--units N] [--jobs N] [--keep]" >&2; exit 2 ;;
  esac
  shift
done
[[ "$units" =~ ^[0-9]+$ ]] && (( units >= 8 )) || { echo "--units must be a number of at least 8" >&2; exit 2; }

# shellcheck source=bench/setup.sh
. "$repo/bench/setup.sh"
need=()
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v make >/dev/null 2>&1 || need+=(make)
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v curl >/dev/null 2>&1 || need+=(curl)
install_packages "${need[@]}"
build_troupe

work="$(mktemp -d /tmp/troupe-toolchain-shipping.XXXXXX)"
pids=()
# shellcheck source=bench/workers.sh
. "$repo/bench/workers.sh"
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if (( keep )); then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

# --- the project: units of a few hundred lines each, so a compile takes tens of milliseconds ----------------------
mkdir -p "$work/project"
for i in $(seq 1 "$units"); do
  {
    echo "#include <stdio.h>"
    echo "#include <string.h>"
    for f in $(seq 1 12); do
      echo "static int table_${f}[64] = {$(seq -s, $((i + f)) $((i + f + 63)))};"
      echo "int unit${i}_f${f}(const char *s, int n) { int acc = 0; for (int k = 0; k < n; k++) {"
      echo "  acc += table_${f}[(k + (int)strlen(s)) & 63] * (k ^ ${f}); if (acc > 100000) acc %= 9973; }"
      echo "  char buf[64]; snprintf(buf, sizeof buf, \"%d-%s\", acc, s); return (int)strlen(buf) + acc; }"
    done
  } >"$work/project/u$i.c"
done
{
  echo "OBJS = $(for i in $(seq 1 "$units"); do printf 'u%d.o ' "$i"; done)"
  echo "all: \$(OBJS)"
  printf '%%.o: %%.c\n\tgcc -O2 -c $< -o $@\n'
} >"$work/project/Makefile"
for v in local shipped-1 shipped-2 baseline; do cp -a "$work/project" "$work/$v"; done

# --- the worker nodes ----------------------------------------------------------------------------------------------
mkdir -p "$work/fake"
cat >"$work/fake/gcc" <<'SH'
#!/bin/sh
case "$1" in
  --version) echo 'gcc (Fake) 99.0.0'; exit 0;;
  -dumpmachine) exec /usr/bin/gcc -dumpmachine;;
esac
echo "the fake gcc compiled something" >&2
exit 99
SH
chmod +x "$work/fake/gcc"
# $1 = name, $2 = extra config: a conf directory of its own (the distribution's, plus a sandbox root per node)
node_conf() {
  mkdir -p "$work/conf-$1"
  cp -a "$dist/conf/." "$work/conf-$1/"
  { echo; echo "troupe.worker.sandbox-root = \"$work/sandbox-$1\""; echo "$2"; } >>"$work/conf-$1/cluster-node.conf"
}
# $1 = label, $2 = extra config of both nodes: starts two worker nodes in one cluster, sets p1 (the seed's port)
start_workers() {
  node_conf "$1-1" "$2"; node_conf "$1-2" "$2"
  start_two_workers "$work" 17655 18721 "$work/conf-$1-1" "$work/conf-$1-2" "$1-node"
}
stop_workers() {
  for p in "${node_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${node_pids[@]}"; do wait "$p" 2>/dev/null || true; done
}

# $1 = label, then booster flags: builds $work/$1 with the booster; appends "label wall remote total" to builds.out
boosted() {
  local label=$1 start end summary
  shift
  start=$(date +%s.%N)
  TROUPE_BOOSTER_QUIET=1 "$repo/bin/booster" --no_controller -bt cc -p bench --hook --cluster "127.0.0.1:$p1" "$@" \
    -a "make -C $work/$label -j$jobs" >"$work/$label.log" 2>&1 \
    || { echo "$label build failed:" >&2; tail -30 "$work/$label.log" >&2; exit 1; }
  end=$(date +%s.%N)
  summary=$(grep '^\[booster\] total' "$work/$label.log" | tail -1)
  echo "$label $(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.2f", b-a}') \
$(sed -n 's/.*remote ok \([0-9]*\).*/\1/p' <<<"$summary") $(sed -n 's/.*total \([0-9]*\).*/\1/p' <<<"$summary")" >>"$work/builds.out"
  echo "$label: $summary" >>"$work/summaries.out"
}
same_objects() { # $1 = label: how many of its objects equal the local build's
  local n=0
  for o in "$work/local"/*.o; do cmp -s "$o" "$work/$1/$(basename "$o")" && n=$((n + 1)); done
  echo "$n"
}

: >"$work/builds.out"; : >"$work/summaries.out"
start=$(date +%s.%N)
make -C "$work/local" -j"$jobs" >"$work/local.log" 2>&1 || { echo "local build failed" >&2; tail -30 "$work/local.log" >&2; exit 1; }
echo "local $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}') 0 $units" >>"$work/builds.out"

start_workers lacking "troupe.worker.toolchains = [\"$work/fake/gcc\"]
troupe.worker.accept-toolchains = on"
ship_start=$(date +%H:%M:%S.%N)
boosted shipped-1 --search_toolchain
boosted shipped-2 --search_toolchain
installed=$(grep -h "installed the shipped toolchain" "$work"/lacking-node*.log | wc -l)
bundle=$(du -sb "$work/sandbox-lacking-1-toolchains" 2>/dev/null | cut -f1)
# how long the shipping took: from the first build's start to each worker's "installed" log line (same day)
seconds_of_day() { awk -F: '{printf "%.2f", $1 * 3600 + $2 * 60 + $3}'; }
ship_times=$(for line in $(grep -h "installed the shipped toolchain" "$work"/lacking-node*.log | cut -c1-12); do
  awk -v a="$(seconds_of_day <<<"$ship_start")" -v b="$(seconds_of_day <<<"$line")" 'BEGIN{printf "%.1f s ", b - a}'
done)
stop_workers

start_workers baseline ""
boosted baseline

field() { awk -v l="$1" -v f="$2" '$1==l {print $f}' "$work/builds.out"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "toolchain shipping on $(nproc) cores, loopback: $units units, make -j$jobs, two worker nodes"
printf '%-44s %9s %9s %9s %9s\n' "" "local" "shipped-1" "shipped-2" "baseline"
printf '%-44s %7s s %7s s %7s s %7s s\n' "wall" "$(field local 2)" "$(field shipped-1 2)" "$(field shipped-2 2)" "$(field baseline 2)"
printf '%-44s %9s %9s %9s %9s\n' "compiles that ran remotely" "-" "$(field shipped-1 3)/$(field shipped-1 4)" \
  "$(field shipped-2 3)/$(field shipped-2 4)" "$(field baseline 3)/$(field baseline 4)"
printf '%-44s %9s %9s %9s %9s\n' "objects equal to the local build's" "-" "$(same_objects shipped-1)/$units" \
  "$(same_objects shipped-2)/$units" "$(same_objects baseline)/$units"
cat "$work/summaries.out"
echo "workers that installed the shipped gcc: $installed of 2; its files on a worker: ${bundle:-0} bytes"
echo "each worker installed it this long after the first build started: ${ship_times:-never}"
if grep -qs "the fake gcc compiled something" "$work"/*.log; then echo "the fake gcc ran: a worker compiled with another version" >&2; exit 1; fi
echo "ratio wall shipped-1/baseline: $(ratio "$(field shipped-1 2)" "$(field baseline 2)")"
echo "ratio wall shipped-2/baseline: $(ratio "$(field shipped-2 2)" "$(field baseline 2)")"
