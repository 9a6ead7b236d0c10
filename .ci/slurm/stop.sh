#!/usr/bin/env bash
# Stop every daemon start.sh started, by its process id (newest first).
STATE=${NNS_SLURM_STATE:-/tmp/nns-slurm}
[ -f "$STATE/pids" ] || exit 0
for pid in $(tac "$STATE/pids"); do
  kill "$pid" 2>/dev/null || true
done
for pid in $(cat "$STATE/pids"); do
  for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  kill -9 "$pid" 2>/dev/null || true
done
: > "$STATE/pids"
