#!/usr/bin/env bash
# Load test of POST /v1/models/{id}/classify: 64 concurrent keep-alive connections for 30 s with wrk,
# against a server on 127.0.0.1 with a tiny model trained from the demo dataset, then 1,000 idle
# connections while /health/live must keep answering. Loopback only; bounded in time.
# Usage: scripts/bench_classify.sh  (after `make release`; installs wrk from Debian when missing, as root)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
PORT=${PORT:-18080}
DATA=$(mktemp -d)
.build/release/sigtune serve --port "$PORT" --data "$DATA" --demo > "$DATA/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/health/live" >/dev/null && break; sleep 0.1; done
DS=$(curl -fs "http://127.0.0.1:$PORT/v1/datasets" | python3 -c 'import json,sys; print(json.load(sys.stdin)["datasets"][0]["id"])')
JOB=$(curl -fs -X POST "http://127.0.0.1:$PORT/v1/jobs" -d "{\"dataset\":\"$DS\",\"base_model\":\"demo-tiny-random-siglip\",\"num_train_epochs\":1,\"per_device_train_batch_size\":8,\"learning_rate\":0.001}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
for _ in $(seq 600); do
  STATUS=$(curl -fs "http://127.0.0.1:$PORT/v1/jobs/$JOB" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
  [ "$STATUS" = succeeded ] && break; [ "$STATUS" = failed ] && { echo "job failed"; exit 1; }; sleep 0.2
done
MODEL="model-$JOB"
cat > "$DATA/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "image/png"
local f = io.open("Tests/Fixtures/images/png_rgb8.png", "rb"); wrk.body = f:read("*all"); f:close()
done = function(summary, latency, requests)
  io.write(string.format("requests %d, errors: connect %d read %d write %d status %d timeout %d\n", summary.requests,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
  io.write(string.format("latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", latency:percentile(50)/1000, latency:percentile(99)/1000, latency.max/1000))
end
LUA
echo "== 64 connections, 30 s, classify with $MODEL"
wrk -t2 -c64 -d30s --latency -s "$DATA/post.lua" "http://127.0.0.1:$PORT/v1/models/$MODEL/classify?top_k=3" | tail -6
echo "== 1,000 idle connections, then /health/live"
python3 - "$PORT" <<'PY'
import socket, sys, time
port = int(sys.argv[1]); idle = []
for _ in range(1000):
    s = socket.create_connection(("127.0.0.1", port)); idle.append(s)
times = []
for _ in range(20):
    t = time.perf_counter()
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    c.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = c.recv(4096); c.close()
    assert data.startswith(b"HTTP/1.1 200"), data[:40]
    times.append((time.perf_counter() - t) * 1000)
print(f"1000 idle connections open; /health/live answered 20/20, median {sorted(times)[10]:.2f} ms, max {max(times):.2f} ms")
for s in idle: s.close()
PY
