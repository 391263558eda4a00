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
mkdir -p "$C/mod_block" "$C/mod_header" "$C/mod_access" "$WORK/logs"
block_rules() {
  local i cond sep=""
  for i in $(seq 0 99); do
    case $((i % 4)) in
      0) cond="req_path_prefix_in(\\\"/admin/$i|/internal/$i/\\\", false)" ;;
      1) cond="req_header_value_in(\\\"X-Block-Token\\\", \\\"bad-$i|worse-$i\\\", false)" ;;
      2) cond="req_cip_range(\\\"10.$i.0.0\\\", \\\"10.$i.255.255\\\")" ;;
      3) cond="req_path_prefix_in(\\\"/api/v$i/\\\", false) && req_method_in(\\\"POST|PUT|DELETE\\\")" ;;
    esac
    printf '%s\n      {"Cond": "%s", "Name": "rule-%d", "Action": {"Cmd": "CLOSE", "Params": []}}' "$sep" "$cond" "$i"
    sep=","
  done
}
printf '[Basic]\nProductRulePath = mod_block/block_rules.data\nIPBlocklistPath = mod_block/ip_blocklist.data\n' > "$C/mod_block/mod_block.conf"
{ echo '{"Version": "bench", "Config": {"global": [], "bench": ['; block_rules; echo; echo '  ]}}'; } > "$C/mod_block/block_rules.data"
{ echo '# {"version": "bench", "singleIPNum": 10, "pairIPNum": 10}'
  for i in $(seq 1 10); do echo "192.0.2.$i"; echo "198.51.$i.0/24"; done; } > "$C/mod_block/ip_blocklist.data"
printf '[Basic]\nDataPath = mod_header/header_rule.data\n' > "$C/mod_header/mod_header.conf"
cat > "$C/mod_header/header_rule.data" <<'J'
{"Version": "bench", "Config": {"bench": [
  {"Cond": "req_path_prefix_in(\"/admin\", false)", "Actions": [{"Cmd": "REQ_HEADER_SET", "Params": ["X-Admin", "1"]}], "Last": true},
  {"Cond": "default_t()", "Actions": [
    {"Cmd": "REQ_HEADER_SET", "Params": ["X-Bfe-Vip", "%bfe_vip"]},
    {"Cmd": "REQ_HEADER_ADD", "Params": ["X-Bench-Via", "troupe"]},
    {"Cmd": "RSP_HEADER_SET", "Params": ["X-Proxied-By", "troupe"]},
    {"Cmd": "RSP_HEADER_ADD", "Params": ["X-Bench-Client", "%bfe_client_ip"]}], "Last": false}
]}}
J
cat > "$C/mod_access/mod_access.conf" <<'INI'
[Log]
LogPrefix = access
LogDir = ../logs
RotateWhen = NEXTHOUR
BackupCount = 2

[Template]
RequestTemplate = "REQUEST_LOG $time clientip: $remote_addr serverip: $server_addr host: $host product: $product user_agent: ${User-Agent}req_header status: $status_code error: $error block: ${mod_block.block_info}req_ctx"
SessionTemplate = "SESSION_LOG  $time clientip: $ses_clientip start_time: $ses_start_time end_time: $ses_end_time overhead: $ses_overhead read_total: $ses_read_total write_total: $ses_write_total keepalive_num: $ses_keepalive_num error: $ses_error"
INI
mkdir -p "$WORK/classes"
javac -nowarn -d "$WORK/classes" -cp "$TROUPE_CP" "$ROOT/bench/modules-micro/ModulesMicro.java" \
  || { echo "bench/modules-micro.sh: FAILED: javac" >&2; exit 1; }
echo '<configuration><root level="OFF"/></configuration>' > "$WORK/logback.xml"
java -Xms512m -Xmx512m -Xmn400m -XX:+UseParallelGC -Dio.netty.leakDetection.level=disabled \
  -Dlogback.configurationFile="$WORK/logback.xml" -cp "$WORK/classes:$TROUPE_CP" \
  io.troupe.proxy.server.ModulesMicro "$C" "$MODULES" "$ROUNDS"
