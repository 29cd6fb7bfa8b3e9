#!/bin/bash
# W8 side by side (../shared/bench-protocol.md): weft's examples/http_server under epoll and
# io_uring, and the peers of ../shared/peers (nginx, tokio-hyper, tokio-min, Go net/http,
# Asio, the C epoll reference), all loaded by wrk -c100 (keep-alive GET /), in the configs
#   pin1: server with 1 worker on CPU 1, wrk -t1 on CPU 0;   unp2: server with 2 workers, wrk -t2, unpinned.
# Servers alternate within each rep; each gets a 1 s warm-up. Server CPU seconds are
# utime+stime of the server's process tree (/proc/PID/stat 14+15) over the run.
#   benchmarks/compare_http.sh [REPS]     Env: BUILD (build-release), SECONDS_PER_RUN (5), OUT,
#   SERVERS (default: all of the above; also weft-old-epoll and weft-old-io_uring: the
#   http_server of another build, OLD_BUILD=DIR, for a same-pass A/B), CONFIGS ("pin1 unp2")
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-3}
BUILD=${BUILD:-build-release}
SECS=${SECONDS_PER_RUN:-5}
PEERS_DIR=${PEERS_DIR:-../shared/peers}
OUT=${OUT:-bench-results/http-$(date +%Y%m%d-%H%M%S).txt}
SERVERS=${SERVERS:-weft-epoll weft-io_uring cepoll nginx tokio-hyper tokio-min go asio}
mkdir -p "$(dirname "$OUT")"

if [ ! -x "$BUILD/examples/http_server" ]; then
  [ -d "$BUILD" ] || meson setup "$BUILD" -Dbuildtype=release -Dtests=disabled >/dev/null
  ninja -C "$BUILD" -j2 examples/http_server >/dev/null
fi
# The peers' sources are read-only: a private copy, built once (heavy: tokio and hyper).
work=build-peers
if [ ! -x "$work/tokio/target/release/hyper" ] || [ ! -x "$work/go/bin/peersgo" ] || [ ! -x "$work/asio/bin/net" ]; then
  scripts/setup.sh --peers
  rm -rf "$work" && cp -r "$PEERS_DIR" "$work" && chmod -R u+w "$work"
  for p in cepoll asio go tokio; do "$work/$p/run.sh" build >/dev/null; done
fi
[ -x "$work/cepoll/bin/server" ] || "$work/cepoll/run.sh" build
tck=$(getconf CLK_TCK)

descendants() { local c; for c in $(pgrep -P "$1"); do echo "$c"; descendants "$c"; done; }
tree_cpu() {  # PID -> CPU seconds of the process and its descendants
  local t=0 p v
  for p in "$1" $(descendants "$1"); do
    v=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)
    t=$((t + v))
  done
  awk -v t="$t" -v h="$tck" 'BEGIN { printf "%.3f", t / h }'
}

wait_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "server on port $1 did not start" >&2
  return 1
}

port=17300
run_one() {  # CONFIG SERVER THREADS
  local config=$1 server=$2 threads=$3 pin_server="" pin_client="" wt=2
  port=$((port + 1))
  if [ "$config" = pin1 ]; then pin_server="taskset -c 1"; pin_client="taskset -c 0"; wt=1; fi
  case $server in
    weft-epoll) cmd="$BUILD/examples/http_server --port $port --threads $threads --driver epoll" ;;
    weft-io_uring) cmd="$BUILD/examples/http_server --port $port --threads $threads --driver io_uring" ;;
    weft-old-epoll) cmd="$OLD_BUILD/examples/http_server --port $port --threads $threads --driver epoll" ;;
    weft-old-io_uring) cmd="$OLD_BUILD/examples/http_server --port $port --threads $threads --driver io_uring" ;;
    cepoll) cmd="$work/cepoll/run.sh http $port"; threads=1 ;;
    nginx) cmd="$work/nginx/run.sh http $threads $port" ;;
    tokio-hyper) cmd="$work/tokio/run.sh http-hyper $threads $port" ;;
    tokio-min) cmd="$work/tokio/run.sh http-min $threads $port" ;;
    go) cmd="$work/go/run.sh http $threads $port" ;;
    asio) cmd="$work/asio/run.sh http $threads $port" ;;
  esac
  $pin_server $cmd >/dev/null 2>&1 &
  local pid=$!
  wait_port "$port"
  $pin_client wrk -t"$wt" -c100 -d1s "http://127.0.0.1:$port/" >/dev/null 2>&1 || true
  local c0 c1 o
  c0=$(tree_cpu "$pid")
  o=$($pin_client wrk -t"$wt" -c100 -d"${SECS}s" --latency "http://127.0.0.1:$port/" 2>&1 || true)
  c1=$(tree_cpu "$pid")
  kill -TERM "$pid" 2>/dev/null || true
  for p in $(descendants "$pid"); do kill -TERM "$p" 2>/dev/null || true; done
  wait "$pid" 2>/dev/null || true
  local n rps p50 p99 errs
  n=$(echo "$o" | awk '$2=="requests" && $3=="in" {print $1}')
  rps=$(echo "$o" | awk '/Requests\/sec/ {print $2}')
  us() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/,"",v); print v } else if (v ~ /ms$/) { sub(/ms$/,"",v); print v*1000 } else { sub(/s$/,"",v); print v*1000000 } }'; }
  p50=$(us "$(echo "$o" | awk '$1=="50%" {print $2}')")
  p99=$(us "$(echo "$o" | awk '$1=="99%" {print $2}')")
  errs=$(echo "$o" | grep -c -E 'Socket errors|Non-2xx' || true)
  echo "RESULT load=wrk server=$server config=$config threads=$threads requests=${n:-0} rate=${rps:-0}" \
       "p50_us=${p50:-0} p99_us=${p99:-0} server_cpu_s=$(awk -v a="$c0" -v b="$c1" 'BEGIN{printf "%.3f", b-a}')" \
       "wrk_error_lines=$errs rep=$rep" | tee -a "$OUT"
  sleep 0.3
}

for rep in $(seq "$REPS"); do
  for config in ${CONFIGS:-pin1 unp2}; do
    t=1; [ "$config" = unp2 ] && t=2
    for server in $SERVERS; do run_one "$config" "$server" "$t"; done
  done
done
python3 benchmarks/summarize_http.py "$OUT"
