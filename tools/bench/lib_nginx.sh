# shellcheck shell=bash
# Sourced (not run) by the benchmarks in tools/bench/: nginx as the reference HTTPS server.
# Kept in one place so that every "emulator vs nginx" figure is against the same nginx: the same
# kind of certificate as the emulator's (EC P-256, signed by the emulator's CA), TLS 1.2/1.3,
# two workers (the emulator's default --threads 2), keep-alive without a request cap, and an
# access log (the emulator logs every request too).
#
#   start_nginx WORK CA_DIR ROOT PROBE_PATH
#     WORK        scratch directory (certificate, nginx.conf, logs, pid file go here)
#     CA_DIR      the emulator's data directory (ca.pem, ca-key.pem)
#     ROOT        document root, served as application/json whatever the file name
#     PROBE_PATH  a path under ROOT that answers 200 once nginx is ready
#   Starts nginx in the foreground as a child of the calling shell, appends its pid to the
#   caller's `pids` array (so the caller's trap stops it) and sets `nginx_port`. Call it
#   directly, not in $(...), or neither variable reaches the caller.

start_nginx() {
  local work=$1 ca_dir=$2 root=$3 probe=$4
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/leaf.key" \
    -subj /CN=localhost -out "$work/leaf.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$work/ext"
  openssl x509 -req -in "$work/leaf.csr" -CA "$ca_dir/ca.pem" -CAkey "$ca_dir/ca-key.pem" \
    -CAcreateserial -days 2 -extfile "$work/ext" -out "$work/leaf.pem" 2>/dev/null
  nginx_port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  # Started as root, nginx runs its workers as `nobody`, which cannot enter the caller's mktemp -d
  # directory (mode 0700): every request would be a 403 and the benchmark would time error
  # pages. Workers then run as root too; otherwise nginx keeps the caller's user anyway.
  local user_line=""
  [[ $(id -u) -eq 0 ]] && user_line="user root;"
  cat >"$work/nginx.conf" <<NGINX
$user_line
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 1024; }
http {
  access_log $work/nginx.access;
  server {
    listen 127.0.0.1:$nginx_port ssl;
    ssl_certificate $work/leaf.pem;
    ssl_certificate_key $work/leaf.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $root;
    default_type application/json;
    keepalive_requests 1000000;
  }
}
NGINX
  nginx -c "$work/nginx.conf" -g 'daemon off;' &
  pids+=($!)
  # Bounded wait: 500 x 10 ms. -f: an error page is not "ready".
  local _
  for _ in $(seq 500); do
    curl -s -f -o /dev/null --cacert "$ca_dir/ca.pem" "https://127.0.0.1:$nginx_port$probe" && return 0
    sleep 0.01
  done
  echo "nginx did not answer https://127.0.0.1:$nginx_port$probe within 5 s (see $work/nginx.err)" >&2
  return 1
}
