#!/usr/bin/env bash
# Benchmark (not a test): large C++ units through the booster, their files packed inside the messages or by digest.
#
#   bench/booster-cxx-units.sh [--units N] [--rounds N] [--jobs N] [--keep]
#
# It builds Troupe with the README's command when the distribution is missing, installs g++ when missing, starts
# a two-worker-node Troupe cluster on loopback and two controllers (docs/booster-execution.md, "Controller"): one
# with the defaults, where a preprocessed unit of 300 KiB-8 MiB and a result file over 64 KiB travel LZ4-packed
# inside the request and the answer when they pack small enough, and one with troupe.booster.inline-packed-bytes
# = 0, where they go by digest through the workers' content store (a SHA-256 of each, the upload and fetch round
# trips, a stream each way). --units C++ files (default 32), each including the usual standard headers (about
# 1.5 MB preprocessed), are compiled with `g++ -O0 -c` by `xargs -P<jobs>` through each controller, --rounds times
# (default 3) alternated, after one warm-up round each. It prints, per variant, the controller's own CPU (user +
# sys of its JVM, without the `g++ -E` it starts) and the wall time of each round, their medians, and the ratios
# packed/by-digest last.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
units=32
rounds=3
jobs=8
keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --units) units="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    --jobs) jobs="$2"; shift ;;
    --keep) keep=1 ;;
    *) echo "usage: $0 [--units N] [--rounds N] [--jobs N] [--keep]" >&2; exit 2 ;;
  esac
  shift
done
for n in "$units" "$rounds" "$jobs"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "--units, --rounds and --jobs take a positive number, not '$n'" >&2; exit 2; }
done

# shellcheck source=bench/setup.sh
. "$repo/bench/setup.sh"
need=()
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v curl >/dev/null 2>&1 || need+=(curl)
install_packages "${need[@]}"
build_troupe

work="$(mktemp -d /tmp/troupe-cxx-units.XXXXXX)"
pids=()
variants=(packed by-digest)
opts=("" "-Dtroupe.booster.inline-packed-bytes=0")
# shellcheck source=bench/controller.sh
. "$repo/bench/controller.sh"
# shellcheck source=bench/cpu-ticks.sh
. "$repo/bench/cpu-ticks.sh"
# shellcheck source=bench/workers.sh
. "$repo/bench/workers.sh"
cleanup() {
  for v in "${variants[@]}"; do stop_controllers "$work/run-$v"; done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if (( keep )); then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

start_two_workers "$work" 17855 18821

# Every build compiles units it has never seen (its label in each), as a real build of changed sources does: a
# worker's store holds none of its inputs yet.
write_units() { # $1 = label
  rm -rf "$work/src" && mkdir -p "$work/src"
  local i tag=${1//-/_}
  for i in $(seq "$units"); do
    cat >"$work/src/u$i.cpp" <<CPP
#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>
int unit${i}_$tag() { std::map<std::string, int> m; m["u$i"] = $i; std::cout << m.size() << std::endl; return m["u$i"]; }
CPP
  done
}
write_units probe
echo "one unit preprocessed: $(g++ -E "$work/src/u1.cpp" | wc -c) bytes" >&2

build() { # $1 = variant index, $2 = label: one booster work compiling every unit; appends "label ctl_ticks wall"
  local v=${variants[$1]} before ctl c0=0 c1 t0 t1
  write_units "$2"
  before=$(controller_pid "$work/run-$v")
  [[ -z "$before" ]] || c0=$(proc_ticks "$before")
  t0=$EPOCHREALTIME
  (cd "$work/src" && XDG_RUNTIME_DIR="$work/run-$v" TROUPE_BOOSTER_JAVA_OPTS="${opts[$1]}" \
    TROUPE_BOOSTER_QUIET=1 "$repo/bin/booster" -bt cc -p bench --hook --cluster "127.0.0.1:$p1" \
    -a "bash -c 'ls u*.cpp | xargs -P$jobs -I{} g++ -O0 -c {}'") >"$work/$2.log" 2>&1 \
    || { echo "$2 build failed:" >&2; tail -20 "$work/$2.log" >&2; exit 1; }
  t1=$EPOCHREALTIME
  ctl=$(controller_pid "$work/run-$v")
  c1=$(proc_ticks "$ctl")
  [[ -n "$before" ]] || c0=$c1 # this build started the controller: its start is not counted
  echo "$2 $((c1 - c0)) $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')" >>"$work/rounds.out"
  grep -o 'total [0-9]*, remote ok [0-9]*' "$work/$2.log" | head -1 | sed "s/^/$2: /" >&2
}

: >"$work/rounds.out"
for i in "${!variants[@]}"; do
  mkdir -p "$work/run-${variants[$i]}"
  build "$i" "warmup1-${variants[$i]}" # starts the controller; its first units may run locally while it joins
  await_controller_workers "$work/run-${variants[$i]}" || { echo "controller ${variants[$i]} knows no worker" >&2; exit 1; }
  build "$i" "warmup2-${variants[$i]}"
done
for r in $(seq "$rounds"); do
  for i in "${!variants[@]}"; do build "$i" "${variants[$i]}-$r"; done
done

hz=$(getconf CLK_TCK)
median() { sort -n | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
echo "booster on $(nproc) cores, two worker nodes on loopback: $units C++ units (g++ -O0 -c, xargs -P$jobs), $rounds rounds"
printf '%-10s %-44s %-30s\n' "" "controller CPU per round (median)" "wall per round (median)"
for v in "${variants[@]}"; do
  cpus=$(awk -v l="$v" -v hz="$hz" '$1 ~ "^"l"-[0-9]+$" {printf "%.2f ", $2/hz}' "$work/rounds.out")
  walls=$(awk -v l="$v" '$1 ~ "^"l"-[0-9]+$" {printf "%.2f ", $3}' "$work/rounds.out")
  cm=$(tr ' ' '\n' <<<"$cpus" | grep . | median); wm=$(tr ' ' '\n' <<<"$walls" | grep . | median)
  printf '%-10s %-44s %-30s\n' "$v" "${cpus}s ($cm s)" "${walls}s ($wm s)"
  echo "$v $cm $wm" >>"$work/medians.out"
done
read -r _ pc pw < <(grep '^packed ' "$work/medians.out")
read -r _ dc dw < <(grep '^by-digest ' "$work/medians.out")
echo "ratio controller CPU packed/by-digest: $(awk -v a="$pc" -v b="$dc" 'BEGIN{printf "%.2f", a/b}')"
echo "ratio wall packed/by-digest: $(awk -v a="$pw" -v b="$dw" 'BEGIN{printf "%.2f", a/b}')"
