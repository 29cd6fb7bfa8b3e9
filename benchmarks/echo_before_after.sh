#!/bin/bash
# W7 before/after sanity run: a weft echo_server from an earlier build (BEFORE) and from
# this one (AFTER), under both drivers, alternating with the C epoll reference and tokio;
# 1 worker each, `echoload PORT 100 64` for 1 s warm-up + SECS s, REPS rounds. Prints one
# line per run: ROUND SERVER ROUNDTRIPS_PER_S. PIN=1 (default): server on CPU 1, load on
# CPU 0 (pin1); PIN=0: both unpinned.
#   BEFORE=/path/to/old/examples/echo_server benchmarks/echo_before_after.sh [REPS] [SECS]
#   Env: AFTER (build-release/examples/echo_server), PEERS (../shared/peers, built)
set -u
cd "$(dirname "$0")/.."
REPS=${1:-3}
SECS=${2:-4}
B=${BEFORE:?set BEFORE to the echo_server of the earlier build}
A=${AFTER:-build-release/examples/echo_server}
P=${PEERS:-../shared/peers}
if [ "${PIN:-1}" = 1 ]; then T1="taskset -c 1"; T0="taskset -c 0"; else T1=""; T0=""; fi
port=$((17700 + RANDOM % 500))
for rep in $(seq "$REPS"); do
  for s in before-epoll after-epoll before-io_uring after-io_uring cepoll tokio; do
    port=$((port + 1))
    case $s in
      before-epoll) cmd="$B --port $port --threads 1 --driver epoll" ;;
      after-epoll) cmd="$A --port $port --threads 1 --driver epoll" ;;
      before-io_uring) cmd="$B --port $port --threads 1 --driver io_uring" ;;
      after-io_uring) cmd="$A --port $port --threads 1 --driver io_uring" ;;
      cepoll) cmd="$P/cepoll/bin/server echo $port 600" ;;
      tokio) cmd="$P/tokio/target/release/echo 1 $port" ;;
    esac
    $T1 $cmd > /dev/null 2>&1 &
    sp=$!
    for _ in $(seq 100); do
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
      sleep 0.05
    done
    $T0 "$P/common/bin/echoload" "$port" 100 64 1 > /dev/null
    r=$($T0 "$P/common/bin/echoload" "$port" 100 64 "$SECS" | sed -n 's/.*rate=\([0-9.]*\).*/\1/p')
    kill -TERM "$sp"
    wait "$sp" 2>/dev/null
    echo "$rep $s $r"
  done
done
