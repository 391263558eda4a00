#!/usr/bin/env bash
# Soak (not a test): one cluster node with roles worker and proxy, loaded for --minutes N (default 10) with
#   - booster works in a loop against it (`bin/booster -bt echo --hook --no_local --no_controller --cluster ...`, 40 hooked
#     `true`s each, all run on the node's worker),
#   - proxy traffic: wrk through the node's proxy to an nginx backend on loopback, in 10 s segments, paced
#     by a Lua delay() to about --rps requests/s (default 400) so the machine is not saturated,
#   - a reload every 5 s: /reload/server_data_conf (its host_rule.data gets a new Version each time) and
#     /reload/gslb_data_conf, on the node's admin API.
# It prints the node's heap and metaspace after a full GC, its threads and open fds, and the failed requests,
# at the start and at the end, and exits 1 when any of them grew by more than 10 %, or when a booster work
# or a reload failed.
#
#   bench/soak.sh [--minutes N] [--rps N] [--keep]
#   (it builds Troupe with the README's command when the distribution is missing, and installs nginx, wrk
#   and curl from Debian when missing)
#
# Noise: "start" is sampled after a warm-up (a fifth of the run, at most 60 s, at least 10 s) with all the load
# running, so class loading, JIT, thread pools and pooled connections have settled; "end" is sampled with the
# load still running. Each sample is three readings 1 s apart and the lowest counts: a leak raises the floor,
# while garbage allocated between GC.run and GC.heap_info, a request's momentary thread or socket does not.
# On a heap failure it prints the classes whose live bytes grew most (GC.class_histogram at both samples).
# Failed requests compare the failure rate of the first 10 s wrk segment after the warm-up with the last one;
# from a start of 0, any failed request at the end fails the soak.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
minutes=10
rps=400
keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --minutes) minutes="$2"; shift ;;
    --rps) rps="$2"; shift ;;
    --keep) keep=1 ;;
    *) echo "usage: $0 [--minutes N] [--rps N] [--keep]" >&2; exit 2 ;;
  esac
  shift
done
[[ "$minutes" =~ ^[1-9][0-9]*$ ]] || { echo "--minutes must be a positive integer, got '$minutes'" >&2; exit 2; }
[[ "$rps" =~ ^[1-9][0-9]*$ ]] || { echo "--rps must be a positive integer, got '$rps'" >&2; exit 2; }

# --- what a fresh machine lacks -----------------------------------------------------------------------------
export PATH="$PATH:/usr/sbin"
need=()
command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v curl >/dev/null 2>&1 || need+=(curl)
# shellcheck source=bench/setup.sh
. "$repo/bench/setup.sh"
install_packages "${need[@]}"
command -v jcmd >/dev/null 2>&1 || { echo "jcmd is missing: a JDK 17 (not a JRE) must be on PATH" >&2; exit 1; }

build_troupe

work="$(mktemp -d /tmp/troupe-soak.XXXXXX)"
pids=()
node_pid=""
cleanup() {
  touch "$work/stop"
  # the loops' current booster, wrk or curl first, then the loops themselves
  for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [[ -f "$work/backend.pid" ]] && kill "$(cat "$work/backend.pid")" 2>/dev/null || true
  if [[ -n "$node_pid" ]]; then kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; fi
  if (( keep )); then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

# shellcheck source=bench/workers.sh
. "$repo/bench/workers.sh" # free_port
backend_port=$(free_port 19180)
proxy_port=$(free_port 19190)
port=$(free_port 17655)
admin=$(free_port 18721)

# --- backend: nginx on loopback, one worker, a small page ----------------------------------------------------
mkdir -p "$work/www" "$work/logs"
chmod 755 "$work" "$work/www" # nginx workers started by root run as www-data
head -c 612 /dev/zero | tr '\0' 'x' >"$work/www/index.html"
chmod 644 "$work/www/index.html"
cat >"$work/backend.conf" <<NGX
worker_processes 1;
pid $work/backend.pid;
error_log $work/logs/backend-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$backend_port; root $work/www; }
}
NGX
nginx -c "$work/backend.conf" || { echo "nginx (backend) did not start; see $work/logs/backend-error.log" >&2; exit 1; }

# --- the node's conf: the repository's, with BFE routing files for one product to the backend ----------------
cp -r "$repo/conf" "$work/conf"
host_rule() { # $1 = Version
  cat >"$work/conf/server_data_conf/host_rule.data.tmp" <<J
{"Version": "$1", "DefaultProduct": "soak", "Hosts": {"soakTag": ["127.0.0.1"]}, "HostTags": {"soak": ["soakTag"]}}
J
  mv "$work/conf/server_data_conf/host_rule.data.tmp" "$work/conf/server_data_conf/host_rule.data"
}
host_rule soak-0
cat >"$work/conf/server_data_conf/route_rule.data" <<J
{"Version": "soak", "BasicRule": {"soak": [{"Path": ["*"], "ClusterName": "c_soak"}]}}
J
cat >"$work/conf/server_data_conf/cluster_conf.data" <<J
{"Version": "soak", "Config": {"c_soak": {"BackendConf": {"MaxIdleConnsPerHost": 16}}}}
J
cat >"$work/conf/cluster_conf/cluster_table.data" <<J
{"Version": "soak", "Config": {"c_soak": {"all": [{"Name": "b1", "Addr": "127.0.0.1", "Port": $backend_port, "Weight": 1}]}}}
J
cat >"$work/conf/cluster_conf/gslb.data" <<J
{"Clusters": {"c_soak": {"all": 100}}, "Hostname": "", "Ts": "soak"}
J
cat >>"$work/conf/cluster-node.conf" <<CONF

# bench/soak.sh
troupe.proxy { bind = "127.0.0.1", http-port = $proxy_port, https-port = -1 }
CONF

TROUPE_CONF="$work/conf" "$repo/bin/cluster-node" --roles worker,proxy --port "$port" --admin "127.0.0.1:$admin" \
  >"$work/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 240); do
  curl -fsS "http://127.0.0.1:$admin/health/ready" >/dev/null 2>&1 && break
  kill -0 "$node_pid" 2>/dev/null || { echo "node died:" >&2; tail -40 "$work/node.log" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$admin/health/ready" >/dev/null || { echo "node not ready after 120 s:" >&2; tail -40 "$work/node.log" >&2; exit 1; }
for _ in $(seq 60); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$proxy_port/index.html")" == 200 ]] && break
  sleep 0.5
done
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$proxy_port/index.html")
[[ "$code" == 200 ]] || { echo "the proxy on 127.0.0.1:$proxy_port answers $code, not 200:" >&2; tail -40 "$work/node.log" >&2; exit 1; }

duration=$((minutes * 60))
warmup=$((duration / 5))
(( warmup > 60 )) && warmup=60
(( warmup < 10 )) && warmup=10
t_start=$(date +%s)
t_end=$((t_start + duration))
stop="$work/stop" # the loops run until this file exists

# --- load 1: booster works in a loop ------------------------------------------------------------------------
cat >"$work/rules.json" <<'JSON'
{"hooks":[{"src_command":"true","target_command":"booster-exec $SRC_CMD"}]}
JSON
(
  n=0
  while [[ ! -e "$stop" ]]; do
    n=$((n + 1))
    rc=0
    # --no_local: every sub-work runs on the node's worker. Without it a loaded machine's booster runs its 40
    # instant sub-works locally before it has discovered the worker, and the node's worker side is not soaked.
    # --no_controller: every work joins the node's cluster and leaves it, so the soak covers that churn too.
    TROUPE_BOOSTER_QUIET=1 "$repo/bin/booster" -bt echo -p soak --hook --hook_mode shims --hook_config "$work/rules.json" \
      --no_local --no_controller --cluster "127.0.0.1:$port" -a "seq 40 | xargs -P @BK_JOBS -n 1 true" >"$work/work.out" 2>"$work/work.err" || rc=$?
    if (( rc == 0 )); then
      echo "ok $(date +%s) $(grep '^\[booster\] total' "$work/work.err" | tail -1)" >>"$work/works.log"
    else
      echo "failed $(date +%s) exit $rc" >>"$work/works.log"
      cp "$work/work.err" "$work/work-failed-$n.err"
    fi
  done
) &
pids+=($!)

# --- load 2: proxy traffic in 10 s wrk segments, paced ------------------------------------------------------
conns=8
delay_ms=$(( conns * 1000 / rps ))
(( delay_ms >= 1 )) || delay_ms=1
echo "function delay() return $delay_ms end" >"$work/pace.lua"
(
  i=0
  while [[ ! -e "$stop" ]]; do
    i=$((i + 1))
    wrk -t1 -c"$conns" -d10s -s "$work/pace.lua" "http://127.0.0.1:$proxy_port/index.html" >"$work/wrk-$i.out" 2>&1 || true
    echo "$(date +%s) $work/wrk-$i.out" >>"$work/segments.log"
  done
) &
pids+=($!)

# --- load 3: reloads every 5 s ------------------------------------------------------------------------------
(
  v=0
  while [[ ! -e "$stop" ]]; do
    sleep 5
    v=$((v + 1))
    host_rule "soak-$v"
    for name in server_data_conf gslb_data_conf; do
      answer=$(curl -s -m 20 "http://127.0.0.1:$admin/reload/$name" || echo "curl failed")
      if [[ "$answer" == *'"error":null'* ]]; then echo "ok $(date +%s) $name" >>"$work/reloads.log"
      else echo "failed $(date +%s) $name $answer" >>"$work/reloads.log"; fi
    done
  done
) &
pids+=($!)

# --- samples ------------------------------------------------------------------------------------------------
heap_kb() { # used heap and metaspace (KiB) after a full GC: "heap meta"
  jcmd "$node_pid" GC.run >/dev/null
  jcmd "$node_pid" GC.heap_info | awk '
    / total [0-9]+K, used [0-9]+K/ && !/Metaspace|class space/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i+1); sub("K,?", "", v); heap += v } }
    /Metaspace/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i+1); sub("K,?", "", v); meta = v } }
    END { print heap + 0, meta + 0 }'
}
sample() { # prints "heap_kb meta_kb threads fds": each the lowest of three readings 1 s apart
  local r
  for r in 1 2 3; do
    echo "$(heap_kb) $(ls "/proc/$node_pid/task" | wc -l) $(ls "/proc/$node_pid/fd" | wc -l)"
    [[ $r == 3 ]] || sleep 1
  done | awk 'NR == 1 || $1 < h { h = $1 } NR == 1 || $2 < m { m = $2 } NR == 1 || $3 < t { t = $3 } NR == 1 || $4 < f { f = $4 }
              END { print h, m, t, f }'
}
wait_until() { # $1 = epoch seconds; fails the soak if the node died meanwhile
  while (( $(date +%s) < $1 )); do
    kill -0 "$node_pid" 2>/dev/null || { echo "the node died during the soak:" >&2; tail -40 "$work/node.log" >&2; exit 1; }
    sleep 1
  done
}
wrk_failed() { # $1 = wrk output: "requests failed"
  awk '/requests in/ { r = $1 } /Non-2xx/ { f += $NF } /Socket errors/ { gsub(",", ""); f += $4 + $6 + $8 + $10 } END { print r + 0, f + 0 }' "$1"
}

wait_until $((t_start + warmup))
t_sample0=$(date +%s)
read -r heap0 meta0 threads0 fds0 < <(sample)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
# live objects per class (GC.class_histogram runs a full GC first): on a heap failure, what grew
jcmd "$node_pid" GC.class_histogram >"$work/histogram-start.txt" 2>&1 || true
wait_until "$t_end"
read -r heap1 meta1 threads1 fds1 < <(sample)
load1=$(cut -d' ' -f1-3 /proc/loadavg)
jcmd "$node_pid" GC.class_histogram >"$work/histogram-end.txt" 2>&1 || true
touch "$stop"
for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
pids=()

# the first wrk segment that started after the start sample, and the last complete one
first_seg=""; last_seg=""; total_req=0; total_failed=0
while read -r ended file; do
  read -r req failed < <(wrk_failed "$file")
  total_req=$((total_req + req)); total_failed=$((total_failed + failed))
  if [[ -z "$first_seg" ]] && (( ended - 10 >= t_sample0 - 1 )); then first_seg="$req $failed"; fi
  (( req > 0 )) && last_seg="$req $failed"
done <"$work/segments.log"
[[ -n "$first_seg" ]] || first_seg="$last_seg"
read -r req0 failed0 <<<"${first_seg:-0 0}"
read -r req1 failed1 <<<"${last_seg:-0 0}"
works_ok=$(grep -c '^ok ' "$work/works.log" 2>/dev/null || true)
works_failed=$(grep -c '^failed ' "$work/works.log" 2>/dev/null || true)
reloads_ok=$(grep -c '^ok ' "$work/reloads.log" 2>/dev/null || true)
reloads_failed=$(grep -c '^failed ' "$work/reloads.log" 2>/dev/null || true)
fallbacks=$(sed -n 's/.*local fallback \([0-9]*\).*/\1/p' "$work/works.log" | awk '{s += $1} END {print s + 0}')

verdict=ok
reasons=()
grew() { # $1 = name, $2 = start, $3 = end: 10 % rule
  local pct
  pct=$(awk -v a="$2" -v b="$3" 'BEGIN { if (a <= 0) print (b > 0 ? "inf" : "0.0"); else printf "%.1f", (b - a) * 100 / a }')
  printf '%-22s %12s %12s %8s %%\n' "$1" "$2" "$3" "$pct"
  if awk -v a="$2" -v b="$3" 'BEGIN { exit !(b > a * 1.10) }'; then verdict=FAIL; reasons+=("$1 grew $pct %"); fi
}
echo "soak of $minutes min on $(nproc) cores: one node (worker, proxy) on 127.0.0.1:$port, nginx backend on" \
  "127.0.0.1:$backend_port, warm-up $warmup s"
echo "load average at the start sample $load0, at the end sample $load1"
echo "booster works: $works_ok ok, $works_failed failed ($fallbacks sub-works fell back to local);" \
  "reloads: $reloads_ok ok, $reloads_failed failed; requests: $total_req, failed $total_failed"
printf '%-22s %12s %12s %8s\n' "" "start" "end" "growth"
grew "heap after GC (KiB)" "$heap0" "$heap1"
grew "metaspace (KiB)" "$meta0" "$meta1"
grew "threads" "$threads0" "$threads1"
grew "open fds" "$fds0" "$fds1"
# failed requests as a rate per million, so segments of different sizes compare
rate0=$(awk -v r="$req0" -v f="$failed0" 'BEGIN { printf "%.0f", (r > 0 ? f * 1e6 / r : 0) }')
rate1=$(awk -v r="$req1" -v f="$failed1" 'BEGIN { printf "%.0f", (r > 0 ? f * 1e6 / r : 0) }')
echo "failed requests, 10 s segment: start $failed0 of $req0, end $failed1 of $req1"
grew "failed per 1e6 req" "$rate0" "$rate1"
(( req1 > 0 )) || { verdict=FAIL; reasons+=("the last wrk segment served no request"); }
(( works_failed == 0 )) || { verdict=FAIL; reasons+=("$works_failed booster works failed (kept: work-failed-*.err)"); }
(( works_ok > 0 )) || { verdict=FAIL; reasons+=("no booster work completed"); }
(( reloads_failed == 0 )) || { verdict=FAIL; reasons+=("$reloads_failed reloads failed: $(grep -m1 '^failed' "$work/reloads.log")"); }
if [[ "$verdict" != ok ]]; then
  keep=1
  if [[ "${reasons[*]}" == *heap* ]]; then
    echo "classes whose live bytes grew most (GC.class_histogram, start -> end):"
    awk '$1 ~ /^[0-9]+:$/ { k = $4 (NF > 4 ? " " $5 : ""); if (FILENAME ~ /start/) { b0[k] = $3; n0[k] = $2 } else { b1[k] = $3; n1[k] = $2 } }
         END { for (k in b1) { d = b1[k] - b0[k]; if (d > 0) printf "%12d %10d %10d  %s\n", d, n0[k], n1[k], k } }' \
      "$work/histogram-start.txt" "$work/histogram-end.txt" | sort -rn | head -12 \
      | awk 'BEGIN { printf "  %12s %10s %10s  %s\n", "+bytes", "objects0", "objects1", "class" } { printf "  %s\n", $0 }'
  fi
  echo "soak: FAIL (${reasons[*]}); kept $work"
  exit 1
fi
echo "soak: ok, nothing grew by more than 10 %"
