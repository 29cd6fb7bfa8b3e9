#!/bin/bash
# Per-round-trip budget of W7 (TCP echo, ../shared/bench-protocol.md): counts, not speed.
# Each server runs with 1 worker; peers/common/echoload drives it (100 connections x 64 B,
# closed loop) while `perf stat -p` counts the server's syscalls (tracepoints), futex calls,
# context switches and CPU time. Counts divided by the round trips the load completed.
# Load on the machine moves the CPU time but not the counts per round trip.
#   benchmarks/echo_budget.sh [SECONDS]     Env: BUILD (build-release), PEERS (../shared/peers
#   copy with common/bin/echoload, cepoll/bin/server, tokio/target/release/echo),
#   SERVERS (default "weft-epoll weft-io_uring cepoll tokio"), CONNS (100), SIZE (64),
#   ECHO_SERVER (echo_server binary; default $BUILD/examples/echo_server), ECHO_METRICS=0 for an
#   echo_server without --metrics (the resumptions column then shows -).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-3}
BUILD=${BUILD:-build-release}
PEERS=${PEERS:-../shared/peers}
SERVERS=${SERVERS:-"weft-epoll weft-io_uring cepoll tokio"}
CONNS=${CONNS:-100}
SIZE=${SIZE:-64}
ECHO_SERVER=${ECHO_SERVER:-$BUILD/examples/echo_server}
port=$((17400 + RANDOM % 500))
# --metrics: weft's echo_server prints its counters at exit (ECHO_METRICS=0 for a build without it).
METRICS=$([ "${ECHO_METRICS:-1}" = 1 ] && echo --metrics || true)
events='raw_syscalls:sys_enter,syscalls:sys_enter_futex,syscalls:sys_enter_io_uring_enter,syscalls:sys_enter_read,syscalls:sys_enter_write,syscalls:sys_enter_recvfrom,syscalls:sys_enter_sendto,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_epoll_pwait2,io_uring:io_uring_submit_req,io_uring:io_uring_complete,context-switches,task-clock'

wait_port() {
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "server on port $1 did not start" >&2
  return 1
}

printf '%-14s %10s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %9s\n' server roundtrips sys/rt futex/rt \
  enter/rt read/rt write/rt recv/rt send/rt epoll/rt sqe/rt cqe/rt cs/rt resume/rt cpu_us/rt
for s in $SERVERS; do
  port=$((port + 1))
  case $s in
    weft-epoll) cmd=("$ECHO_SERVER" --port "$port" --threads 1 --driver epoll $METRICS) ;;
    weft-io_uring) cmd=("$ECHO_SERVER" --port "$port" --threads 1 --driver io_uring $METRICS) ;;
    cepoll) cmd=("$PEERS/cepoll/bin/server" echo "$port" 600) ;;
    tokio) cmd=("$PEERS/tokio/target/release/echo" 1 "$port") ;;
    *) echo "unknown server $s" >&2; exit 2 ;;
  esac
  "${cmd[@]}" > /tmp/echo_budget.$$.srv 2>&1 &
  spid=$!
  wait_port "$port" || { cat /tmp/echo_budget.$$.srv >&2; exit 1; }
  # perf attaches to the server, then runs the load: the window is exactly the load's.
  out=$(perf stat -x, -e "$events" -p "$spid" -o /tmp/echo_budget.$$.perf -- \
    "$PEERS/common/bin/echoload" "$port" "$CONNS" "$SIZE" "$SECS")
  kill -TERM "$spid"; wait "$spid" || true
  rts=$(sed -n 's/.*roundtrips=\([0-9]*\).*/\1/p' <<< "$out")
  # weft's echo_server --metrics prints "tasks_polled=N" at exit (coroutine resumptions).
  polled=$(sed -n 's/.*tasks_polled=\([0-9]*\).*/\1/p' /tmp/echo_budget.$$.srv | tail -1)
  awk -F, -v rt="$rts" -v name="$s" -v polled="${polled:--1}" '
    /^#/ || NF < 3 { next }
    { v[$3] = ($1 ~ /not/ ? 0 : $1) }
    END {
      ep = v["syscalls:sys_enter_epoll_wait"] + v["syscalls:sys_enter_epoll_pwait"] + v["syscalls:sys_enter_epoll_pwait2"]
      res = polled < 0 ? "-" : sprintf("%.3f", polled / rt)
      printf "%-14s %10d %8.3f %8.4f %8.4f %8.3f %8.3f %8.3f %8.3f %8.4f %8.3f %8.3f %8.4f %8s %9.2f\n", name, rt,
        v["raw_syscalls:sys_enter"] / rt, v["syscalls:sys_enter_futex"] / rt, v["syscalls:sys_enter_io_uring_enter"] / rt,
        v["syscalls:sys_enter_read"] / rt, v["syscalls:sys_enter_write"] / rt, v["syscalls:sys_enter_recvfrom"] / rt,
        v["syscalls:sys_enter_sendto"] / rt, ep / rt, v["io_uring:io_uring_submit_req"] / rt,
        v["io_uring:io_uring_complete"] / rt, v["context-switches"] / rt, res, v["task-clock"] * 1000 / rt
    }' /tmp/echo_budget.$$.perf
  rm -f /tmp/echo_budget.$$.perf /tmp/echo_budget.$$.srv
done
