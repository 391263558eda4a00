#!/usr/bin/env bash
# Benchmark (not a test): what booster-exec adds to one trivial sub-work, and the throughput of a work of
# many such sub-works, on a one-worker cluster on loopback (or --embedded: the booster's in-process worker).
#
#   bench/booster-overhead.sh [--embedded] [--runs N] [--subworks N] [--warmup N]
#   (it builds Troupe with the README's command when the distribution is missing)
#
# --warmup N (default 300; cluster only): one work of N sub-works is run through the fresh worker node first,
# because a real cluster node is long-running and its JIT is warm; 0 measures a cold node. The booster JVM is
# always fresh, as in a real build.
#
# Prints medians side by side, then ratio lines last. Target: added latency <= 5 ms per sub-work.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs=50
subworks=1000
warmup=300
embedded=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --embedded) embedded=1 ;;
    --runs) runs="$2"; shift ;;
    --subworks) subworks="$2"; shift ;;
    --warmup) warmup="$2"; shift ;;
    *) echo "usage: $0 [--embedded] [--runs N] [--subworks N] [--warmup N]" >&2; exit 2 ;;
  esac
  shift
done
(( runs >= 30 )) || { echo "--runs must be at least 30" >&2; exit 2; }

booster="$repo/bin/booster"
node="$repo/bin/cluster-node"
dist="$repo/cluster-node/target/troupe"
if [[ ! -d "$dist/lib" ]]; then
  echo "building Troupe (the README's command: mvn -q package -DskipTests)" >&2
  (cd "$repo" && mvn -q package -DskipTests)
fi
if [[ ! -x "$dist/bin/booster-exec" ]] || [[ "$(head -c 4 "$dist/bin/booster-exec" | od -An -c | tr -d ' ')" != '177ELF' ]]; then
  echo "note: no native booster-exec in $dist/bin (no C compiler at build time); measuring the Java fallback" >&2
fi

work="$(mktemp -d /tmp/troupe-bench.XXXXXX)"
node_pid=""
cleanup() {
  if [[ -n "$node_pid" ]]; then kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { # first port from $1 that nobody listens on
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

cluster_args=()
if (( embedded == 0 )); then
  port=$(free_port 17355)
  admin=$(free_port 18421)
  "$node" --roles worker --port "$port" --admin "127.0.0.1:$admin" >"$work/node.log" 2>&1 &
  node_pid=$!
  for _ in $(seq 120); do
    if curl -fsS "http://127.0.0.1:$admin/health/ready" >/dev/null 2>&1; then break; fi
    kill -0 "$node_pid" 2>/dev/null || { echo "worker node died:" >&2; cat "$work/node.log" >&2; exit 1; }
    sleep 0.5
  done
  curl -fsS "http://127.0.0.1:$admin/health/ready" >/dev/null || { echo "worker node not ready" >&2; cat "$work/node.log" >&2; exit 1; }
  cluster_args=(--cluster "127.0.0.1:$port")
  where="one-worker cluster node on 127.0.0.1:$port, warmed with $warmup sub-works"
else
  where="embedded worker"
  warmup=0
fi

cat >"$work/rules.json" <<'JSON'
{"hooks":[{"src_command":"true","target_command":"booster-exec $SRC_CMD"}]}
JSON

# Runs inside the work: PATH starts with the shim dir. "true" is a shell builtin, so the shim is called by path.
cat >"$work/latency.sh" <<'SH'
real_true="$(PATH="${PATH#*:}" type -P true)"
for _ in $(seq "$RUNS"); do t0=$EPOCHREALTIME; "$real_true"; t1=$EPOCHREALTIME; echo "direct $t0 $t1"; done
for _ in $(seq "$RUNS"); do t0=$EPOCHREALTIME; "$TROUPE_SHIM_DIR/true"; t1=$EPOCHREALTIME; echo "boosted $t0 $t1"; done
SH
# xargs execs "true" through PATH, so here the shim is found like any build tool would find it.
cat >"$work/throughput.sh" <<'SH'
t0=$EPOCHREALTIME; seq "$SUBWORKS" | xargs -P "$1" -n 1 true; t1=$EPOCHREALTIME
echo "wall $t0 $t1"
SH

export RUNS="$runs" SUBWORKS="$subworks" TROUPE_BOOSTER_QUIET=1
if (( warmup > 0 )); then
  SUBWORKS="$warmup" "$booster" -bt echo -p bench --hook --hook_mode shims --hook_config "$work/rules.json" "${cluster_args[@]}" \
    -a "bash $work/throughput.sh @BK_JOBS" >"$work/warmup.out" 2>"$work/warmup.err" \
    || { echo "warm-up run failed:" >&2; cat "$work/warmup.err" >&2; exit 1; }
fi
"$booster" -bt echo -p bench --hook --hook_mode shims --hook_config "$work/rules.json" "${cluster_args[@]}" \
  --stats_json "$work/latency.json" -a "bash $work/latency.sh" >"$work/latency.out" 2>"$work/latency.err" \
  || { echo "booster run failed:" >&2; cat "$work/latency.err" >&2; exit 1; }
"$booster" -bt echo -p bench --hook --hook_mode shims --hook_config "$work/rules.json" "${cluster_args[@]}" \
  -a "bash $work/throughput.sh @BK_JOBS; echo jobs @BK_JOBS" >"$work/boosted.out" 2>"$work/boosted.err" \
  || { echo "booster run failed:" >&2; cat "$work/boosted.err" >&2; exit 1; }
jobs=$(awk '/^jobs /{print $2}' "$work/boosted.out")
bash "$work/throughput.sh" "$jobs" >"$work/local.out"

median_ms() { # $1 = label in latency.out
  awk -v l="$1" '$1==l {printf "%.4f\n", ($3-$2)*1000}' "$work/latency.out" | sort -n \
    | awk '{v[NR]=$1} END {if (NR%2) printf "%.2f", v[(NR+1)/2]; else printf "%.2f", (v[NR/2]+v[NR/2+1])/2}'
}
stat_median() { # $1 = field of the booster's --stats_json sub-works, in ms
  awk -v f="\"$1\"" '$1==f {gsub(",", "", $3); print $3}' "$work/latency.json" | sort -n \
    | awk '{v[NR]=$1} END {if (NR == 0) print "?"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'
}
wall_s() { awk '$1=="wall" {printf "%.3f", $3-$2}' "$1"; }

direct=$(median_ms direct)
boosted=$(median_ms boosted)
added=$(awk -v a="$boosted" -v b="$direct" 'BEGIN{printf "%.2f", a-b}')
local_wall=$(wall_s "$work/local.out")
boosted_wall=$(wall_s "$work/boosted.out")
local_rate=$(awk -v n="$subworks" -v w="$local_wall" 'BEGIN{printf "%.0f", n/w}')
boosted_rate=$(awk -v n="$subworks" -v w="$boosted_wall" 'BEGIN{printf "%.0f", n/w}')

echo "booster overhead on $(nproc) cores, $where, $runs runs each"
printf '%-34s %10s %10s\n' "" "direct" "booster"
printf '%-34s %8s ms %8s ms\n' "median wall time of 'true'" "$direct" "$boosted"
printf '%-34s %8s s  %8s s\n' "$subworks sub-works, xargs -P $jobs" "$local_wall" "$boosted_wall"
printf '%-34s %8s/s %8s/s\n' "throughput" "$local_rate" "$boosted_rate"
echo "inside the booster (--stats_json medians, ms resolution): pre $(stat_median pre_ms) ms," \
  "send $(stat_median send_ms) ms, remote $(stat_median remote_ms) ms, post $(stat_median post_ms) ms, sub-work total $(stat_median total_ms) ms;" \
  "the rest is booster-exec, the socket and the gateway"
echo "added latency per sub-work: $added ms (target <= 5 ms)"
echo "ratio latency booster/direct: $(awk -v a="$boosted" -v b="$direct" 'BEGIN{printf "%.1f", a/b}')x"
echo "ratio throughput booster/direct: $(awk -v a="$boosted_rate" -v b="$local_rate" 'BEGIN{printf "%.2f", a/b}')"
