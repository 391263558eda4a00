#!/usr/bin/env bash
# Proxy benchmark: nginx (1 worker), HAProxy (1 thread) and the Troupe proxy (1 event loop), each in front of
# the same nginx backend on loopback, measured with wrk -t1 -c32 -d10s. Prints requests/s and p99 for each, and
# CPU time per request of each proxy (nginx's and nginx+mods's one worker, HAProxy, the Troupe JVMs' threads; in
# brackets the user part and, for Troupe, the event loop threads' own and the JIT compiler threads').
# A second Troupe proxy, "troupe+mods", runs the same routing with mod_block (100 product rules that match none
# of the benchmark's requests), mod_header (set/add on request and response) and mod_access (an access log in the
# temp dir); its peer is "nginx+mods", the nginx proxy configured to do the same (bench/mods-conf.sh: the rules as
# prefix locations, map and geo lookups, the headers, the log). After the runs the script checks that
# nothing was blocked and that the access log has a line per request, then prints the ratios last: Troupe/HAProxy,
# modules/plain, and against nginx with the targets (requests/s >= 1.0x, p99 <= 1.5x) for both Troupe proxies.
# Any failure stops it with "bench/proxy-vs-nginx.sh: FAILED: ..." on stderr and exit status 1.
#
# Usage: bench/proxy-vs-nginx.sh            (from anywhere; builds the checkout it lives in with the README's
#                                           command, mvn -q -B package -DskipTests, unless TROUPE_CP is set)
# Env:   DURATION=10s CONNECTIONS=32 WARMUP=5s WARMUP_RUNS=2
#                                           the warm-up is WARMUP_RUNS wrk runs of WARMUP each, each on new
#                                           connections: a JVM proxy whose JIT saw only one set of connections
#                                           recompiles its hot path when the measured run opens new ones
#        TROUPE_CP=<classpath>              use this classpath instead of building one with Maven
#        TROUPE_JAVA_OPTS="..."             JVM flags for the Troupe proxy
#        JAVA_HOME=<jdk>                    the Java that runs the Troupe proxies, as bin/troupe-env.sh takes it
#                                           (else the java on PATH)
#        TROUPE_MODULES=mod_a,mod_b         modules to enable in the plain Troupe proxy (troupe.proxy.modules)
#        BENCH_MODULES=mod_block,mod_header,mod_access
#                                           modules of the "troupe+mods" run (default all three; a subset for
#                                           A/B runs; empty skips that run)
#        ROUNDS=3                           measure every proxy this many times, the proxies taking turns in
#                                           each round, each Troupe proxy right after its nginx peer; each ratio
#                                           is the median of its per-round ratios (the two runs of a pair are
#                                           20 s apart, so a slow spell of the machine mostly slows both), and
#                                           a neighbour that takes a core during one round moves one ratio,
#                                           not the result
#        NOISY_SPREAD=25                    a proxy whose requests/s over the rounds spread by more than this
#                                           percent of its median is named in a NOTE before the ratios (the
#                                           machine, not the proxy, moved those figures); the CPU time the VM's
#                                           host took (steal) during the runs is printed too
#        ONLY_TROUPE=1                      measure only the Troupe proxies (no nginx/HAProxy runs, no ratios
#                                           against them)
#        MODS_FIRST=1                       measure troupe+mods before the plain Troupe proxy
#        PROFILE=/path/libasyncProfiler.so  attach async-profiler (not shipped: its release archive's lib/) to each
#                                           Troupe JVM for exactly each measured run (1 ms CPU samples, all
#                                           threads): PROFILE_DIR (default bench-profiles/) gets
#                                           <proxy>-round<N>.collapsed and the run's wrk output, <proxy>-round<N>.wrk
#                                           (samples of 1 ms / its requests = ms a request); needs the JDK's jcmd
#        ALLOC=1                            also print the Troupe JVMs' allocation per request over the measured
#                                           run (JFR's per-thread allocation counters; needs the JDK's jcmd, jfr)
# Needs: nginx, haproxy, wrk, java 17+ (Debian: apt-get install nginx-light haproxy wrk); only loopback is used.
set -Eeuo pipefail

# fail MESSAGE [LOG]: say what went wrong (and the log's tail) on stderr and stop with status 1
fail() {
  echo "bench/proxy-vs-nginx.sh: FAILED: $1" >&2
  [ -n "${2:-}" ] && [ -f "$2" ] && tail -40 "$2" >&2
  exit 1
}
# any other failing command stops the script with its line and text instead of a silent exit
trap 'echo "bench/proxy-vs-nginx.sh: FAILED at line $LINENO (exit $?): $BASH_COMMAND" >&2' ERR

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
WARMUP=${WARMUP:-5s}
WARMUP_RUNS=${WARMUP_RUNS:-2}
ROUNDS=${ROUNDS:-3}
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "bench/proxy-vs-nginx.sh: FAILED: ROUNDS must be a positive number, not '$ROUNDS'" >&2; exit 1; }
[[ "$WARMUP_RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "bench/proxy-vs-nginx.sh: FAILED: WARMUP_RUNS must be a positive number, not '$WARMUP_RUNS'" >&2; exit 1; }
NOISY_SPREAD=${NOISY_SPREAD:-25}
[[ "$NOISY_SPREAD" =~ ^[0-9]+$ ]] || { echo "bench/proxy-vs-nginx.sh: FAILED: NOISY_SPREAD must be a whole number of percent, not '$NOISY_SPREAD'" >&2; exit 1; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/troupe-bench.XXXXXX)
BACKEND_PORT=${BACKEND_PORT:-19080}
NGINX_PORT=${NGINX_PORT:-19081}
HAPROXY_PORT=${HAPROXY_PORT:-19082}
TROUPE_PORT=${TROUPE_PORT:-19083}
TROUPE_MODS_PORT=${TROUPE_MODS_PORT:-19084}
NGINX_MODS_PORT=${NGINX_MODS_PORT:-19085}
BENCH_MODULES=${BENCH_MODULES-mod_block,mod_header,mod_access}
ONLY_TROUPE=${ONLY_TROUPE:-}
MODS_FIRST=${MODS_FIRST:-}
ALLOC=${ALLOC:-}
PROFILE=${PROFILE:-}
PROFILE_DIR=${PROFILE_DIR:-bench-profiles}
if [ -n "$PROFILE" ]; then
  [ -f "$PROFILE" ] || { echo "bench/proxy-vs-nginx.sh: FAILED: PROFILE: no such file: $PROFILE" >&2; exit 1; }
  PROFILE=$(readlink -f "$PROFILE")
  mkdir -p "$PROFILE_DIR" && PROFILE_DIR=$(readlink -f "$PROFILE_DIR") \
    || { echo "bench/proxy-vs-nginx.sh: FAILED: PROFILE_DIR: cannot make $PROFILE_DIR" >&2; exit 1; }
fi
PIDS=()

repo=$ROOT # what setup.sh names the checkout
# shellcheck source=bench/setup.sh
. "$ROOT/bench/setup.sh"
MISSING=()
# need COMMAND PACKAGE: PACKAGE is installed (apt-get update first, as a fresh machine needs) when COMMAND is missing
need() {
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || MISSING+=("$2")
}
need nginx nginx-light
need haproxy haproxy
need wrk wrk
# a java from PATH is installed when missing; JAVA_HOME's is taken as the launchers take it (bin/troupe-java.sh)
[ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] || need java openjdk-17-jre-headless
if [ -n "$ALLOC" ] && [ -z "${JAVA_HOME:-}" ]; then need jcmd openjdk-17-jdk-headless; need jfr openjdk-17-jdk-headless; fi
if [ -n "$PROFILE" ] && [ -z "${JAVA_HOME:-}" ]; then need jcmd openjdk-17-jdk-headless; fi
install_packages $(printf '%s\n' "${MISSING[@]}" | sort -u)
# JAVA, and TROUPE_JAVA_COMPAT: the options JDK 24 and later need to start quietly
. "$ROOT/bin/troupe-java.sh"
read -ra JAVA_COMPAT <<< "$TROUPE_JAVA_COMPAT"
# ALLOC's and PROFILE's jcmd and jfr from the same JDK as the proxies' java, else from PATH
JDK_BIN=$(dirname "$(readlink -f "$(command -v "$JAVA")")")
JCMD="$JDK_BIN/jcmd"; [ -x "$JCMD" ] || JCMD=jcmd
JFR="$JDK_BIN/jfr"; [ -x "$JFR" ] || JFR=jfr
export PATH="$PATH:/usr/sbin"

cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  [ -f "$WORK/backend.pid" ] && kill "$(cat "$WORK/backend.pid")" 2>/dev/null || true
  [ -f "$WORK/nginx-proxy.pid" ] && kill "$(cat "$WORK/nginx-proxy.pid")" 2>/dev/null || true
  [ -f "$WORK/nginx-mods.pid" ] && kill "$(cat "$WORK/nginx-mods.pid")" 2>/dev/null || true
  sleep 0.5
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---- backend: nginx, one worker, a small static page
mkdir -p "$WORK/www" "$WORK/logs"
# nginx workers started by root run as www-data: the page must be readable by them
chmod 755 "$WORK" "$WORK/www"
head -c 612 /dev/zero | tr '\0' 'x' > "$WORK/www/index.html"
chmod 644 "$WORK/www/index.html"
cat > "$WORK/backend.conf" <<NGX
worker_processes 1;
pid $WORK/backend.pid;
error_log $WORK/logs/backend-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$BACKEND_PORT reuseport; root $WORK/www; }
}
NGX
nginx -c "$WORK/backend.conf" || fail "the nginx backend did not start" "$WORK/logs/backend-error.log"

# ---- nginx as the proxy, one worker, keep-alive upstream
# the modules' files of troupe+mods and of its nginx peer, and the headers every nginx proxy sets
# shellcheck source=bench/mods-conf.sh
. "$ROOT/bench/mods-conf.sh"
# nginx_proxy NAME PORT [MODS_DIR]: writes and starts $WORK/NAME.conf; with MODS_DIR, the snippets
# write_bench_nginx_mods wrote there go into its http, server and location blocks (the nginx+mods peer)
nginx_proxy() {
  local http="" server="" location log=off
  location=$(nginx_forward_headers)
  if [ -n "${3:-}" ]; then
    http="include $3/nginx-mods-http.conf;"
    server="include $3/nginx-mods-server.conf;"
    location="include $3/nginx-mods-location.conf;"
    log=$(cat "$3/nginx-mods-access-log")
  fi
  cat > "$WORK/$1.conf" <<NGX
worker_processes 1;
pid $WORK/$1.pid;
error_log $WORK/logs/$1-error.log;
events { worker_connections 4096; }
http {
  $http
  access_log $log;
  keepalive_requests 1000000;
  upstream backend { server 127.0.0.1:$BACKEND_PORT; keepalive 64; }
  server {
    listen 127.0.0.1:$2;
    $server
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      $location
    }
  }
}
NGX
  nginx -c "$WORK/$1.conf" || fail "nginx ($1) did not start" "$WORK/logs/$1-error.log"
}
nginx_proxy nginx-proxy "$NGINX_PORT"
declare -A JPID
# nginx_worker NAME: the pid of that nginx's one worker process, whose CPU per request the run reports
nginx_worker() {
  local i
  for i in $(seq 1 50); do
    JPID[$1]=$(pgrep -P "$(cat "$WORK/$2.pid" 2>/dev/null || echo 0)" | head -1 || true)
    [ -n "${JPID[$1]}" ] && return 0
    sleep 0.1
  done
  fail "nginx ($2) has no worker process"
}
nginx_worker nginx nginx-proxy
# nginx+mods: the peer of troupe+mods, configured to do what BENCH_MODULES do there, in nginx's own terms
# (bench/mods-conf.sh writes both): mod_block's rules as prefix locations, map and geo lookups whose match closes
# the connection,
# mod_header's headers as proxy_set_header and add_header, mod_access's log as a buffered access_log
if [ -n "$BENCH_MODULES" ] && [ -z "$ONLY_TROUPE" ]; then
  mkdir -p "$WORK/nginx-mods"
  write_bench_nginx_mods "$WORK/nginx-mods" "$BENCH_MODULES" "$WORK/logs/nginx-access.log"
  nginx_proxy nginx-mods "$NGINX_MODS_PORT" "$WORK/nginx-mods"
  nginx_worker nginx+mods nginx-mods
fi

# ---- HAProxy, one thread, connection reuse
cat > "$WORK/haproxy.cfg" <<HAP
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  option forwardfor
  http-reuse always
frontend fe
  bind 127.0.0.1:$HAPROXY_PORT
  http-request set-header X-Real-IP %[src]
  http-request set-header X-Forwarded-Proto http
  default_backend be
backend be
  server s1 127.0.0.1:$BACKEND_PORT
HAP
# started in the background, so its own check first: a refused config fails here with HAProxy's own words
haproxy -c -f "$WORK/haproxy.cfg" > "$WORK/logs/haproxy-check.log" 2>&1 \
  || fail "HAProxy refused $WORK/haproxy.cfg:" "$WORK/logs/haproxy-check.log"
haproxy -f "$WORK/haproxy.cfg" -q &
PIDS+=($!)
JPID[haproxy]=$!

# ---- Troupe proxy: one event loop, BFE routing files for one product and one cluster
mkdir -p "$WORK/conf/server_data_conf" "$WORK/conf/cluster_conf"
cat > "$WORK/conf/server_data_conf/host_rule.data" <<J
{"Version": "bench", "DefaultProduct": "bench", "Hosts": {"benchTag": ["127.0.0.1"]}, "HostTags": {"bench": ["benchTag"]}}
J
cat > "$WORK/conf/server_data_conf/route_rule.data" <<J
{"Version": "bench", "BasicRule": {"bench": [{"Path": ["*"], "ClusterName": "c_bench"}]}}
J
cat > "$WORK/conf/server_data_conf/cluster_conf.data" <<J
{"Version": "bench", "Config": {"c_bench": {"BackendConf": {"MaxIdleConnsPerHost": 64}}}}
J
cat > "$WORK/conf/cluster_conf/cluster_table.data" <<J
{"Version": "bench", "Config": {"c_bench": {"all": [{"Name": "b1", "Addr": "127.0.0.1", "Port": $BACKEND_PORT, "Weight": 1}]}}}
J
cat > "$WORK/conf/cluster_conf/gslb.data" <<J
{"Clusters": {"c_bench": {"all": 100}}, "Hostname": "", "Ts": "bench"}
J

# ---- "troupe+mods": the same routing files plus mod_block, mod_header and mod_access
MODS_CONF="$WORK/conf-mods"
cp -r "$WORK/conf" "$MODS_CONF"
write_bench_mods_conf "$MODS_CONF"
ACCESS_LOG="$WORK/logs/access.log"
# access_logs: the access log's files, the one being written and those mod_access rotated at an hour's end
# (RotateWhen = NEXTHOUR) during the runs
access_logs() {
  ls "$ACCESS_LOG" "$ACCESS_LOG".* 2>/dev/null || true
}

if [ -z "${TROUPE_CP:-}" ]; then
  # the README's build command: the reactor resolves the sibling modules from this checkout, nothing needs to be
  # in ~/.m2 first, and it leaves the distribution (cluster-node/target/troupe/lib) that bin/cluster-node runs
  echo "building with the README's command (mvn -q -B package -DskipTests) in $ROOT ..." >&2
  (cd "$ROOT" && mvn -q -B package -DskipTests >"$WORK/logs/mvn.log" 2>&1) \
    || fail "the build failed (mvn -q -B package -DskipTests in $ROOT); its last lines:" "$WORK/logs/mvn.log"
  LIB="$ROOT/cluster-node/target/troupe/lib"
  ls "$LIB"/proxy-actors-*.jar >/dev/null 2>&1 || fail "the build left no $LIB/proxy-actors-*.jar"
  # Troupe's own jars first, as bin/troupe-env.sh orders them: the first reference.conf on the classpath wins
  TROUPE_CP=$(ls "$LIB"/proxy-actors-*.jar "$LIB"/module-actors-*.jar "$LIB"/handler-api-*.jar | paste -sd: -)
  TROUPE_CP="$TROUPE_CP:$LIB/*"
fi
TROUPE_JAVA_OPTS=${TROUPE_JAVA_OPTS:-"-Xms512m -Xmx512m -Xmn400m -XX:+UseParallelGC -XX:+AlwaysPreTouch -Dio.netty.leakDetection.level=disabled"}
cat > "$WORK/logback.xml" <<X
<configuration><appender name="E" class="ch.qos.logback.core.ConsoleAppender"><target>System.err</target>
<encoder><pattern>%d %-5level %logger{24} - %msg%n</pattern></encoder></appender>
<root level="WARN"><appender-ref ref="E"/></root></configuration>
X
# start_troupe NAME PORT CONF_DIR MODULES: one proxy JVM, one event loop; returns once it listens
start_troupe() {
  local name=$1 port=$2 conf=$3 modules=$4 i=0 m mods opts=()
  if [ -n "$modules" ]; then
    IFS=',' read -ra mods <<< "$modules"
    for m in "${mods[@]}"; do opts+=("-Dtroupe.proxy.modules.$i=$m"); i=$((i+1)); done
  fi
  # the distribution's lib/ holds pekko-discovery 1.2.1 beside Pekko 1.7.0: turned off as the node does
  # (docs/architecture.md)
  # shellcheck disable=SC2086
  "$JAVA" "${JAVA_COMPAT[@]}" $TROUPE_JAVA_OPTS -Dlogback.configurationFile="$WORK/logback.xml" -Dpekko.fail-mixed-versions=off \
    -Dtroupe.proxy.bind=127.0.0.1 -Dtroupe.proxy.https-port=-1 -Dtroupe.proxy.event-loops=1 "${opts[@]}" \
    -cp "$TROUPE_CP" io.troupe.proxy.ProxyMain --conf "$conf" --http-port "$port" \
    > "$WORK/logs/$name.out" 2> "$WORK/logs/$name.err" &
  PIDS+=($!)
  JPID[$name]=$!
  for _ in $(seq 1 120); do
    grep -q PROXY_HTTP_PORT "$WORK/logs/$name.out" 2>/dev/null && break
    kill -0 "${JPID[$name]}" 2>/dev/null || break # it exited: no use waiting
    sleep 0.5
  done
  if ! grep -q PROXY_HTTP_PORT "$WORK/logs/$name.out"; then
    fail "Troupe proxy ($name) did not start (exited, or no PROXY_HTTP_PORT within 60 s); its stderr:" "$WORK/logs/$name.err"
  fi
}
start_troupe troupe "$TROUPE_PORT" "$WORK/conf" "${TROUPE_MODULES:-}"
[ -n "$BENCH_MODULES" ] && start_troupe troupe+mods "$TROUPE_MODS_PORT" "$MODS_CONF" "$BENCH_MODULES"

check() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/index.html" || true)
  [ "$code" = 200 ] || fail "$2 on port $1 answered '$code', not 200"
}
# check_mods PORT NAME: the modules of BENCH_MODULES are live in that proxy
check_mods() {
  local code
  if [[ ",$BENCH_MODULES," == *,mod_header,* ]]; then
    curl -s -D - -o /dev/null "http://127.0.0.1:$1/index.html" | grep -qi '^X-Proxied-By: troupe' \
      || fail "$2: mod_header's X-Proxied-By (or nginx's add_header of it) is missing from the response"
  fi
  if [[ ",$BENCH_MODULES," == *,mod_block,* ]]; then
    # a request that rule-1 matches gets its connection closed, no answer
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Block-Token: bad-1' "http://127.0.0.1:$1/index.html" || true)
    [ "$code" = 000 ] || fail "$2: the block rule rule-1 did not close the connection ('$code')"
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/admin/48/x" || true)
    [ "$code" = 000 ] || fail "$2: the block rule rule-48 (path prefix /admin/48) did not close the connection ('$code')"
    code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "http://127.0.0.1:$1/api/v7/x" || true)
    [ "$code" = 000 ] || fail "$2: the block rule rule-7 (PUT under /api/v7/) did not close the connection ('$code')"
    if [ "$2" = nginx+mods ]; then # the translation's own check (troupe+mods's log would count the 404 as bad)
      code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/api/v7/x" || true)
      [ "$code" = 404 ] || fail "$2: GET /api/v7/x should pass rule-7 and get the backend's 404, not '$code'"
    fi
  fi
}
# the checks' own requests that reach troupe+mods's access log
CHECKS=0
if [ -z "$ONLY_TROUPE" ]; then
  check "$NGINX_PORT" nginx
  check "$HAPROXY_PORT" haproxy
  if [ -n "$BENCH_MODULES" ]; then check "$NGINX_MODS_PORT" nginx+mods; check_mods "$NGINX_MODS_PORT" nginx+mods; fi
fi
check "$TROUPE_PORT" troupe
if [ -n "$BENCH_MODULES" ]; then
  check "$TROUPE_MODS_PORT" troupe+mods
  check_mods "$TROUPE_MODS_PORT" troupe+mods
  CHECKS=1
  if [[ ",$BENCH_MODULES," == *,mod_header,* ]]; then CHECKS=2; fi
fi

declare -A REQS ERRS ALLOCS RPS_ALL P99_ALL CPU_ALL
# allocation per request (ALLOC=1): JFR's jdk.ThreadAllocationStatistics, taken when a recording starts and when
# it stops, give every thread's allocated bytes exactly; their growth over the run, over its requests
cat > "$WORK/alloc.jfc" <<JFC
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0">
  <event name="jdk.ThreadAllocationStatistics"><setting name="enabled">true</setting><setting name="period">everyChunk</setting></event>
</configuration>
JFC
alloc_bytes() { # alloc_bytes JFR_FILE: bytes all threads allocated between the recording's start and stop
  "$JFR" print --json --events jdk.ThreadAllocationStatistics "$1" | awk '
    /"allocated":/ { a = $2; gsub(/[^0-9]/, "", a) }
    /"javaThreadId":/ { t = $2; gsub(/[^0-9]/, "", t)
      if (!(t in lo) || a + 0 < lo[t]) lo[t] = a + 0
      if (a + 0 > hi[t]) hi[t] = a + 0 }
    END { for (t in hi) s += hi[t] - lo[t]; printf "%.0f", s }'
}
cpu_ticks() { # user + system time of a process (all threads), in clock ticks
  awk '{print $14 + $15}' "/proc/$1/stat"
}
user_ticks() { # user time alone: the share the proxy's own code changes, less moved by the kernel's contention
  awk '{print $14}' "/proc/$1/stat"
}
loop_ticks() { # user + system time of the event loop threads alone (no JIT compiler, GC or actor threads)
  local t s=0
  for t in /proc/"$1"/task/*; do
    case $(cat "$t/comm" 2>/dev/null) in
      *EventLoop*) s=$((s + $(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0))) ;;
    esac
  done
  echo "$s"
}
jit_ticks() { # user + system time of the JIT compiler threads: code compiled again during a measured run
  local t s=0
  for t in /proc/"$1"/task/*; do
    case $(cat "$t/comm" 2>/dev/null) in
      C1\ CompilerThre*|C2\ CompilerThre*) s=$((s + $(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0))) ;;
    esac
  done
  echo "$s"
}
run() {
  local name=$1 port=$2 pid=${JPID[$1]:-} warm out t0=0 t1=0 u0=0 u1=0 l0=0 l1=0 j0=0 j1=0
  local i
  warm=""
  for i in $(seq "$WARMUP_RUNS"); do
    warm+=$(wrk -t1 -c"$CONNECTIONS" -d"$WARMUP" "http://127.0.0.1:$port/index.html")$'\n'
  done
  if [ -n "$pid" ] && [ -n "$ALLOC" ]; then
    "$JCMD" "$pid" JFR.start name=bench-alloc settings="$WORK/alloc.jfc" filename="$WORK/$name-alloc.jfr" >/dev/null \
      || fail "$name: jcmd could not start a JFR recording"
  fi
  # the options in quotes: jcmd would split them at '='
  if [ -n "$pid" ] && [ -n "$PROFILE" ]; then
    "$JCMD" "$pid" JVMTI.agent_load "$PROFILE" "\"start,event=cpu,interval=1ms\"" >/dev/null \
      || fail "$name: jcmd could not attach async-profiler ($PROFILE)"
  fi
  [ -n "$pid" ] && t0=$(cpu_ticks "$pid") && u0=$(user_ticks "$pid") && l0=$(loop_ticks "$pid") && j0=$(jit_ticks "$pid")
  out=$(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$port/index.html")
  [ -n "$pid" ] && t1=$(cpu_ticks "$pid") && u1=$(user_ticks "$pid") && l1=$(loop_ticks "$pid") && j1=$(jit_ticks "$pid")
  if [ -n "$pid" ] && [ -n "$PROFILE" ]; then
    local prof="$PROFILE_DIR/$name-round$round" # round: the main loop's, below
    "$JCMD" "$pid" JVMTI.agent_load "$PROFILE" "\"stop,collapsed,file=$prof.collapsed\"" >/dev/null \
      && [ -s "$prof.collapsed" ] || fail "$name: async-profiler wrote no profile to $prof.collapsed"
    echo "$out" > "$prof.wrk"
  fi
  ALLOCS[$name]=""
  if [ -n "$pid" ] && [ -n "$ALLOC" ]; then
    "$JCMD" "$pid" JFR.stop name=bench-alloc >/dev/null || fail "$name: jcmd could not stop its JFR recording"
    ALLOCS[$name]=$(echo "$out" | awk -v b="$(alloc_bytes "$WORK/$name-alloc.jfr")" \
        '/ requests in / {printf "   alloc/request %6.0f B", b / $1}')
  fi
  local errs rps p99
  errs=$(printf '%s\n%s\n' "$warm" "$out" | grep 'Non-2xx\|Socket errors' || true)
  if [ -n "$errs" ]; then
    echo "$name: errors during the run:" >&2; echo "$errs" >&2
    ERRS[$name]+="$errs"$'\n'
  fi
  # requests wrk saw complete, warm-up included ("123456 requests in 10.00s, ..."), over all rounds
  REQS[$name]=$(( ${REQS[$name]:-0} + $(printf '%s\n%s\n' "$warm" "$out" | awk '/ requests in / {n += $1} END {print n + 0}') ))
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  [ -n "$rps" ] && [ -n "$p99" ] || fail "$name: wrk printed no requests/s or p99: $out"
  RPS_ALL[$name]+=" $rps"
  P99_ALL[$name]+=" $(to_ms "$p99")"
  # CPU per request of the proxy JVM (all its threads) over the measured run: less noisy than requests/s
  # when other processes share the cores
  local user="" cpu=-
  if [ -n "$pid" ]; then
    cpu=$(echo "$out" | awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" \
        '/ requests in / {printf "%.1f", t * 1e6 / hz / $1}')
    CPU_ALL[$name]+=" $cpu"
  fi
  if [ -n "$pid" ] && [[ $name == troupe* ]]; then
    user=$(echo "$out" | awk -v u=$((u1 - u0)) -v l=$((l1 - l0)) -v j=$((j1 - j0)) -v hz="$(getconf CLK_TCK)" \
        '/ requests in / {printf " (user %.1f, event loop %.1f, jit %.1f)", u * 1e6 / hz / $1, l * 1e6 / hz / $1, j * 1e6 / hz / $1}')
  elif [ -n "$pid" ]; then
    user=$(echo "$out" | awk -v u=$((u1 - u0)) -v hz="$(getconf CLK_TCK)" \
        '/ requests in / {printf " (user %.1f)", u * 1e6 / hz / $1}')
  fi
  printf '%-12s requests/s %10s   p99 %8s   cpu/request %6s us%s%s\n' "$name" "$rps" "$p99" "$cpu" "$user" \
      "${ALLOCS[$name]}"
}
median() { # median of the numbers given
  printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'
}
# spread NUMBERS...: (largest - smallest) / median, in percent
spread() {
  printf '%s\n' "$@" | sort -g | awk -v m="$(median "$@")" '{a[NR] = $1} END {printf "%.0f", (m > 0 ? (a[NR] - a[1]) * 100 / m : 0)}'
}
# medians NAME: prints NAME's medians over the rounds (requests/s, p99 in ms, CPU) with the spread of its
# requests/s, and adds NAME to NOISY when that spread is over NOISY_SPREAD percent
NOISY=()
medians() {
  local spread_pct rps p99 cpu=-
  # shellcheck disable=SC2086 # the lists are space-separated numbers
  rps=$(median ${RPS_ALL[$1]}); p99=$(median ${P99_ALL[$1]})
  # shellcheck disable=SC2086
  [ -n "${CPU_ALL[$1]:-}" ] && cpu=$(median ${CPU_ALL[$1]})
  # shellcheck disable=SC2086
  spread_pct=$(spread ${RPS_ALL[$1]})
  [ "$spread_pct" -gt "$NOISY_SPREAD" ] && NOISY+=("$1 ($spread_pct %)")
  printf '%-12s requests/s %10.2f   p99 %6.2fms   cpu/request %6s us   (median of %d, spread %d %%)\n' "$1" "$rps" \
      "$p99" "$cpu" "$ROUNDS" "$spread_pct"
}
# steal_ticks: the CPU time this VM's host gave to others (the "steal" column of /proc/stat), and all CPU time
steal_ticks() {
  awk '/^cpu / {t = 0; for (i = 2; i <= NF; i++) t += $i; print $9, t}' /proc/stat
}

to_ms() { # wrk prints 850.00us, 1.23ms or 1.02s
  awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 }
                         else if (v ~ /ms$/) { sub(/ms$/, "", v); print v }
                         else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000 } }'
}

# verify_mods: nothing blocked, and one access-log line per request (the writer thread may still be flushing)
verify_mods() {
  local want=$(( ${REQS[troupe+mods]} + CHECKS )) lines=-1 prev=-2 slack=$(( (WARMUP_RUNS + 1) * ROUNDS * (CONNECTIONS + 1) )) bad abandoned
  if [ -n "${ERRS[troupe+mods]:-}" ]; then
    fail "troupe+mods: requests failed or were blocked (mod_block should block none): ${ERRS[troupe+mods]}"
  fi
  if [[ ",$BENCH_MODULES," == *,mod_access,* ]]; then
    local deadline=$((SECONDS + 20))
    while [ "$lines" != "$prev" ] && [ $SECONDS -lt $deadline ]; do
      prev=$lines; sleep 1
      lines=0
      [ -f "$ACCESS_LOG" ] && lines=$(access_logs | xargs cat | awk '/^REQUEST_LOG / {n++} END {print n + 0}')
    done
    # a 499 is a request wrk abandoned in flight when a run ended (nginx logs those as 499 too): at most
    # CONNECTIONS per wrk run; anything else but a 200 that mod_block let through is a failure
    # one pass over the logs (millions of lines) for both counts
    read -r bad abandoned < <(access_logs | xargs cat | awk '/^REQUEST_LOG / && !/ status: (200|499) .* block: -$/ {b++}
        /^REQUEST_LOG / && / status: 499 .* block: -$/ {a++} END {print b + 0, a + 0}')
    if [ "$bad" != 0 ]; then
      access_logs | xargs cat | awk '/^REQUEST_LOG / && !/ status: (200|499) .* block: -$/' | head -3 >&2
      fail "troupe+mods: $bad access log lines with a status other than 200 or a matched mod_block rule (above)"
    fi
    if [ "$abandoned" -gt "$slack" ]; then
      fail "troupe+mods: $abandoned access log lines with status 499, more than the $slack requests wrk can leave in flight"
    fi
    # wrk stops counting with up to CONNECTIONS requests in flight per wrk run; the proxy still logs those
    if [ "$lines" -lt "$want" ] || [ "$lines" -gt $((want + slack)) ]; then
      fail "troupe+mods: access log has $lines request lines for $want requests"
    fi
    echo "troupe+mods: $want requests (warm-up included), none blocked, non-2xx 0; access log $lines request lines" \
         "($abandoned of them 499: abandoned in flight when a wrk run ended)"
  else
    echo "troupe+mods: $want requests (warm-up included), none blocked, non-2xx 0"
  fi
}

echo "wrk -t1 -c$CONNECTIONS -d$DURATION (after $WARMUP_RUNS warm-up runs of $WARMUP each), backend: nginx 1 worker, $(nproc) cores," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg), Troupe on Java $("$JAVA" -XshowSettings:properties -version 2>&1 \
     | sed -n 's/^ *java.runtime.version = //p')"
# the proxies measured in turn, ROUNDS times, each Troupe proxy right after the nginx it is compared with: the
# machine's slow spells last about a minute, so runs next to each other mostly share one; the later of two runs on
# a loaded machine tends to get less: MODS_FIRST=1 measures the modules pair before the plain pair
ORDER=()
[ -z "$ONLY_TROUPE" ] && ORDER+=(haproxy)
PLAIN_PAIR=(troupe) MODS_PAIR=()
[ -z "$ONLY_TROUPE" ] && PLAIN_PAIR=(nginx troupe)
[ -n "$BENCH_MODULES" ] && MODS_PAIR=(troupe+mods)
[ -n "$BENCH_MODULES" ] && [ -z "$ONLY_TROUPE" ] && MODS_PAIR=(nginx+mods troupe+mods)
if [ -n "$MODS_FIRST" ]; then ORDER+=("${MODS_PAIR[@]}" "${PLAIN_PAIR[@]}"); else ORDER+=("${PLAIN_PAIR[@]}" "${MODS_PAIR[@]}"); fi
declare -A PORT=([nginx]=$NGINX_PORT [haproxy]=$HAPROXY_PORT [nginx+mods]=$NGINX_MODS_PORT [troupe]=$TROUPE_PORT
                 [troupe+mods]=$TROUPE_MODS_PORT)
read -r STEAL_START TICKS_START < <(steal_ticks)
for round in $(seq "$ROUNDS"); do
  [ "$ROUNDS" = 1 ] || echo "round $round of $ROUNDS"
  for name in "${ORDER[@]}"; do run "$name" "${PORT[$name]}"; done
done
# each proxy's medians over the rounds (with one round, the run's own figures, not printed again)
if [ "$ROUNDS" -gt 1 ]; then
  for name in "${ORDER[@]}"; do medians "$name"; done
fi
read -r STEAL_END TICKS_END < <(steal_ticks)
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg); CPU time stolen by the host during the runs" \
     "$(awk -v s=$((STEAL_END - STEAL_START)) -v t=$((TICKS_END - TICKS_START)) 'BEGIN {printf "%.1f", (t > 0 ? s * 100 / t : 0)}') %;" \
     "troupe+mods modules: ${BENCH_MODULES:-none}"
if [ "${#NOISY[@]}" -gt 0 ] && [ "$ROUNDS" -gt 1 ]; then
  # one proxy's rounds disagreeing this much is the machine (or a short warm-up), not the proxy
  echo "NOTE: requests/s varied over the rounds by more than $NOISY_SPREAD % for: ${NOISY[*]}; the machine's other load" \
       "(steal counts only part of it) or too short a warm-up moved them, so the ratios below are uncertain: run it" \
       "again, or with more ROUNDS"
fi
[ -n "$BENCH_MODULES" ] && verify_mods
# paired LIST_A LIST_B: the per-round ratios a/b of two proxies' figures (RPS_ALL, P99_ALL or CPU_ALL lists)
paired() {
  awk -v a="$1" -v b="$2" 'BEGIN { n = split(a, x, " "); split(b, y, " ")
    for (i = 1; i <= n; i++) printf "%.4f\n", x[i] / y[i] }'
}
# ratio A B: the medians of A's per-round requests/s and p99 ratios to B's, and the requests/s ratio of each round
ratio() {
  local rounds
  rounds=$(paired "${RPS_ALL[$1]}" "${RPS_ALL[$2]}")
  # shellcheck disable=SC2046,SC2086 # one number a line
  echo "$(median $rounds) $(median $(paired "${P99_ALL[$1]}" "${P99_ALL[$2]}")) $(printf '%.2f ' $rounds)"
}
# the ratios last (medians of the per-round ratios): against HAProxy, modules against plain, then the issue's
# targets against nginx
if [ -z "$ONLY_TROUPE" ]; then
  read -r r p rounds < <(ratio troupe haproxy)
  printf 'troupe/haproxy         requests/s %.2f  p99 %.2f  (per round %s)\n' "$r" "$p" "$rounds"
fi
if [ -n "$BENCH_MODULES" ]; then
  read -r r p rounds < <(ratio troupe+mods troupe)
  # shellcheck disable=SC2046
  c=$(median $(paired "${CPU_ALL[troupe+mods]}" "${CPU_ALL[troupe]}"))
  printf 'ratio modules/plain    requests/s %.2f  p99 %.2f  cpu/request %.2f  (per round %s)\n' "$r" "$p" "$c" "$rounds"
fi
# vs_nginx NAME NGINX: requests/s and p99 against that nginx, and whether the targets (>= 1.0x, <= 1.5x) are met
vs_nginx() {
  local r p rounds
  read -r r p rounds < <(ratio "$1" "$2")
  awk -v name="$1/$2" -v r="$r" -v p="$p" -v rounds="$rounds" 'BEGIN {
    printf "%-22s requests/s %.2f  p99 %.2f  (targets >= 1.00, <= 1.50: %s; requests/s per round %s)\n", name, r, p,
           (r >= 1.0 && p <= 1.5) ? "met" : "missed", rounds }'
}
if [ -z "$ONLY_TROUPE" ]; then
  vs_nginx troupe nginx
  if [ -n "$BENCH_MODULES" ]; then vs_nginx troupe+mods nginx+mods; fi
fi
