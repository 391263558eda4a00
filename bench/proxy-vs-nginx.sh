#!/usr/bin/env bash
# Proxy benchmark: nginx (1 worker), HAProxy (1 thread) and the Troupe proxy (1 event loop), each in front of
# the same nginx backend on loopback, measured with wrk -t1 -c32 -d10s. Prints requests/s and p99 for each,
# then the ratios Troupe/nginx and Troupe/HAProxy as the last two lines.
#
# Usage: bench/proxy-vs-nginx.sh            (from the repository root; builds proxy-actors if needed)
# Env:   DURATION=10s CONNECTIONS=32 WARMUP=10s
#        TROUPE_CP=<classpath>              use this classpath instead of building one with Maven
#        TROUPE_JAVA_OPTS="..."             JVM flags for the Troupe proxy
#        TROUPE_MODULES=mod_a,mod_b         modules to enable in the Troupe proxy (troupe.proxy.modules)
# Needs: nginx, haproxy, wrk, java 17+ (Debian: apt-get install nginx-light haproxy wrk); only loopback is used.
set -euo pipefail

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
WARMUP=${WARMUP:-10s}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/troupe-bench.XXXXXX)
BACKEND_PORT=${BACKEND_PORT:-19080}
NGINX_PORT=${NGINX_PORT:-19081}
HAPROXY_PORT=${HAPROXY_PORT:-19082}
TROUPE_PORT=${TROUPE_PORT:-19083}
PIDS=()

need() {
  if ! command -v "$1" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$1" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "installing $2 ..." >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
    else
      echo "missing $1: install the Debian package $2" >&2
      exit 1
    fi
  fi
}
need nginx nginx-light
need haproxy haproxy
need wrk wrk
need java openjdk-17-jre-headless
export PATH="$PATH:/usr/sbin"

cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  [ -f "$WORK/backend.pid" ] && kill "$(cat "$WORK/backend.pid")" 2>/dev/null || true
  [ -f "$WORK/nginx-proxy.pid" ] && kill "$(cat "$WORK/nginx-proxy.pid")" 2>/dev/null || true
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
nginx -c "$WORK/backend.conf"

# ---- nginx as the proxy, one worker, keep-alive upstream
cat > "$WORK/nginx-proxy.conf" <<NGX
worker_processes 1;
pid $WORK/nginx-proxy.pid;
error_log $WORK/logs/nginx-proxy-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  upstream backend { server 127.0.0.1:$BACKEND_PORT; keepalive 64; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    }
  }
}
NGX
nginx -c "$WORK/nginx-proxy.conf"

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
  default_backend be
backend be
  server s1 127.0.0.1:$BACKEND_PORT
HAP
haproxy -f "$WORK/haproxy.cfg" -q &
PIDS+=($!)

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

if [ -z "${TROUPE_CP:-}" ]; then
  echo "building proxy-actors and its classpath (mvn -o) ..." >&2
  (cd "$ROOT" && mvn -B -o -q -pl proxy-actors -am package -DskipTests >/dev/null)
  (cd "$ROOT" && mvn -B -o -q -pl proxy-actors dependency:build-classpath -Dmdep.outputFile="$WORK/cp.txt" \
      -Dmdep.includeScope=runtime >/dev/null)
  # the reactor's own modules come from this checkout, never from ~/.m2
  TROUPE_CP=$(tr ':' '\n' < "$WORK/cp.txt" | grep -v '/io/troupe/' | paste -sd: -)
  TROUPE_CP="$TROUPE_CP:$ROOT/handler-api/target/classes:$ROOT/module-actors/target/classes:$ROOT/proxy-actors/target/classes"
fi
TROUPE_JAVA_OPTS=${TROUPE_JAVA_OPTS:-"-Xms512m -Xmx512m -Xmn400m -XX:+UseParallelGC -XX:+AlwaysPreTouch -Dio.netty.leakDetection.level=disabled"}
MODULE_OPTS=()
if [ -n "${TROUPE_MODULES:-}" ]; then
  i=0; IFS=',' read -ra mods <<< "$TROUPE_MODULES"
  for m in "${mods[@]}"; do MODULE_OPTS+=("-Dtroupe.proxy.modules.$i=$m"); i=$((i+1)); done
fi
cat > "$WORK/logback.xml" <<X
<configuration><appender name="E" class="ch.qos.logback.core.ConsoleAppender"><target>System.err</target>
<encoder><pattern>%d %-5level %logger{24} - %msg%n</pattern></encoder></appender>
<root level="WARN"><appender-ref ref="E"/></root></configuration>
X
# shellcheck disable=SC2086
java $TROUPE_JAVA_OPTS -Dlogback.configurationFile="$WORK/logback.xml" \
  -Dtroupe.proxy.bind=127.0.0.1 -Dtroupe.proxy.https-port=-1 -Dtroupe.proxy.event-loops=1 "${MODULE_OPTS[@]}" \
  -cp "$TROUPE_CP" io.troupe.proxy.ProxyMain --conf "$WORK/conf" --http-port "$TROUPE_PORT" \
  > "$WORK/logs/troupe.out" 2> "$WORK/logs/troupe.err" &
PIDS+=($!)
for _ in $(seq 1 120); do
  grep -q PROXY_HTTP_PORT "$WORK/logs/troupe.out" 2>/dev/null && break
  sleep 0.5
done
if ! grep -q PROXY_HTTP_PORT "$WORK/logs/troupe.out"; then
  echo "Troupe proxy did not start:" >&2; cat "$WORK/logs/troupe.err" >&2; exit 1
fi

check() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/index.html" || true)
  [ "$code" = 200 ] || { echo "$2 on port $1 answered '$code', not 200" >&2; exit 1; }
}
check "$NGINX_PORT" nginx
check "$HAPROXY_PORT" haproxy
check "$TROUPE_PORT" troupe

declare -A RPS P99
run() {
  local name=$1 port=$2 out
  wrk -t1 -c"$CONNECTIONS" -d"$WARMUP" "http://127.0.0.1:$port/index.html" >/dev/null
  out=$(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$port/index.html")
  if echo "$out" | grep -q 'Non-2xx\|Socket errors'; then
    echo "$name: errors during the run:" >&2; echo "$out" | grep 'Non-2xx\|Socket errors' >&2
  fi
  RPS[$name]=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  P99[$name]=$(echo "$out" | awk '$1 == "99%" {print $2}')
  printf '%-8s requests/s %10s   p99 %8s\n' "$name" "${RPS[$name]}" "${P99[$name]}"
}

to_ms() { # wrk prints 850.00us, 1.23ms or 1.02s
  awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 }
                         else if (v ~ /ms$/) { sub(/ms$/, "", v); print v }
                         else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000 } }'
}

echo "wrk -t1 -c$CONNECTIONS -d$DURATION (after $WARMUP warm-up each), backend: nginx 1 worker, $(nproc) cores"
run nginx "$NGINX_PORT"
run haproxy "$HAPROXY_PORT"
run troupe "$TROUPE_PORT"
awk -v t="${RPS[troupe]}" -v n="${RPS[nginx]}" -v h="${RPS[haproxy]}" \
    -v tp="$(to_ms "${P99[troupe]}")" -v np="$(to_ms "${P99[nginx]}")" -v hp="$(to_ms "${P99[haproxy]}")" 'BEGIN {
  printf "troupe/nginx   requests/s %.2f  p99 %.2f\n", t / n, tp / np
  printf "troupe/haproxy requests/s %.2f  p99 %.2f\n", t / h, tp / hp }'
