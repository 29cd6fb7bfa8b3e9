#!/bin/bash
# W7 side by side (../shared/bench-protocol.md): weft's examples/echo_server under epoll and
# io_uring, the C epoll reference (cepoll) and tokio, loaded by peers/common/echoload
# (100 connections x 64 B, closed loop), in the configs
#   pin1: server with 1 worker on CPU 1, load on CPU 0;   unp2: server with 2 workers, both unpinned.
# Servers alternate within each rep; each gets a 1 s warm-up. Server CPU seconds are
# utime+stime of the server process (/proc/PID/stat 14+15) over the run.
#   benchmarks/compare_echo.sh [REPS]      Env: BUILD (build-release), SECONDS_PER_RUN (5), OUT,
#   SERVERS (default "weft-epoll weft-io_uring cepoll tokio"; also weft-epoll-nospin and
#   weft-io_uring-nospin: spin_before_park_us = 0), CONFIGS (default "pin1 unp2")
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-3}
BUILD=${BUILD:-build-release}
SECS=${SECONDS_PER_RUN:-5}
PEERS_DIR=${PEERS_DIR:-../shared/peers}
OUT=${OUT:-bench-results/echo-$(date +%Y%m%d-%H%M%S).txt}
mkdir -p "$(dirname "$OUT")"

if [ ! -x "$BUILD/examples/echo_server" ]; then
  [ -d "$BUILD" ] || meson setup "$BUILD" -Dbuildtype=release -Dtests=disabled >/dev/null
  ninja -C "$BUILD" -j2 examples/echo_server >/dev/null
fi
work=build-peers
if [ ! -x "$work/tokio/target/release/echo" ]; then
  scripts/setup.sh --peers
  rm -rf "$work" && cp -r "$PEERS_DIR" "$work" && chmod -R u+w "$work"
  "$work/tokio/run.sh" build >/dev/null
fi
[ -x "$work/cepoll/bin/server" ] || "$work/cepoll/run.sh" build
[ -x "$work/common/bin/echoload" ] || "$work/common/run.sh" build
tck=$(getconf CLK_TCK)

server_cpu() {  # PID -> CPU seconds (all threads)
  awk -v t="$tck" '{ printf "%.3f", ($14 + $15) / t }' "/proc/$1/stat"
}

wait_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "server on port $1 did not start" >&2
  return 1
}

port=17100
run_one() {  # CONFIG SERVER THREADS
  local config=$1 server=$2 threads=$3 pin_server="" pin_client=""
  port=$((port + 1))
  if [ "$config" = pin1 ]; then pin_server="taskset -c 1"; pin_client="taskset -c 0"; fi
  case $server in
    weft-epoll) cmd="$BUILD/examples/echo_server --port $port --threads $threads --driver epoll" ;;
    weft-io_uring) cmd="$BUILD/examples/echo_server --port $port --threads $threads --driver io_uring" ;;
    weft-epoll-nospin) cmd="env WEFT_SPIN_BEFORE_PARK_US=0 $BUILD/examples/echo_server --port $port --threads $threads --driver epoll" ;;
    weft-io_uring-nospin) cmd="env WEFT_SPIN_BEFORE_PARK_US=0 $BUILD/examples/echo_server --port $port --threads $threads --driver io_uring" ;;
    cepoll) cmd="$work/cepoll/run.sh echo $port"; threads=1 ;;
    tokio) cmd="$work/tokio/run.sh echo $threads $port" ;;
  esac
  $pin_server $cmd >/dev/null 2>&1 &
  local pid=$!
  wait_port "$port"
  $pin_client "$work/common/bin/echoload" "$port" 100 64 1 >/dev/null 2>&1 || true
  local c0 c1 line
  c0=$(server_cpu "$pid")
  line=$($pin_client "$work/common/bin/echoload" "$port" 100 64 "$SECS" | grep '^RESULT' || echo "RESULT failed")
  c1=$(server_cpu "$pid")
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "$line server=$server config=$config threads=$threads server_cpu_s=$(awk -v a="$c0" -v b="$c1" 'BEGIN{printf "%.3f", b-a}') rep=$rep" | tee -a "$OUT"
}

for rep in $(seq "$REPS"); do
  for config in ${CONFIGS:-pin1 unp2}; do
    t=1; [ "$config" = unp2 ] && t=2
    for server in ${SERVERS:-weft-epoll weft-io_uring cepoll tokio}; do run_one "$config" "$server" "$t"; done
  done
done
python3 benchmarks/summarize_echo.py "$OUT"
