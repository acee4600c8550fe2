"""etcd's own put rate, the yardstick for tools/bench/apiserver_etcd.sh: Put requests of a given
value size over gRPC (stubs generated at run time from proto/etcd, the same API the apiserver's
store uses) at a given concurrency for a given time. Prints one JSON line."""
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

endpoint, size, concurrency, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
root = Path(__file__).resolve().parents[2] / "proto"
out = tempfile.mkdtemp()
subprocess.run(["protoc", "-I", str(root), f"--python_out={out}", f"--grpc_python_out={out}",
                "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin",
                "etcd/mvcc/mvccpb/kv.proto", "etcd/etcdserver/etcdserverpb/rpc.proto"], check=True)
sys.path.insert(0, out)
import grpc  # noqa: E402
from etcd.etcdserver.etcdserverpb import rpc_pb2, rpc_pb2_grpc  # noqa: E402

stub = rpc_pb2_grpc.KVStub(grpc.insecure_channel(endpoint))
value = b"x" * size
counts = [0] * concurrency
stop = time.monotonic() + seconds


def worker(i):
    n = 0
    while time.monotonic() < stop:
        stub.Put(rpc_pb2.PutRequest(key=f"/bench/put/{i}/{n}".encode(), value=value), timeout=10)
        n += 1
    counts[i] = n


threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
start = time.monotonic()
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.monotonic() - start
print(json.dumps({"mode": "etcd put", "concurrency": concurrency, "value_bytes": size,
                  "requests": sum(counts), "per_second": round(sum(counts) / elapsed, 1)}))
