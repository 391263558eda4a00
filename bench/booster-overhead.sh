#!/usr/bin/env bash
# Benchmark (not a test): what booster-exec adds to one trivial sub-work, and the throughput of a work of
# many such sub-works, on a one-worker cluster on loopback (or --embedded: the booster's in-process worker),
# next to what distcc adds to one trivial compile against plain gcc, measured in the same run (distccd on
# loopback, timed in the same loop as the booster's sub-works), and the booster's start-up against the node.
#
#   bench/booster-overhead.sh [--embedded] [--no_controller] [--runs N] [--subworks N] [--warmup N] [--startup_runs N] [--sandbox on|off|per-process]
#   The boosters run through a controller, as bin/booster runs every --cluster work unless --no_controller
#   (docs/booster-execution.md, "Controller"): the warm-up's boosters start the controller, and the measured works
#   find it joined and warm, as builds do within --controller_remain_time of the last one; the "booster JVM" CPU is
#   then the controller's. The first booster, which starts the controller, is timed as a start-up run of its own
#   ("first build"). It runs under this run's temp dir and is stopped at the end. --no_controller: every booster
#   runs the work in its own JVM, joined for that work only (with --embedded there is never a controller).
#   --sandbox per-process is the default sandbox entered anew by every process (troupe.worker.sandbox.reuse = off,
#   instead of each slot's reused troupe-slot launcher); --sandbox off runs the worker's sub-works unconfined, as distccd runs its compiles (no setpriv, bubblewrap or
#   prlimit: troupe.worker.sandbox { user = root, allow-root = true, bubblewrap = off, limits = 0 }); the
#   default, on, is the product's default sandbox (docs/security.md)
#   (it builds Troupe with the README's command when the distribution is missing, and installs distcc and
#   gcc from Debian when missing)
#
# --warmup N (default 10000; cluster only): N sub-works are run through the fresh worker node first, in works of at
# most 1,000 (one booster each), because a real cluster node is long-running and its JIT is warm (its CPU per
# sub-work keeps falling until about 10,000: docs/performance.md); 0 measures a cold node. The booster JVM is
# always fresh, as in a real build.
#
# Start-up (cluster only; --startup_runs N booster runs, default 3, medians): from the moment `bin/booster` is
# started (taken by this script just before) to the work command's first line (`date +%s.%N`), and to the
# start of the first sub-work that runs on the worker node. The work command runs a hooked `stamp` (a
# script on the node's PATH that prints `date +%s.%N` and its directory) in a loop until one line comes from
# a worker sandbox. When the booster's --stats_json carries "command_started_ms" and "first_remote_ms", they
# are printed next to the outside view.
#
# Prints medians side by side, the CPU each sub-work of the throughput run cost (the booster's JVM, the worker
# node, the rest of the machine), then ratio lines, the last being added latency Troupe/distcc.
# Targets (docs/performance.md): Troupe's added latency <= 0.5 x distcc's, >= 600 sub-works/s, the work
# command within 0.5 s of `bin/booster`, the first remote sub-work within 2 s.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs=50
subworks=1000
warmup=10000
startup_runs=3
embedded=0
controller=(--controller)
sandbox=on
while [[ $# -gt 0 ]]; do
  case "$1" in
    --embedded) embedded=1 ;;
    --controller) controller=(--controller) ;;
    --no_controller) controller=(--no_controller) ;;
    --runs) runs="$2"; shift ;;
    --subworks) subworks="$2"; shift ;;
    --warmup) warmup="$2"; shift ;;
    --startup_runs) startup_runs="$2"; shift ;;
    --sandbox) sandbox="$2"; shift
      [[ "$sandbox" == on || "$sandbox" == off || "$sandbox" == per-process ]] \
        || { echo "--sandbox must be on, off or per-process, got '$sandbox'" >&2; exit 2; } ;;
    *) echo "usage: $0 [--embedded] [--no_controller] [--runs N] [--subworks N] [--warmup N] [--startup_runs N] [--sandbox on|off|per-process]" >&2; exit 2 ;;
  esac
  shift
done
(( embedded == 0 )) || controller=() # no cluster, no controller
for v in runs subworks warmup startup_runs; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || { echo "--$v must be a non-negative integer, got '${!v}'" >&2; exit 2; }
done
(( runs >= 30 )) || { echo "--runs must be at least 30" >&2; exit 2; }
(( subworks >= 1 )) || { echo "--subworks must be at least 1" >&2; exit 2; }

# --- what a fresh machine lacks (distcc for the comparison column, gcc for its trivial compile) -------------
need=()
{ command -v distcc && command -v distccd; } >/dev/null 2>&1 || need+=(distcc)
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v curl >/dev/null 2>&1 || need+=(curl)
# shellcheck source=bench/setup.sh
. "$repo/bench/setup.sh"
install_packages "${need[@]}"

booster="$repo/bin/booster"
node="$repo/bin/cluster-node"
build_troupe
if [[ ! -x "$dist/bin/booster-exec" ]] || [[ "$(head -c 4 "$dist/bin/booster-exec" | od -An -c | tr -d ' ')" != '177ELF' ]]; then
  echo "note: no native booster-exec in $dist/bin (no C compiler at build time); measuring the Java fallback" >&2
fi

# under /var/tmp, not /tmp: the worker sandbox gives sub-works their own /tmp, so a tool under the host's /tmp
# would not be seen there; 0755 so the sandbox user (nobody) reaches the tools and its sandbox
work="$(mktemp -d /var/tmp/troupe-bench.XXXXXX)"; chmod 755 "$work"
node_pid=""
distccd_pid=""
cleanup() {
  stop_controllers "$work/run"
  for p in $node_pid $distccd_pid; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/run"
export XDG_RUNTIME_DIR="$work/run" # this run's own controller, never a user's
# shellcheck source=bench/controller.sh
. "$repo/bench/controller.sh"

# shellcheck source=bench/workers.sh
. "$repo/bench/workers.sh" # free_port

# --- distcc: a trivial compile, plain gcc and through distccd on loopback -----------------------------------
dport=$(free_port 13732)
distccd --daemon --no-detach --allow 127.0.0.1 --listen 127.0.0.1 --port "$dport" --jobs 2 \
  --log-stderr $([[ "$(id -u)" -eq 0 ]] && echo --user nobody) 2>"$work/distccd.log" &
distccd_pid=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$dport") 2>/dev/null && break; sleep 0.1; done
(exec 3<>"/dev/tcp/127.0.0.1/$dport") 2>/dev/null || { echo "distccd did not listen on 127.0.0.1:$dport:" >&2; cat "$work/distccd.log" >&2; exit 1; }
mkdir -p "$work/trivial" "$work/distcc-home"
echo 'int trivial(int x) { return x + 1; }' >"$work/trivial/t.c"
# The compiles are timed inside the booster's latency work, interleaved with the 'true's, so both columns see
# the same load. DISTCC_FALLBACK=0: a compile distcc would quietly run locally fails instead.
export DISTCC_HOSTS="127.0.0.1:$dport/2" DISTCC_DIR="$work/distcc-home" DISTCC_FALLBACK=0 T_C="$work/trivial/t.c" T_O="$work/trivial/t.o"
# one of each first: page cache, gcc's own start-up, distccd's first fork
gcc -c "$T_C" -o "$T_O"
distcc gcc -c "$T_C" -o "$T_O" 2>"$work/distcc-first.err" \
  || { echo "distcc gcc failed against distccd on 127.0.0.1:$dport:" >&2; cat "$work/distcc-first.err" "$work/distccd.log" >&2; exit 1; }

# --- Troupe: a one-worker node (or the embedded worker) --------------------------------------------------------
# The node's conf: the repository's, plus `stamp` (the start-up probe) on its allowlist and its own sandbox root.
mkdir -p "$work/bin" "$work/sandbox"
cat >"$work/bin/stamp" <<'SH'
#!/bin/sh
echo "stamp $(date +%s.%N) $PWD"
SH
chmod 755 "$work/bin/stamp"
cp -r "$repo/conf" "$work/conf"
cat >>"$work/conf/cluster-node.conf" <<CONF

# bench/booster-overhead.sh
troupe.worker {
  allowlist = ["true", "stamp"]
  sandbox-root = "$work/sandbox"
}
CONF
if [[ "$sandbox" == off ]]; then
  cat >>"$work/conf/cluster-node.conf" <<'CONF'
troupe.worker.sandbox { user = root, allow-root = true, bubblewrap = off,
  limits { cpu-time = 0s, address-space = 0, file-size = 0, processes = 0 } }
CONF
elif [[ "$sandbox" == per-process ]]; then
  echo "troupe.worker.sandbox.reuse = off" >>"$work/conf/cluster-node.conf"
fi

cluster_args=()
if (( embedded == 0 )); then
  port=$(free_port 17355)
  admin=$(free_port 18421)
  PATH="$work/bin:$PATH" TROUPE_CONF="$work/conf" "$node" --roles worker --port "$port" --admin "127.0.0.1:$admin" >"$work/node.log" 2>&1 &
  node_pid=$!
  for _ in $(seq 120); do
    if curl -fsS "http://127.0.0.1:$admin/health/ready" >/dev/null 2>&1; then break; fi
    kill -0 "$node_pid" 2>/dev/null || { echo "worker node died:" >&2; cat "$work/node.log" >&2; exit 1; }
    sleep 0.5
  done
  curl -fsS "http://127.0.0.1:$admin/health/ready" >/dev/null || { echo "worker node not ready" >&2; cat "$work/node.log" >&2; exit 1; }
  cluster_args=("${controller[@]}" --cluster "127.0.0.1:$port")
  where="one-worker cluster node on 127.0.0.1:$port (sandbox $sandbox), warmed with $warmup sub-works"
else
  where="embedded worker"
  warmup=0
fi

cat >"$work/rules.json" <<'JSON'
{"hooks":[{"src_command":"true","target_command":"booster-exec $SRC_CMD"},
          {"src_command":"stamp","target_command":"booster-exec $SRC_CMD"}]}
JSON

# Runs inside the work: PATH starts with the shim dir. "true" is a shell builtin, so the shim is called by path.
# Round-robin: 'true' directly and through its shim, a trivial compile with gcc and with distcc.
cat >"$work/latency.sh" <<'SH'
real_true="$(PATH="${PATH#*:}" type -P true)"
for _ in $(seq "$RUNS"); do
  # in a new random order each round: whatever runs right before a measurement (its caches, an idle pause) is
  # as likely to help or hurt any of the four
  for m in $(printf '%s\n' direct boosted gcc distcc | shuf); do
    case "$m" in
      direct) t0=$EPOCHREALTIME; "$real_true"; t1=$EPOCHREALTIME ;;
      boosted) t0=$EPOCHREALTIME; "$TROUPE_SHIM_DIR/true"; t1=$EPOCHREALTIME ;;
      gcc) t0=$EPOCHREALTIME; gcc -c "$T_C" -o "$T_O" || exit 1; t1=$EPOCHREALTIME ;;
      distcc) t0=$EPOCHREALTIME; distcc gcc -c "$T_C" -o "$T_O" || exit 1; t1=$EPOCHREALTIME ;;
    esac
    echo "$m $t0 $t1"
  done
done
SH
# The start-up probe: the work command's first line is its start; then hooked `stamp`s, two at a time, until
# one comes from the worker's sandbox (at most 30 s).
cat >"$work/startup.sh" <<SH
export PATH="\$PATH:$work/bin"
end=\$((\$(date +%s) + 30))
while (( \$(date +%s) < end )); do
  out=\$( { stamp & stamp; wait; } )
  echo "\$out"
  case "\$out" in *" $work/sandbox/"*) break ;; esac
done
SH
# xargs execs "true" through PATH, so here the shim is found like any build tool would find it.
# Around it, CPU ticks: the booster's JVM (the nearest `java` ancestor; none when run directly), the worker
# node (NODE_PID) and the whole machine (/proc/stat: user, nice, system, irq, softirq).
cat >"$work/throughput.sh" <<'SH'
. "$CPU_TICKS_SH"
stat_field() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk -v f="$2" '{print $f}'; } # after "pid (comm) "
jvm=${BOOSTER_JVM_PID:-$$}
while [[ "$jvm" -gt 1 && "$(cat "/proc/$jvm/comm" 2>/dev/null)" != java ]]; do jvm=$(stat_field "$jvm" 2); done
ticks() { if [[ -n "$1" && "$1" -gt 1 ]]; then proc_ticks "$1"; else echo 0; fi; }
j0=$(ticks "$jvm"); n0=$(ticks "${NODE_PID:-}"); b0=$(machine_ticks)
t0=$EPOCHREALTIME; seq "$SUBWORKS" | xargs -P "$1" -n 1 true; t1=$EPOCHREALTIME
echo "wall $t0 $t1"
echo "cpu $(( $(ticks "$jvm") - j0 )) $(( $(ticks "${NODE_PID:-}") - n0 )) $(( $(machine_ticks) - b0 ))"
SH

# a number field of the work in startup$2.json, or "-" (absent, or null: an older booster, or no remote sub-work)
json_field() { local v; v=$(sed -n "s/.*\"$1\" : \([0-9][0-9]*\).*/\1/p" "$work/startup$2.json" | head -1); echo "${v:--}"; }
# one start-up run $2, its line labelled $1 in startup.out
startup_run() {
  local label=$1 r=$2 t0 cmd remote
  t0=$(date +%s.%N)
  "$booster" -bt echo -p bench --hook --hook_mode shims --hook_config "$work/rules.json" "${cluster_args[@]}" \
    --stats_json "$work/startup$r.json" -a "date +%s.%N; bash $work/startup.sh" >"$work/startup$r.out" 2>"$work/startup$r.err" \
    || { echo "booster start-up run $r failed:" >&2; cat "$work/startup$r.err" >&2; exit 1; }
  cmd=$(head -1 "$work/startup$r.out")
  # a worker slot's reused sandbox lives in .slots under the sandbox root (docs/security.md)
  remote=$(awk -v sb=" $work/sandbox/" '$1=="stamp" && index($0, sb) {print $2; exit}' "$work/startup$r.out")
  echo "$label $t0 $cmd ${remote:-none} $(json_field jvm_start_ms "$r") $(json_field command_started_ms "$r")" \
    "$(json_field first_remote_ms "$r")" >>"$work/startup.out"
}
: >"$work/startup.out"
export RUNS="$runs" SUBWORKS="$subworks" TROUPE_BOOSTER_QUIET=1 NODE_PID="$node_pid" CPU_TICKS_SH="$repo/bench/cpu-ticks.sh"
# the warm-up comes from several boosters, at most 1,000 sub-works each, as a node's would from several builds
if through_controller; then
  startup_run cold 0 # the first build starts the controller: measured apart, before it is warm
fi
left=$warmup
while (( left > 0 )); do
  SUBWORKS=$(( left < 1000 ? left : 1000 )) "$booster" -bt echo -p bench --hook --hook_mode shims --hook_config "$work/rules.json" "${cluster_args[@]}" \
    -a "bash $work/throughput.sh @BK_JOBS" >"$work/warmup.out" 2>"$work/warmup.err" \
    || { echo "warm-up run failed:" >&2; cat "$work/warmup.err" >&2; exit 1; }
  left=$(( left - 1000 ))
done
if through_controller; then
  await_controller_workers "$work/run" || { echo "the controller never knew a worker:" >&2; cat "$work"/run/troupe-controller-*/*.log >&2; exit 1; }
  BOOSTER_JVM_PID=$(controller_pid "$work/run") # the CPU of the booster's JVM is the controller's
  export BOOSTER_JVM_PID
  where="$where, through a warm controller"
fi
"$booster" -bt echo -p bench --hook --hook_mode shims --hook_config "$work/rules.json" "${cluster_args[@]}" \
  --stats_json "$work/latency.json" -a "bash $work/latency.sh" >"$work/latency.out" 2>"$work/latency.err" \
  || { echo "booster run failed:" >&2; cat "$work/latency.err" >&2; exit 1; }
"$booster" -bt echo -p bench --hook --hook_mode shims --hook_config "$work/rules.json" "${cluster_args[@]}" \
  -a "bash $work/throughput.sh @BK_JOBS; echo jobs @BK_JOBS" >"$work/boosted.out" 2>"$work/boosted.err" \
  || { echo "booster run failed:" >&2; cat "$work/boosted.err" >&2; exit 1; }
jobs=$(awk '/^jobs /{print $2}' "$work/boosted.out")
bash "$work/throughput.sh" "$jobs" >"$work/local.out"

# --- start-up against the running node ----------------------------------------------------------------------
if (( embedded == 0 )); then
  for r in $(seq "$startup_runs"); do
    startup_run startup "$r"
  done
fi

median_ms() { # $1 = label in latency.out
  awk -v l="$1" '$1==l {printf "%.4f\n", ($3-$2)*1000}' "$work/latency.out" | sort -n \
    | awk '{v[NR]=$1} END {if (NR%2) printf "%.2f", v[(NR+1)/2]; else printf "%.2f", (v[NR/2]+v[NR/2+1])/2}'
}
stat_median() { # $1 = field of the booster's --stats_json sub-works, in ms
  awk -v f="\"$1\"" '$1==f {gsub(",", "", $3); print $3}' "$work/latency.json" | sort -n \
    | awk '{v[NR]=$1} END {if (NR == 0) print "?"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'
}
wall_s() { awk '$1=="wall" {printf "%.3f", $3-$2}' "$1"; }
median() { sort -n | awk '{v[NR]=$1} END {if (NR == 0) print "?"; else if (NR%2) printf "%.2f", v[(NR+1)/2]; else printf "%.2f", (v[NR/2]+v[NR/2+1])/2}'; }
# start-up medians in seconds: $1 = awk expression over the startup.out fields
# (2 = booster started, 3 = command's first line, 4 = first remote stamp, 5 = jvm_start_ms, 6 = command_started_ms
# and 7 = first_remote_ms, both counted from the JVM's start)
startup_median() { awk "\$1==\"startup\" && $1 {print $2}" "$work/startup.out" | median; }

direct=$(median_ms direct)
boosted=$(median_ms boosted)
added=$(awk -v a="$boosted" -v b="$direct" 'BEGIN{printf "%.2f", a-b}')
gcc_ms=$(median_ms gcc)
distcc_ms=$(median_ms distcc)
distcc_added=$(awk -v a="$distcc_ms" -v b="$gcc_ms" 'BEGIN{printf "%.2f", a-b}')
to_command=$(startup_median '$3 != ""' '$3-$2')
to_remote=$(startup_median '$4 != "none"' '$4-$2')
no_remote=$(awk '$1=="startup" && $4=="none"' "$work/startup.out" | wc -l)
json_jvm=$(startup_median '$5 != "-"' '$5/1000-$2')
json_command=$(startup_median '$6 != "-"' '$6/1000')
json_remote=$(startup_median '$7 != "-"' '$7/1000')
local_wall=$(wall_s "$work/local.out")
boosted_wall=$(wall_s "$work/boosted.out")
local_rate=$(awk -v n="$subworks" -v w="$local_wall" 'BEGIN{printf "%.0f", n/w}')
boosted_rate=$(awk -v n="$subworks" -v w="$boosted_wall" 'BEGIN{printf "%.0f", n/w}')
# CPU per sub-work of the boosted run, in ms: the booster's JVM, the worker node, the rest of the machine
cpu_line=$(awk -v n="$subworks" -v w="$boosted_wall" -v hz="$(getconf CLK_TCK)" -v cores="$(nproc)" \
  -v node="$(( embedded == 0 ))" '$1=="cpu" {
    ms = 1000 / hz / n
    printf "booster JVM %.2f ms, %s%.2f ms everything else (booster-exec, xargs, the processes, the sandbox);", \
      $2 * ms, node ? sprintf("worker node %.2f ms, ", $3 * ms) : "", ($4 - $2 - $3) * ms
    printf " the %d cores were %.0f %% busy", cores, 100 * $4 / hz / w / cores }' "$work/boosted.out")

echo "booster overhead on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $where, $runs runs each;" \
  "distccd on 127.0.0.1:$dport"
printf '%-40s %10s %10s %10s\n' "" "direct" "distcc" "booster"
printf '%-40s %7s ms %7s ms %10s\n' "median wall time of a trivial gcc -c" "$gcc_ms" "$distcc_ms" "-"
printf '%-40s %7s ms %10s %7s ms\n' "median wall time of 'true'" "$direct" "-" "$boosted"
printf '%-40s %10s %7s ms %7s ms\n' "added latency (median - direct median)" "" "$distcc_added" "$added"
printf '%-40s %8s s  %10s %8s s\n' "$subworks sub-works, xargs -P $jobs" "$local_wall" "-" "$boosted_wall"
printf '%-40s %8s/s %10s %8s/s\n' "throughput" "$local_rate" "-" "$boosted_rate"
echo "CPU per sub-work in those $subworks: ${cpu_line:-not measured}"
if (( embedded == 0 )); then
  echo "start-up against the running node (median of $startup_runs booster runs, from \`bin/booster\` started):" \
    "work command $to_command s, first remote sub-work $to_remote s" \
    "(targets 0.5 s and 2 s)"
  (( no_remote == 0 )) || echo "warning: $no_remote of $startup_runs start-up runs saw no remote sub-work within 30 s"
  if through_controller; then
    echo "start-up of the first build, which started the controller: work command" \
      "$(awk '$1=="cold" && $3 != "" {printf "%.2f", $3-$2}' "$work/startup.out") s, first remote sub-work" \
      "$(awk '$1=="cold" && $4 != "none" {printf "%.2f", $4-$2}' "$work/startup.out") s"
    echo "start-up through the controller: its JVM started before these works (in the warm-up), so only the outside view counts"
  elif [[ "$json_command$json_remote" != "??" ]]; then
    echo "start-up in the booster's --stats_json: the JVM started $json_jvm s after \`bin/booster\`; from the JVM's start," \
      "command_started_ms $json_command s, first_remote_ms $json_remote s"
  else
    echo "start-up in the booster's --stats_json: no command_started_ms / first_remote_ms fields in this build"
  fi
fi
echo "inside the booster (--stats_json medians, ms resolution): pre $(stat_median pre_ms) ms," \
  "send $(stat_median send_ms) ms, remote $(stat_median remote_ms) ms (in the worker $(stat_median worker_ms) ms, of which its process" \
  "$(stat_median process_ms) ms), post $(stat_median post_ms) ms, sub-work total $(stat_median total_ms) ms;" \
  "the rest is booster-exec, the socket and the gateway"
echo "added latency per sub-work: $added ms; distcc's per trivial compile: $distcc_added ms (target: booster <= 0.5 x distcc)"
echo "ratio latency booster/direct: $(awk -v a="$boosted" -v b="$direct" 'BEGIN{printf "%.1f", a/b}')x"
echo "ratio throughput booster/direct: $(awk -v a="$boosted_rate" -v b="$local_rate" 'BEGIN{printf "%.2f", a/b}')"
echo "ratio added latency Troupe/distcc: $(awk -v a="$added" -v b="$distcc_added" 'BEGIN{ if (b+0 <= 0) print "?"; else printf "%.2f", a/b}')"
