# Sourced by the benchmarks that run nodes of their own on loopback.

# The first port from $1 that nobody listens on.
free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

# Waits (up to 120 s) until the node with admin port $1 is ready; else prints its log $2 and exits. With a pid $3,
# stops waiting as soon as that process has died.
wait_ready() {
  for _ in $(seq 240); do
    curl -fsS "http://127.0.0.1:$1/health/ready" >/dev/null 2>&1 && return 0
    if [[ -n "${3:-}" ]] && ! kill -0 "$3" 2>/dev/null; then
      echo "node on admin port $1 died:" >&2; cat "$2" >&2; exit 1
    fi
    sleep 0.5
  done
  echo "node on admin port $1 not ready after 120 s:" >&2; cat "$2" >&2; exit 1
}

# Starts two worker nodes of $repo/bin/cluster-node, the first on a free port from $2 (admin from $3), logs in $1,
# and waits until both are up in one cluster. Appends their pids to `pids` and sets them as `node_pids`; sets `p1`,
# the first one's port (the seed a booster's --cluster names). Optional: $4 and $5, each node's --conf directory,
# and $6, the logs' name ($1/<$6>1.log and 2.log; default node).
start_two_workers() {
  local dir=$1 a1 p2 a2 conf1=() conf2=() log=${6:-node}
  [[ -n "${4:-}" ]] && conf1=(--conf "$4")
  [[ -n "${5:-}" ]] && conf2=(--conf "$5")
  p1=$(free_port "$2"); a1=$(free_port "$3")
  "$repo/bin/cluster-node" "${conf1[@]}" --roles worker --port "$p1" --admin "127.0.0.1:$a1" >"$dir/${log}1.log" 2>&1 &
  pids+=($!); node_pids=($!)
  wait_ready "$a1" "$dir/${log}1.log" "${pids[-1]}"
  p2=$(free_port $((p1 + 1))); a2=$(free_port $((a1 + 1)))
  "$repo/bin/cluster-node" "${conf2[@]}" --roles worker --port "$p2" --admin "127.0.0.1:$a2" --seed "127.0.0.1:$p1" \
    >"$dir/${log}2.log" 2>&1 &
  pids+=($!); node_pids+=($!)
  wait_ready "$a2" "$dir/node2.log" "${pids[-1]}"
  for _ in $(seq 120); do
    [[ "$(curl -fsS "http://127.0.0.1:$a1/cluster/members" | grep -o '"Up"' | wc -l)" -ge 2 ]] && return 0
    sleep 0.5
  done
  echo "the two worker nodes did not join one cluster within 60 s" >&2; exit 1
}
