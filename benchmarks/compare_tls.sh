#!/bin/bash
# TLS against nginx, same certificate (ECDSA P-256) and cipher (TLS 1.3,
# TLS_AES_128_GCM_SHA256), in one pass, alternating servers run by run, and per SERVER
# CPU-second (utime+stime from /proc/PID/stat), so that the load tool's own cost does not
# count:
#   handshake  new connections, full handshakes (no resumption): benchmarks/tls_load
#   requests   keep-alive `GET /` -> 200 "Hello, World!", 100 connections: wrk -t1 -c100
#   bulk       keep-alive `GET /bytes/64MiB`, 2 connections: benchmarks/tls_load
# pin1 as in ../shared/bench-protocol.md: the server has one worker on CPU 1, the load runs
# on CPU 0. weft's servers: examples/tls_echo_server --mode http (a minimal responder: TLS
# cost alone) and, as variant weft-http, examples/http_server --cert --key (weft::http over
# TLS: handshake and requests only, it has no /bytes/N); nginx returns the same body and
# serves the bulk file.
#
#   benchmarks/compare_tls.sh [REPS]      (default 3; needs scripts/setup.sh --peers)
# Env: BUILD (default build-release), SECS (per run, default 8), MODES (default all three),
#      VARIANTS (default "weft nginx"; also weft-http, weft-uring, weft-membio, weft-socket,
#      weft-noktls; and weft-old: tls_echo_server of OLD_BUILD, for a same-pass A/B of two builds),
#      OUT (raw lines).
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-3}
BUILD=${BUILD:-build-release}
SECS=${SECS:-8}
MODES=${MODES:-handshake requests bulk}
VARIANTS=${VARIANTS:-weft nginx}
OUT=${OUT:-bench-results/tls-$(date +%Y%m%d-%H%M%S).txt}
BULK=$((64 << 20))
mkdir -p "$(dirname "$OUT")"

scripts/setup.sh --peers
[ -d "$BUILD" ] || meson setup "$BUILD" -Dbuildtype=release -Dtests=disabled >/dev/null
ninja -C "$BUILD" -j2 examples/tls_echo_server examples/http_server benchmarks/tls_load >/dev/null

dir=$(mktemp -d /tmp/weft-tls-bench.XXXXXX)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

# One CA and one server certificate for example.test, ECDSA P-256, for both servers.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/ca.key" -out "$dir/ca.pem" \
  -subj "/CN=weft bench CA" -days 2 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/key.pem" -out "$dir/req.csr" \
  -subj "/CN=example.test" 2>/dev/null
printf 'subjectAltName=DNS:example.test,IP:127.0.0.1\n' > "$dir/ext.cnf"
openssl x509 -req -in "$dir/req.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
  -extfile "$dir/ext.cnf" -out "$dir/cert.pem" 2>/dev/null
mkdir -p "$dir/www/bytes" "$dir/tmp"
truncate -s "$BULK" "$dir/www/bytes/$BULK"

port=$((20000 + RANDOM % 20000))
cat > "$dir/nginx.conf" <<EOF
worker_processes 1;
daemon off;
master_process off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 65;
    client_body_temp_path $dir/tmp;
    proxy_temp_path $dir/tmp;
    fastcgi_temp_path $dir/tmp;
    uwsgi_temp_path $dir/tmp;
    scgi_temp_path $dir/tmp;
    server {
        listen 127.0.0.1:$port ssl;
        ssl_certificate $dir/cert.pem;
        ssl_certificate_key $dir/key.pem;
        ssl_protocols TLSv1.3;
        ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256;
        ssl_session_cache shared:weft:10m;
        location / {
            default_type text/plain;
            return 200 "Hello, World!";
        }
        location /bytes/ {
            root $dir/www;
            default_type application/octet-stream;
        }
    }
}
EOF

start_server() {  # VARIANT
  local v=$1
  case "$v" in
    nginx) taskset -c 1 /usr/sbin/nginx -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" & ;;
    weft-http)
      taskset -c 1 "$BUILD/examples/http_server" --port "$port" --threads 1 --driver epoll --cert "$dir/cert.pem" \
        --key "$dir/key.pem" >/dev/null 2>>"$dir/error.log" & ;;
    weft*)
      local driver=epoll
      [ "$v" = weft-uring ] && driver=io_uring  # --driver may be given once
      local args=(--port "$port" --threads 1 --mode http --cert "$dir/cert.pem" --key "$dir/key.pem"
                  --ciphersuites TLS_AES_128_GCM_SHA256 --driver "$driver")
      case "$v" in
        weft-membio) args+=(--tls-transport memory_bio) ;;
        weft-socket) args+=(--tls-transport socket) ;;
        weft-noktls) args+=(--ktls false) ;;
      esac
      local bin=$BUILD
      [ "$v" = weft-old ] && bin=${OLD_BUILD:?weft-old needs OLD_BUILD}
      taskset -c 1 "$bin/examples/tls_echo_server" "${args[@]}" >/dev/null 2>>"$dir/error.log" & ;;
  esac
  server_pid=$!
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "compare_tls: $v did not start" >&2
  cat "$dir/error.log" >&2
  exit 1
}

stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }

run_load() {  # MODE -> "count bytes"
  case "$1" in
    handshake)
      taskset -c 0 "$BUILD/benchmarks/tls_load" --mode handshake --port "$port" --ca "$dir/ca.pem" \
        --connections 16 --seconds "$SECS" | sed -n 's/^RESULT .*count=\([0-9]*\) bytes=\([0-9]*\).*/\1 \2/p' ;;
    requests)
      taskset -c 0 wrk -t1 -c100 -d"${SECS}s" "https://127.0.0.1:$port/" |
        awk '/requests in/ {print $1, 0}' ;;
    bulk)
      taskset -c 0 "$BUILD/benchmarks/tls_load" --mode bulk --bytes "$BULK" --port "$port" --ca "$dir/ca.pem" \
        --connections 2 --seconds "$SECS" | sed -n 's/^RESULT .*count=\([0-9]*\) bytes=\([0-9]*\).*/\1 \2/p' ;;
  esac
}

hz=$(getconf CLK_TCK)
for rep in $(seq "$REPS"); do
  for v in $VARIANTS; do
    start_server "$v"
    for mode in $MODES; do
      [ "$v" = weft-http ] && [ "$mode" = bulk ] && continue
      before=$(cpu_ticks)
      t0=$(date +%s.%N)
      read -r count bytes < <(run_load "$mode")
      t1=$(date +%s.%N)
      after=$(cpu_ticks)
      line=$(python3 - "$v" "$mode" "$rep" "$count" "$bytes" "$before" "$after" "$hz" "$t0" "$t1" <<'PY'
import sys
v, mode, rep, count, nbytes, before, after, hz, t0, t1 = sys.argv[1:]
cpu = (int(after) - int(before)) / int(hz)
wall = float(t1) - float(t0)
work = int(nbytes) / 2**20 if mode == "bulk" else int(count)
unit = "MiB" if mode == "bulk" else ("handshakes" if mode == "handshake" else "requests")
print(f"RESULT server={v} mode={mode} rep={rep} {unit}={work:.1f} server_cpu_s={cpu:.2f} "
      f"per_cpu_s={work / cpu if cpu > 0 else float('nan'):.1f} per_wall_s={work / wall:.1f}")
PY
)
      echo "$line" | tee -a "$OUT"
    done
    stop_server
  done
done

python3 - "$OUT" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    if not line.startswith("RESULT"): continue
    f = dict(kv.split("=", 1) for kv in line.split()[1:])
    rows.setdefault((f["mode"], f["server"]), []).append((float(f["per_cpu_s"]), float(f["server_cpu_s"]), float(f["per_wall_s"])))
print(f"\n{'mode':<10} {'server':<12} {'per server CPU-s (median, min-max)':<38} {'server CPU-s':>12} {'per wall-s':>12} {'vs nginx':>9}")
for mode in ("handshake", "requests", "bulk"):
    ref = rows.get((mode, "nginx"))
    for (m, server), runs in sorted(rows.items()):
        if m != mode: continue
        per = [r[0] for r in runs]
        med = statistics.median(per)
        ratio = f"{med / statistics.median(r[0] for r in ref):.2f}x" if ref else "-"
        print(f"{mode:<10} {server:<12} {med:>12.1f} ({min(per):.1f}-{max(per):.1f}){'':<10} "
              f"{statistics.median(r[1] for r in runs):>12.2f} {statistics.median(r[2] for r in runs):>12.1f} {ratio:>9}")
PY
