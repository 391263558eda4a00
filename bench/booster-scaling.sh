#!/usr/bin/env bash
# Benchmark (not a test): how well the booster keeps a cluster's slots busy. Four worker nodes with 8 slots
# each on this machine (loopback), one work of 256 sub-works that each sleep 0.25 s: ideally 256 / 32 × 0.25 s
# = 2.0 s of wall time.
#
#   bench/booster-scaling.sh [--nodes N] [--slots N] [--subworks N] [--sleep S] [--jobs N|bk] [--warmup N] [--warmup_sleep S] [--no_controller] [--keep] [--sandbox on|off]
#   (--sandbox off: sub-works run unconfined, as distccd and icecream run theirs; on, the default, is the product's sandbox)
#   (it builds Troupe with the README's command when the distribution is missing)
#
# The hooked command is `tsleep` (on the nodes' PATH and their only allowlisted command), a small C program the
# script compiles that sleeps S seconds as `sleep` does and prints its start and end time and its sandbox directory; each node has its own
# sandbox root, so every line names the node that ran it. The work command is
# `seq N | xargs -P <jobs> -n 1 tsleep S`, timed inside the work: the booster JVM's start and cluster join
# are not counted (bench/booster-overhead.sh measures those). --jobs defaults to `bk`, the booster's @BK_JOBS
# (1.5 × the slots, TBS's factor), as `make -j@BK_JOBS` runs a build; `--jobs 32` runs exactly as many at once
# as there are slots, so every slot waits for the client to start its next sub-work.
#
# The boosters run through a controller, as bin/booster runs every --cluster work unless --no_controller
# (docs/booster-execution.md, "Controller"), so the warm-up's boosters start the controller and the measured work
# finds it joined, its JIT warm and the workers known, as an incremental build does within --controller_remain_time
# of the last one. The controller runs under this run's temp dir (XDG_RUNTIME_DIR) and is stopped at the end.
# --no_controller: every booster runs its work in its own JVM, joined for that work only.
# --warmup N (default 20000) and --warmup_sleep S (default 0.05): before the measured work, N sub-works of `tsleep S`
# run through the fresh nodes in works of at most 1,000 (one booster each, as many at once as the measured work),
# because real cluster nodes are long-running and their JIT is warm; 0 measures cold nodes. They have the measured
# sub-works' shape, every slot busy and more sub-works waiting for one, so the code that shape runs is the code that
# gets warm (`tsleep 0` left the nodes' JIT compiling for a whole second of the measured work), only shorter, so that
# each node runs the 5,000-odd sub-works C2 needs in about a minute (2,000 of 0.25 s, 500 a node, left C1's profiled
# code running and C2 compiling 0.6 s during the measured work). Then the script waits, up to 30 s, until the nodes'
# and the controller's JIT compilers have been idle for half a second, as a long-running node's are. The measured
# work's booster is always fresh, as in a real build.
#
# Prints the per-node counts, a timeline (sub-works running, averaged over each S-long bucket), where the CPU
# went during the measured work (the worker nodes and their JIT compiler threads, the controller, the rest), then
# the efficiency line LAST: ideal / actual wall time.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
nodes=4
slots=8
subworks=256
sleep_s=0.25
jobs=""
keep=0
sandbox=on
warmup=20000
warmup_sleep=0.05
controller=(--controller)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --nodes) nodes="$2"; shift ;;
    --slots) slots="$2"; shift ;;
    --subworks) subworks="$2"; shift ;;
    --sleep) sleep_s="$2"; shift ;;
    --jobs) jobs="$2"; shift ;;
    --warmup) warmup="$2"; shift ;;
    --warmup_sleep) warmup_sleep="$2"; shift ;;
    --controller) controller=(--controller) ;;
    --no_controller) controller=(--no_controller) ;;
    --keep) keep=1 ;;
    --sandbox) sandbox="$2"; shift
      [[ "$sandbox" == on || "$sandbox" == off ]] || { echo "--sandbox must be on or off, got '$sandbox'" >&2; exit 2; } ;;
    *) echo "usage: $0 [--nodes N] [--slots N] [--subworks N] [--sleep S] [--jobs N|bk] [--warmup N] [--warmup_sleep S] [--no_controller] [--keep] [--sandbox on|off]" >&2; exit 2 ;;
  esac
  shift
done
[[ "$nodes" =~ ^[1-9][0-9]*$ ]] || { echo "--nodes must be a positive integer, got '$nodes'" >&2; exit 2; }
[[ "$slots" =~ ^[1-9][0-9]*$ ]] || { echo "--slots must be a positive integer, got '$slots'" >&2; exit 2; }
[[ "$subworks" =~ ^[1-9][0-9]*$ ]] || { echo "--subworks must be a positive integer, got '$subworks'" >&2; exit 2; }
[[ "$warmup" =~ ^[0-9]+$ ]] || { echo "--warmup must be a number of sub-works, got '$warmup'" >&2; exit 2; }
[[ "$sleep_s" =~ ^[0-9]*\.?[0-9]+$ ]] || { echo "--sleep must be a number of seconds, got '$sleep_s'" >&2; exit 2; }
[[ "$warmup_sleep" =~ ^[0-9]*\.?[0-9]+$ ]] || { echo "--warmup_sleep must be a number of seconds, got '$warmup_sleep'" >&2; exit 2; }
total_slots=$((nodes * slots))
[[ -n "$jobs" ]] || jobs=bk
[[ "$jobs" == bk || "$jobs" =~ ^[1-9][0-9]*$ ]] || { echo "--jobs must be a positive integer or 'bk', got '$jobs'" >&2; exit 2; }
command -v curl >/dev/null 2>&1 || { echo "curl is missing (Debian: apt-get install curl)" >&2; exit 1; }

# shellcheck source=bench/setup.sh
. "$repo/bench/setup.sh"
build_troupe

# under /var/tmp, not /tmp: the worker sandbox gives sub-works their own /tmp, so a tool under the host's /tmp
# would not be seen there; 0755 so the sandbox user (nobody) reaches the tools and its sandbox
work="$(mktemp -d /var/tmp/troupe-scaling.XXXXXX)"; chmod 755 "$work"
pids=()
cleanup() {
  stop_controllers "$work/run"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if (( keep )); then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

mkdir -p "$work/run"
export XDG_RUNTIME_DIR="$work/run" # this run's own controller, never a user's
# shellcheck source=bench/controller.sh
. "$repo/bench/controller.sh"
# shellcheck source=bench/cpu-ticks.sh
. "$repo/bench/cpu-ticks.sh"

# shellcheck source=bench/workers.sh
. "$repo/bench/workers.sh" # free_port, wait_ready

# The sub-work: its own timestamps, so the timeline is the workers' view, not the booster's. A small C program
# that does what `sleep` does and prints the time before and after: the issue's sub-work is `sleep 0.25`, and a
# bash wrapper around `sleep` costs about 1.5 ms more CPU per sub-work (bash's start, one more fork and exec), most
# of it before its first timestamp, at the moment 32 sub-works start together on two cores. Without a C compiler:
# that bash wrapper, with bash's own clock ($EPOCHREALTIME; `date` would be two more processes).
mkdir -p "$work/bin"
cat >"$work/tsleep.c" <<'C'
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_REALTIME, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
  double t0 = now(), s = argc > 1 ? atof(argv[1]) : 0;
  struct timespec d = { (time_t) s, (long) ((s - (double) (time_t) s) * 1e9) };
  while (nanosleep(&d, &d) != 0) {}
  double t1 = now();
  char cwd[PATH_MAX];
  printf("tsleep %.6f %.6f %s\n", t0, t1, getcwd(cwd, sizeof cwd) ? cwd : "?");
  return 0;
}
C
if ! { command -v cc >/dev/null 2>&1 && cc -O2 -o "$work/bin/tsleep" "$work/tsleep.c"; }; then
  echo "no C compiler: the sub-work is a bash wrapper around sleep, about 1.5 ms more CPU each" >&2
  cat >"$work/bin/tsleep" <<'SH'
#!/bin/bash
t0=$EPOCHREALTIME
sleep "$1"
t1=$EPOCHREALTIME
echo "tsleep $t0 $t1 $PWD"
SH
fi
chmod 755 "$work/bin/tsleep"

# One conf dir per node: the repository's conf/ plus the worker settings of this benchmark.
for i in $(seq "$nodes"); do
  cp -r "$repo/conf" "$work/conf$i"
  mkdir -p "$work/sandbox$i"
  cat >>"$work/conf$i/cluster-node.conf" <<CONF

# bench/booster-scaling.sh
troupe.worker {
  slots = $slots
  queue-size = 256
  allowlist = ["tsleep"]
  sandbox-root = "$work/sandbox$i"
}
CONF
  if [[ "$sandbox" == off ]]; then # unconfined, as distccd or icecream run their jobs (docs/security.md)
    cat >>"$work/conf$i/cluster-node.conf" <<'CONF'
troupe.worker.sandbox { user = root, allow-root = true, bubblewrap = off,
  limits { cpu-time = 0s, address-space = 0, file-size = 0, processes = 0 } }
CONF
  fi
done

seed=""
port=17555; admin=18621
admins=()
for i in $(seq "$nodes"); do
  port=$(free_port "$port"); admin=$(free_port "$admin")
  seed_args=()
  [[ -n "$seed" ]] && seed_args=(--seed "$seed")
  PATH="$work/bin:$PATH" TROUPE_CONF="$work/conf$i" "$repo/bin/cluster-node" --roles worker --port "$port" --admin "127.0.0.1:$admin" \
    "${seed_args[@]}" >"$work/node$i.log" 2>&1 &
  pids+=($!)
  admins+=("$admin")
  [[ -n "$seed" ]] || { seed="127.0.0.1:$port"; wait_ready "$admin" "$work/node$i.log" "$!"; }
  port=$((port + 1)); admin=$((admin + 1))
done
for i in $(seq "$nodes"); do wait_ready "${admins[$((i - 1))]}" "$work/node$i.log" "${pids[$((i - 1))]}"; done
up=0
for _ in $(seq 240); do
  up=$(curl -fsS "http://127.0.0.1:${admins[0]}/cluster/members" | grep -o '"Up"' | wc -l || true)
  (( up >= nodes )) && break
  sleep 0.5
done
(( up >= nodes )) || { echo "only $up of $nodes nodes are Up after 120 s" >&2; exit 1; }

cat >"$work/rules.json" <<JSON
{"hooks":[{"src_command":"tsleep","target_command":"booster-exec \$SRC_CMD"}]}
JSON
# xargs finds "tsleep" through PATH: the shim first, the script's own directory after it.
cat >"$work/work.sh" <<SH
export PATH="\$PATH:$work/bin"
t0=\$(date +%s.%N)
seq $subworks | xargs -P "\$1" -I{} tsleep $sleep_s
t1=\$(date +%s.%N)
echo "wall \$t0 \$t1"
echo "jobs \$1 bk \$2"
SH
cat >"$work/warmup.sh" <<SH
export PATH="\$PATH:$work/bin"
seq "\$1" | xargs -P "\$2" -I{} tsleep $warmup_sleep >/dev/null
SH
jobs_arg=$jobs
[[ "$jobs" == bk ]] && jobs_arg=@BK_JOBS
left=$warmup
while (( left > 0 )); do
  TROUPE_BOOSTER_QUIET=1 "$repo/bin/booster" "${controller[@]}" -bt echo -p bench --hook --hook_mode shims --hook_config "$work/rules.json" \
    --cluster "$seed" -a "bash $work/warmup.sh $(( left < 1000 ? left : 1000 )) $jobs_arg" >"$work/warmup.out" 2>"$work/warmup.err" \
    || { echo "warm-up run failed:" >&2; tail -30 "$work/warmup.err" >&2; exit 1; }
  left=$(( left - 1000 ))
done
all_jit_ticks() { # the nodes' and the controller's JIT compiler threads
  local p t=0
  for p in "${pids[@]}"; do t=$((t + $(jit_ticks "$p"))); done
  if through_controller; then p=$(controller_pid "$work/run"); [[ -n "$p" ]] && t=$((t + $(jit_ticks "$p"))); fi
  echo "$t"
}
settle_t0=$(date +%s.%N)
settled=no
if (( warmup > 0 )); then
  j_prev=$(all_jit_ticks)
  for _ in $(seq 60); do
    sleep 0.5
    j_now=$(all_jit_ticks)
    (( j_now == j_prev )) && { settled=yes; break; }
    j_prev=$j_now
  done
fi
settle_s=$(awk -v a="$settle_t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
if through_controller && (( warmup > 0 )); then # with no warm-up the measured work starts the controller
  await_controller_workers "$work/run" || { echo "the controller never knew a worker:" >&2; cat "$work"/run/troupe-controller-*/*.log >&2; exit 1; }
fi
# CPU clock ticks (bench/cpu-ticks.sh), to say where the measured work's CPU went
cpu_snapshot() { # machine, nodes, nodes' JIT threads, controller
  local n=0 j=0 p c=0
  for p in "${pids[@]}"; do n=$((n + $(proc_ticks "$p"))); j=$((j + $(jit_ticks "$p"))); done
  if through_controller; then p=$(controller_pid "$work/run"); [[ -n "$p" ]] && c=$(proc_ticks "$p"); fi
  echo "$(machine_ticks) $n $j $c"
}
read -r m0 n0 j0 c0 < <(cpu_snapshot)
TROUPE_BOOSTER_QUIET=1 "$repo/bin/booster" "${controller[@]}" -bt echo -p bench --hook --hook_mode shims --hook_config "$work/rules.json" \
  --cluster "$seed" --stats_json "$work/stats.json" -a "bash $work/work.sh $jobs_arg @BK_JOBS" \
  >"$work/work.out" 2>"$work/work.err" || { echo "booster run failed:" >&2; tail -30 "$work/work.err" >&2; exit 1; }
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
read -r m1 n1 j1 c1 < <(cpu_snapshot)

ran=$(grep -c '^tsleep ' "$work/work.out" || true)
(( ran == subworks )) || { echo "expected $subworks sub-work lines, got $ran:" >&2; tail -20 "$work/work.out" "$work/work.err" >&2; exit 1; }
summary=$(grep '^\[booster\] total' "$work/work.err" | tail -1 || true)
read -r _ w0 w1 < <(grep '^wall ' "$work/work.out")
read -r _ used_jobs _ bk_jobs < <(grep '^jobs ' "$work/work.out")
wall=$(awk -v a="$w0" -v b="$w1" 'BEGIN{printf "%.3f", b-a}')
ideal=$(awk -v n="$subworks" -v s="$sleep_s" -v k="$total_slots" 'BEGIN{printf "%.3f", (n/k < 1 ? 1 : int((n+k-1)/k)) * s}')

echo "booster scaling on $(nproc) cores, load average $load_before before, $load_after after"
if (( warmup == 0 )); then
  warmed="cold nodes (no warm-up)"
elif [[ $settled == yes ]]; then
  warmed="nodes warmed with $warmup sub-works of 'sleep $warmup_sleep' (JIT compilers idle ${settle_s} s later)"
else
  warmed="nodes warmed with $warmup sub-works of 'sleep $warmup_sleep' (JIT compilers still busy after ${settle_s} s)"
fi
echo "$nodes worker nodes × $slots slots on loopback, $subworks sub-works of 'sleep $sleep_s', xargs -P $used_jobs (@BK_JOBS was $bk_jobs), $warmed$( through_controller && { (( warmup > 0 )) && echo ", through a warm controller" || echo ", through a controller the work starts"; })"
echo "booster summary: ${summary:-none}"
echo "sub-works per node (from each sub-work's sandbox directory):"
for i in $(seq "$nodes"); do
  printf '  node %d: %d\n' "$i" "$(grep -cE "^tsleep .* $work/sandbox$i/" "$work/work.out" || true)"
done
elsewhere=$(grep '^tsleep ' "$work/work.out" | grep -vcE " $work/sandbox[0-9]*/" || true)
(( elsewhere == 0 )) || echo "  not on a worker node (run locally by the booster): $elsewhere"

# Timeline: for each sleep-long bucket from the work command's start, the mean number of sub-works running
# (overlap of each sub-work's [start, end] with the bucket, divided by the bucket's width).
grep '^tsleep ' "$work/work.out" | awk -v w0="$w0" -v w1="$w1" -v b="$sleep_s" -v k="$total_slots" '
  { s[NR] = $2 - w0; e[NR] = $3 - w0; busy += $3 - $2; if (NR == 1 || s[NR] < first) first = s[NR]; if (e[NR] > last) last = e[NR] }
  END {
    n = int((w1 - w0) / b + 0.999)
    printf "first sub-work started %.3f s after the work command, the last ended %.3f s after it\n", first, last
    printf "slot time used: %.2f of %.2f slot-seconds (%.0f %%); a sub-work took %.3f s on average (sleep %s)\n", \
      busy, k * (w1 - w0), 100 * busy / (k * (w1 - w0)), busy / NR, b
    printf "timeline, sub-works running per %s s bucket (of %d slots):\n", b, k
    line = ""
    for (i = 0; i < n; i++) {
      lo = i * b; hi = lo + b; sum = 0
      for (j = 1; j <= NR; j++) { a = s[j] > lo ? s[j] : lo; z = e[j] < hi ? e[j] : hi; if (z > a) sum += z - a }
      line = line sprintf(" %5.1f", sum / b)
      if ((i + 1) % 10 == 0) { printf "  %5.2f s:%s\n", (i - 9) * b, line; line = "" }
    }
    if (line != "") printf "  %5.2f s:%s\n", (n - n % 10) * b, line
  }'
awk -v hz="$(getconf CLK_TCK)" -v m=$((m1 - m0)) -v n=$((n1 - n0)) -v j=$((j1 - j0)) -v c=$((c1 - c0)) -v w="$wall" -v k="$(nproc)" \
  'BEGIN { printf "CPU during the work: %.2f s in all (%.0f %% of %d cores): worker nodes %.2f s (their JIT compilers %.2f s), controller %.2f s, the rest (booster-exec, xargs, the sub-works, the sandbox) %.2f s\n", m / hz, 100 * m / hz / w / k, k, n / hz, j / hz, c / hz, (m - n - c) / hz }'
echo "wall $wall s, ideal $ideal s"
echo "efficiency (ideal/actual): $(awk -v i="$ideal" -v w="$wall" 'BEGIN{printf "%.2f", i/w}')"
