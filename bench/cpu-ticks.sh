# Sourced by the booster benchmarks: CPU clock ticks (`getconf CLK_TCK` per second) from /proc, for their lines
# on where the CPU went.

# The whole machine's busy ticks: user, nice, system, irq, softirq.
machine_ticks() { awk '$1=="cpu" {print $2+$3+$4+$7+$8}' /proc/stat; }

# Process $1's user and system ticks ("0 0" when it is gone); the fields after "pid (comm) ".
proc_user_sys() { awk '{sub(/.*\) /, ""); print $12, $13}' "/proc/$1/stat" 2>/dev/null || echo "0 0"; }

# Process $1's user and system ticks with those of its children it has waited for (cutime, cstime): what it and the
# processes it started and reaped have spent.
proc_user_sys_with_children() { awk '{sub(/.*\) /, ""); print $12 + $14, $13 + $15}' "/proc/$1/stat" 2>/dev/null || echo "0 0"; }

# Process $1's user + system ticks.
proc_ticks() { proc_user_sys "$1" | awk '{print $1 + $2}'; }

# The ticks of process $1's JIT compiler threads (C1, C2).
jit_ticks() { cat /proc/"$1"/task/*/stat 2>/dev/null | awk '/\((C1|C2) CompilerThre/ {sub(/.*\) /, ""); t += $12 + $13} END {print t + 0}'; }
