#!/usr/bin/env bash
# Benchmark (not a test): the booster's `-bt cc` against distcc, side by side, on loopback.
#
#   bench/booster-vs-distcc.sh [--runs N] [--warmup N] [--jobs N] [--no_controller] [--keep] [--latency_only]
#
# It builds Troupe with the README's command when the distribution is missing, installs what it needs from
# Debian when missing (distcc, libtool-bin, dpkg-dev; a deb-src entry derived from this machine's own Debian
# sources), starts distccd and a two-worker-node Troupe cluster on loopback, and prints:
#   - the added latency of one trivial compile against plain gcc (median of --runs runs, at least 30). All three
#     are timed inside one booster work, interleaved (each round runs the three in a random order), so that the
#     machine's own drift in speed falls on all three alike; plain gcc and distcc escape the hook through its
#     BK_PARENT_PROCESS_HOOKED marker. First --warmup compiles (default 2000) go through the booster: the
#     controller's and the worker nodes' JVMs compile their hot code as long-running ones have (--warmup 0 times
#     them cold);
#   - Lua 5.4 from Debian's source package built with `make -j<jobs>` locally, with distcc and with the
#     booster: wall time and client CPU seconds (user+sys of the client process tree; the worker nodes and
#     distccd are not children of the build, so they are not counted), and the whole machine's CPU seconds
#     during each build (everything on it: workers, distccd and the compiles included);
#   - whether every booster-built object equals the local one byte for byte;
# and its ratio lines last. --latency_only measures the added latency alone (no Lua: no deb-src, no builds).
# The boosters run through a controller, as bin/booster runs every --cluster work unless --no_controller
# (docs/booster-execution.md, "Controller"); the latency run starts the controller (which stays for the Lua build:
# --controller_remain_time 3600, as the local and distcc builds between may take longer than its default 120 s),
# and the controller's CPU during
# the Lua build (it is no child of the build), with that of the processes it starts (the local `gcc -E` of every
# compile), is added to the booster's client CPU. The controller runs under this run's temp dir and is stopped at
# the end. --no_controller: every booster runs its work in its own JVM, a child of the build like distcc.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs=30
warmup=2000
jobs=8
keep=0
latency_only=0
controller=(--controller)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="$2"; shift ;;
    --warmup) warmup="$2"; shift ;;
    --jobs) jobs="$2"; shift ;;
    --keep) keep=1 ;;
    --latency_only) latency_only=1 ;;
    --controller) controller=(--controller) ;;
    --no_controller) controller=(--no_controller) ;;
    *) echo "usage: $0 [--runs N] [--warmup N] [--jobs N] [--no_controller] [--keep] [--latency_only]" >&2; exit 2 ;;
  esac
  shift
done
(( runs >= 30 )) || { echo "--runs must be at least 30" >&2; exit 2; }
[[ "$warmup" =~ ^[0-9]+$ ]] || { echo "--warmup must be a number of compiles, not '$warmup'" >&2; exit 2; }

# shellcheck source=bench/setup.sh
. "$repo/bench/setup.sh"

# --- what a fresh machine lacks ------------------------------------------------------------------------------
need=()
{ command -v distcc && command -v distccd; } >/dev/null 2>&1 || need+=(distcc)
command -v libtool >/dev/null 2>&1 || need+=(libtool-bin)
command -v dpkg-source >/dev/null 2>&1 || need+=(dpkg-dev)
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v readelf >/dev/null 2>&1 || need+=(binutils)
command -v curl >/dev/null 2>&1 || need+=(curl)
install_packages "${need[@]}"
build_troupe

work="$(mktemp -d /tmp/troupe-vs-distcc.XXXXXX)"
pids=()
mkdir -p "$work/run"
export XDG_RUNTIME_DIR="$work/run" # this run's own controller, never a user's
# shellcheck source=bench/controller.sh
. "$repo/bench/controller.sh"
# shellcheck source=bench/cpu-ticks.sh
. "$repo/bench/cpu-ticks.sh"
# shellcheck source=bench/workers.sh
. "$repo/bench/workers.sh"
cleanup() {
  stop_controllers "$work/run"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if (( keep )); then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

if (( ! latency_only )); then
# --- Lua 5.4 from Debian's source package --------------------------------------------------------------------
# A deb-src entry derived from the machine's own sources (deb822 .sources files or one-line sources.list).
src_list=/etc/apt/sources.list.d/troupe-bench-deb-src.sources
if ! grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/ ; then
  tmp_src="$work/deb-src.sources"
  : >"$tmp_src"
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] && sed 's/^Types:.*$/Types: deb-src/' "$f" >>"$tmp_src" && echo >>"$tmp_src"
  done
  if [[ -f /etc/apt/sources.list ]]; then
    grep -E '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' >"$work/deb-src.list" || true
    [[ -s "$work/deb-src.list" ]] && "${sudo_cmd[@]}" cp "$work/deb-src.list" /etc/apt/sources.list.d/troupe-bench-deb-src.list
  fi
  [[ -s "$tmp_src" ]] && "${sudo_cmd[@]}" cp "$tmp_src" "$src_list"
  apt_updated=0
fi
apt_update
mkdir -p "$work/src"
(cd "$work/src" && apt-get source -q lua5.4 >"$work/apt-source.log" 2>&1) \
  || { echo "apt-get source lua5.4 failed:" >&2; cat "$work/apt-source.log" >&2; exit 1; }
lua_src="$(find "$work/src" -maxdepth 1 -type d -name 'lua5.4-*' | head -1)"
[[ -d "$lua_src" ]] || { echo "no lua5.4 source tree in $work/src" >&2; exit 1; }
# debian/rules writes this header before building; the plain Makefile expects it
printf '#ifndef _LUA_DEB_MULTIARCH_\n#define _LUA_DEB_MULTIARCH_\n#define DEB_HOST_MULTIARCH "%s"\n#endif\n' \
  "$(gcc -print-multiarch)" >"$lua_src/src/lua5.4-deb-multiarch.h"

for v in local distcc booster booster-g; do cp -a "$lua_src" "$work/lua-$v"; done

# The objects are compiled in parallel; the libraries are linked by one serial make afterwards because the
# Debian Makefile links both libraries in one rule that -j would run twice at once.
lua_script() { # $1 = label, $2 = compiler prefix ("" or "distcc "), $3 = optimisation flags: writes $work/build-$1.sh
  local flags="SYSCFLAGS=-DLUA_USE_LINUX MYCFLAGS='${3:--O2}' MYCXXFLAGS='${3:--O2}' MYLDFLAGS="
  cat >"$work/build-$1.sh" <<SH
set -e
cd "$work/lua-$1"
make -C src -j$jobs o $flags LIBTOOL="libtool --quiet" CC="${2}gcc -std=gnu99" CXX="${2}g++"
make linux $flags LIBTOOL="libtool --quiet" CC="${2}gcc -std=gnu99" CXX="${2}g++"
SH
}

fi

# --- distccd on loopback -------------------------------------------------------------------------------------
dport=$(free_port 13632)
distccd --daemon --no-detach --allow 127.0.0.1 --listen 127.0.0.1 --port "$dport" --jobs "$jobs" \
  --log-stderr $([[ "$(id -u)" -eq 0 ]] && echo --user nobody) 2>"$work/distccd.log" &
pids+=($!)
export DISTCC_HOSTS="127.0.0.1:$dport/$jobs"
export DISTCC_DIR="$work/distcc-home"
mkdir -p "$DISTCC_DIR"

# --- a two-worker Troupe cluster on loopback -----------------------------------------------------------------
start_two_workers "$work" 17455 18521
booster=("$repo/bin/booster" "${controller[@]}" -bt cc -p bench --hook --cluster "127.0.0.1:$p1")
# the controller the latency run starts must still be there for the Lua build, after the local and distcc builds
# (over the default 120 s on a slow machine): its start is measured by bench/booster-overhead.sh, not here
through_controller && booster+=(--controller_remain_time 3600)

# --- added latency per trivial compile -----------------------------------------------------------------------
mkdir -p "$work/trivial"
echo 'int trivial(int x) { return x + 1; }' >"$work/trivial/t.c"
# The cost per compile once running. The booster spawns the work command before it knows a worker, so the first
# compiles run locally while it joins (its start-up is measured by bench/booster-overhead.sh, not here); the
# warm-up covers that too. `env` starts every timed compile, so that each pays the same exec: with
# BK_PARENT_PROCESS_HOOKED=true the hook in `env` stands aside (as in a hooked command's descendants), without it
# `env`'s exec of gcc goes to the booster.
cat >"$work/trivial/latency.sh" <<SH
cd "$work/trivial"
for _ in \$(seq $warmup); do gcc -c t.c -o t.o; done
for _ in \$(seq 10); do
  BK_PARENT_PROCESS_HOOKED=true env gcc -c t.c -o t.o; BK_PARENT_PROCESS_HOOKED=true env distcc gcc -c t.c -o t.o
  env gcc -c t.c -o t.o
done
for _ in \$(seq $runs); do
  # in a new random order each round: whatever runs right before a measurement is as likely to help or hurt any
  for m in \$(printf '%s\\n' plain distcc booster | shuf); do
    case "\$m" in
      plain) t0=\$EPOCHREALTIME; BK_PARENT_PROCESS_HOOKED=true env gcc -c t.c -o t.o; t1=\$EPOCHREALTIME ;;
      distcc) t0=\$EPOCHREALTIME; BK_PARENT_PROCESS_HOOKED=true env distcc gcc -c t.c -o t.o; t1=\$EPOCHREALTIME ;;
      booster) t0=\$EPOCHREALTIME; env gcc -c t.c -o t.o; t1=\$EPOCHREALTIME ;;
    esac
    echo "\$m \$t0 \$t1"
  done
done
SH
TROUPE_BOOSTER_QUIET=1 "${booster[@]}" --stats_json "$work/trivial.json" \
  -a "bash $work/trivial/latency.sh" >"$work/latency.out" 2>"$work/trivial.err" \
  || { echo "booster latency run failed:" >&2; cat "$work/trivial.err" >&2; exit 1; }
# how many of the timed compiles ran remotely (the last $runs sub-works of the run)
timed_remote=$(grep -o '"route" : "[a-z_]*"' "$work/trivial.json" | tail -n "$runs" | grep -vc '"local"' || true)
median_ms() {
  awk -v l="$1" '$1==l {printf "%.4f\n", ($3-$2)*1000}' "$work/latency.out" | sort -n \
    | awk '{v[NR]=$1} END {if (NR==0) print "?"; else if (NR%2) printf "%.2f", v[(NR+1)/2]; else printf "%.2f", (v[NR/2]+v[NR/2+1])/2}'
}
plain=$(median_ms plain); via_distcc=$(median_ms distcc); via_booster=$(median_ms booster)
added_distcc=$(awk -v a="$via_distcc" -v b="$plain" 'BEGIN{printf "%.2f", a-b}')
added_booster=$(awk -v a="$via_booster" -v b="$plain" 'BEGIN{printf "%.2f", a-b}')

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b+0 == 0) print "?"; else printf "%.2f", a/b}'; }
if (( latency_only )); then
  echo "booster vs distcc on $(nproc) cores, loopback: distccd (--jobs $jobs) and two Troupe worker nodes"
  printf '%-40s %10s %10s %10s\n' "" "plain gcc" "distcc" "booster"
  printf '%-40s %7s ms %7s ms %7s ms\n' "trivial compile, median of $runs" "$plain" "$via_distcc" "$via_booster"
  printf '%-40s %10s %7s ms %7s ms\n' "added latency per compile" "" "$added_distcc" "$added_booster"
  echo "booster's timed compiles that ran remotely: $timed_remote of $runs"
  echo "ratio added latency booster/distcc: $(ratio "$added_booster" "$added_distcc")"
  exit 0
fi

# --- Lua 5.4: local, distcc, booster -------------------------------------------------------------------------
TIMEFORMAT='%R %U %S'
# Besides client CPU, the whole machine's CPU ticks (bench/cpu-ticks.sh): with the worker nodes and distccd
# counted, what a build costs in all on this one machine
timed() { # $1 = label, then the command; appends "label wall user sys" to builds.out, "label seconds" to machine.out
  local label=$1 t m0
  shift
  m0=$(machine_ticks)
  { t=$( { time "$@" >"$work/$label.log" 2>&1; } 2>&1 ); } \
    || { echo "$label build failed:" >&2; tail -30 "$work/$label.log" >&2; exit 1; }
  echo "$label $t" >>"$work/builds.out"
  awk -v a="$m0" -v b="$(machine_ticks)" -v hz="$(getconf CLK_TCK)" -v l="$label" 'BEGIN{printf "%s %.2f\n", l, (b-a)/hz}' \
    >>"$work/machine.out"
}
: >"$work/machine.out"
: >"$work/builds.out"
lua_script local ""; lua_script distcc "distcc "; lua_script booster ""
timed local bash "$work/build-local.sh"
timed distcc bash "$work/build-distcc.sh"
# the controller's CPU (user and system clock ticks) while the booster's build runs: client CPU it spends, with the
# processes it starts (the local preprocessing, local runs) once it has reaped them, as the build's own are counted
controller_cpu() { local p; p=$(controller_pid "$work/run"); if [[ -n "$p" ]]; then proc_user_sys_with_children "$p"; else echo "0 0"; fi; }
read -r cu0 cs0 < <(controller_cpu)
timed booster "${booster[@]}" --stats_json "$work/lua.json" -a "bash $work/build-booster.sh"
read -r cu1 cs1 < <(controller_cpu)
hz=$(getconf CLK_TCK)
# add it to the booster build's line: label wall user sys
awk -v du="$(( cu1 - cu0 ))" -v ds="$(( cs1 - cs0 ))" -v hz="$hz" '$1=="booster" {$3 = sprintf("%.3f", $3 + du / hz); $4 = sprintf("%.3f", $4 + ds / hz)} {print}' \
  "$work/builds.out" >"$work/builds.tmp" && mv "$work/builds.tmp" "$work/builds.out"
# with -g, every object's DW_AT_comp_dir must be the client's build directory
lua_script booster-g "" "-O2 -g"
TROUPE_BOOSTER_QUIET=1 "${booster[@]}" -a "bash $work/build-booster-g.sh" >"$work/booster-g.log" 2>&1 \
  || { echo "booster -g build failed:" >&2; tail -30 "$work/booster-g.log" >&2; exit 1; }
g_objs=0; g_ok=0; g_bad=()
while IFS= read -r o; do
  g_objs=$((g_objs + 1))
  dir=$(readelf --debug-dump=info "$o" 2>/dev/null | sed -n 's/.*DW_AT_comp_dir.*: \(\/.*\)$/\1/p' | head -1 | sed 's/[[:space:]]*$//')
  want="$work/lua-booster-g/src"
  if [[ "$dir" == "$want" ]]; then g_ok=$((g_ok + 1)); else g_bad+=("${o#"$work/lua-booster-g/"}=${dir:-none}"); fi
done < <(find "$work/lua-booster-g/src" -name '*.o' | sort)
summary=$(grep '^\[booster\] total' "$work/booster.log" | tail -1)

# the booster's build must work and equal the local one
lua_bin() { if [[ -x "$1/src/.libs/lua5.4" ]]; then echo "$1/src/.libs/lua5.4"; else echo "$1/src/lua5.4"; fi; }
lua_out=$(LD_LIBRARY_PATH="$work/lua-booster/src/.libs" "$(lua_bin "$work/lua-booster")" -e 'print(1)' 2>&1 || true)
objs=0; same=0; differ=()
while IFS= read -r o; do
  rel="${o#"$work/lua-local/"}"
  objs=$((objs + 1))
  if cmp -s "$o" "$work/lua-booster/$rel"; then same=$((same + 1)); else differ+=("$rel"); fi
done < <(find "$work/lua-local/src" -name '*.o' | sort)

remote=$(sed -n 's/.*remote ok \([0-9]*\).*/\1/p' <<<"$summary")
total=$(sed -n 's/.*total \([0-9]*\).*/\1/p' <<<"$summary")

field() { awk -v l="$1" -v f="$2" '$1==l {print $f}' "$work/builds.out"; }
mcpu() { awk -v l="$1" '$1==l {print $2}' "$work/machine.out"; }
cpu() { awk -v u="$(field "$1" 3)" -v s="$(field "$1" 4)" 'BEGIN{printf "%.2f", u+s}'; }

echo "booster vs distcc on $(nproc) cores, loopback: distccd (--jobs $jobs) and two Troupe worker nodes$( through_controller && echo "; the booster through a controller (its CPU counted as the client's)")"
printf '%-40s %10s %10s %10s\n' "" "plain gcc" "distcc" "booster"
printf '%-40s %7s ms %7s ms %7s ms\n' "trivial compile, median of $runs" "$plain" "$via_distcc" "$via_booster"
printf '%-40s %10s %7s ms %7s ms\n' "added latency per compile" "" "$added_distcc" "$added_booster"
echo "booster's timed compiles that ran remotely: $timed_remote of $runs"
printf '%-40s %8s s %8s s %8s s\n' "Lua 5.4 make -j$jobs, wall" "$(field local 2)" "$(field distcc 2)" "$(field booster 2)"
printf '%-40s %8s s %8s s %8s s\n' "Lua 5.4 make -j$jobs, client CPU (user+sys)" "$(cpu local)" "$(cpu distcc)" "$(cpu booster)"
printf '%-40s %8s s %8s s %8s s\n' "Lua 5.4 make -j$jobs, machine CPU (all)" "$(mcpu local)" "$(mcpu distcc)" "$(mcpu booster)"
echo "booster summary: ${summary:-none}"
echo "booster remote compiles: ${remote:-?} of ${total:-?}"
echo "booster compiles that took the other of libtool's pair's preprocessed unit: $(grep -o '"shared_input" *: *true' "$work/lua.json" | wc -l)"
echo "booster-built lua -e 'print(1)': $lua_out"
echo "objects equal to the local build: $same of $objs${differ:+ (differ: ${differ[*]})}"
echo "with -g, objects whose DW_AT_comp_dir is the client's build dir: $g_ok of $g_objs${g_bad:+ (others: ${g_bad[*]:0:5})}"
echo "ratio added latency booster/distcc: $(ratio "$added_booster" "$added_distcc")"
echo "ratio client CPU booster/distcc: $(ratio "$(cpu booster)" "$(cpu distcc)")"
echo "ratio wall booster/distcc: $(ratio "$(field booster 2)" "$(field distcc 2)")"
