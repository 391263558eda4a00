#!/usr/bin/env bash
# Micro-benchmark of the modules of bench/proxy-vs-nginx.sh's troupe+mods (mod_block, mod_header, mod_access) on one
# thread, no sockets: CPU time and allocation per request. See docs/performance.md ("Per-request cost of the three
# modules").
#   bench/modules-micro.sh [MODULES] [ROUNDS]     MODULES: comma-separated, default all three; "none" = baseline
# It runs MODULES, then the baseline (none) in a JVM of its own, and prints the ratio of the two last.
# TROUPE_CP as for proxy-vs-nginx.sh (default: this checkout's cluster-node/target/troupe/lib, built first with the
# README's command, `mvn -q -B package -DskipTests`, when it is missing).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODULES=${1:-mod_block,mod_header,mod_access}
ROUNDS=${2:-5}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
if [ -z "${TROUPE_CP:-}" ]; then
  LIB="$ROOT/cluster-node/target/troupe/lib"
  if ! ls "$LIB"/proxy-actors-*.jar >/dev/null 2>&1; then
    echo "building Troupe (the README's command: mvn -q -B package -DskipTests)" >&2
    (cd "$ROOT" && mvn -q -B package -DskipTests) || { echo "bench/modules-micro.sh: FAILED: the build" >&2; exit 1; }
  fi
  TROUPE_CP="$(ls "$LIB"/proxy-actors-*.jar "$LIB"/module-actors-*.jar "$LIB"/handler-api-*.jar | paste -sd: -):$LIB/*"
fi
# the conf of proxy-vs-nginx.sh's troupe+mods (same rules, same templates)
C="$WORK/conf"
mkdir -p "$WORK/logs"
# shellcheck source=bench/mods-conf.sh
. "$ROOT/bench/mods-conf.sh"
write_bench_mods_conf "$C"
mkdir -p "$WORK/classes"
javac -nowarn -d "$WORK/classes" -cp "$TROUPE_CP" "$ROOT/bench/modules-micro/ModulesMicro.java" \
  || { echo "bench/modules-micro.sh: FAILED: javac" >&2; exit 1; }
echo '<configuration><root level="OFF"/></configuration>' > "$WORK/logback.xml"
run() { # $1 = modules: one JVM, ROUNDS rounds of 2,000,000 requests
  java -Xms512m -Xmx512m -Xmn400m -XX:+UseParallelGC -Dio.netty.leakDetection.level=disabled \
    -Dlogback.configurationFile="$WORK/logback.xml" -cp "$WORK/classes:$TROUPE_CP" \
    io.troupe.proxy.server.ModulesMicro "$C" "$1" "$ROUNDS" 2>/dev/null \
    || { echo "bench/modules-micro.sh: FAILED: the run of $1" >&2; exit 1; }
}
# median over the rounds after the first (JIT warm-up) of field $2 ("ns" or "B") in the output $1
median() {
  awk -v unit="$2" '{for (i = 1; i < NF; i++) if ($(i + 1) == unit || $(i + 1) == unit",") {v = $i; sub(",", "", v); print v; break}}' <<<"$1" \
    | { if (( ROUNDS > 1 )); then tail -n +2; else cat; fi; } | sort -g \
    | awk '{a[NR] = $1} END {if (NR == 0) exit 1; print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'
}
mods_out=$(run "$MODULES")
echo "$mods_out"
if [[ "$MODULES" == none ]]; then
  exit 0
fi
base_out=$(run none)
echo "$base_out"
m_ns=$(median "$mods_out" ns); m_b=$(median "$mods_out" B)
b_ns=$(median "$base_out" ns); b_b=$(median "$base_out" B)
echo "modules' own cost per request (median of rounds, minus the run with none): $(awk -v a="$m_ns" -v b="$b_ns" 'BEGIN {printf "%.1f", a - b}') ns," \
  "$(awk -v a="$m_b" -v b="$b_b" 'BEGIN {printf "%.0f", a - b}') B on the request's thread"
echo "ratio $MODULES/none  cpu/request $(awk -v a="$m_ns" -v b="$b_ns" 'BEGIN {printf "%.2f", a / b}')" \
  " bytes/request $(awk -v a="$m_b" -v b="$b_b" 'BEGIN {printf "%.2f", a / b}')"
