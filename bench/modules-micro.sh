#!/usr/bin/env bash
# Micro-benchmark of the modules of bench/proxy-vs-nginx.sh's troupe+mods (mod_block, mod_header, mod_access) on one
# thread, no sockets: CPU time and allocation per request. See docs/performance.md ("Per-request cost of the three
# modules").
#   bench/modules-micro.sh [MODULES] [ROUNDS]     MODULES: comma-separated, default all three; "none" = baseline
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
java -Xms512m -Xmx512m -Xmn400m -XX:+UseParallelGC -Dio.netty.leakDetection.level=disabled \
  -Dlogback.configurationFile="$WORK/logback.xml" -cp "$WORK/classes:$TROUPE_CP" \
  io.troupe.proxy.server.ModulesMicro "$C" "$MODULES" "$ROUNDS"
