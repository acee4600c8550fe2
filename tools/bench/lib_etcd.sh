# shellcheck shell=bash
# Sourced (not run) by the benchmarks in tools/bench/: one Debian etcd 3.4 member on loopback
# (fsync on, its data under WORK), the same in every "on etcd" figure.
#
#   start_etcd WORK
#     Starts /usr/bin/etcd as a child of the calling shell, appends its pid to the caller's
#     `pids` array (so the caller's trap stops it) and sets `etcd_pid` and `etcd_endpoint` (127.0.0.1:PORT).
#     Call it directly, not in $(...), or neither variable reaches the caller.

etcd_free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_etcd() {
  local work=$1 cport pport
  cport=$(etcd_free_port) pport=$(etcd_free_port)
  /usr/bin/etcd --name b0 --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$cport" \
    --advertise-client-urls "http://127.0.0.1:$cport" --listen-peer-urls "http://127.0.0.1:$pport" \
    --initial-advertise-peer-urls "http://127.0.0.1:$pport" --initial-cluster "b0=http://127.0.0.1:$pport" \
    --logger zap --log-outputs "$work/etcd.log" >/dev/null 2>&1 &
  pids+=($!)
  # shellcheck disable=SC2034  # read by the caller
  etcd_pid=$!
  etcd_endpoint=127.0.0.1:$cport
  for _ in $(seq 1 400); do
    ETCDCTL_API=3 etcdctl --endpoints "$etcd_endpoint" endpoint health >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "etcd did not become healthy (see $work/etcd.log)" >&2
  return 1
}
