# Sourced by the booster benchmarks for their controller (docs/booster-execution.md, "Controller"): the controllers
# live under $XDG_RUNTIME_DIR/troupe-controller-UID, which each benchmark points at its own temp dir.

# The pids of the controllers that logged under $1 (the runtime dir), oldest first; nothing (and success) when none has.
controller_pids() {
  sed -n 's/^controller: listening on .* (pid \([0-9]*\)).*/\1/p' "$1"/troupe-controller-*/*.log 2>/dev/null || true
}

# The pid of the newest controller that logged under $1, or nothing.
controller_pid() {
  controller_pids "$1" | tail -1
}

# Waits (up to 60 s) until the controller under $1 knows a worker: the next work's sub-works go remote at once.
await_controller_workers() {
  local i
  for i in $(seq 600); do
    grep -qs '^controller: workers known' "$1"/troupe-controller-*/*.log && return 0
    sleep 0.1
  done
  return 1
}

# Stops every controller that logged under $1 (it leaves the cluster on SIGTERM) and waits for it.
stop_controllers() {
  local p
  for p in $(controller_pids "$1"); do
    kill "$p" 2>/dev/null || continue
    for _ in $(seq 300); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  done
}

# Whether the sourcing benchmark's boosters run through a controller: its `controller` array holds the flag
# they are given (--controller, the default, or --no_controller).
through_controller() { [[ "${controller[*]}" == --controller ]]; }
