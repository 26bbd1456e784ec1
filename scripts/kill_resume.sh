#!/usr/bin/env bash
# SIGKILL during training: a server is killed mid-job, restarted on the same data directory, and must finish
# the job with exactly the weights of an uninterrupted run of the same job (compared byte for byte).
# Usage: scripts/kill_resume.sh  (after `make release`)
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18081}
run_job() {  # $1 data dir, $2 "kill" or "" → prints the model's weights sha256
  local data=$1 kill=$2
  .build/release/sigtune serve --port "$PORT" --data "$data" --demo > "$data.log" 2>&1 & local server=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/health/live" >/dev/null && break; sleep 0.1; done
  local ds job
  ds=$(curl -fs "http://127.0.0.1:$PORT/v1/datasets" | python3 -c 'import json,sys; print(json.load(sys.stdin)["datasets"][0]["id"])')
  job=$(curl -fs -X POST "http://127.0.0.1:$PORT/v1/jobs" -d "{\"dataset\":\"$ds\",\"base_model\":\"demo-tiny-random-siglip\",\"num_train_epochs\":6,\"per_device_train_batch_size\":4,\"learning_rate\":0.001,\"save_steps\":5}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  if [ -n "$kill" ]; then
    for _ in $(seq 600); do
      step=$(curl -fs "http://127.0.0.1:$PORT/v1/jobs/$job" | python3 -c 'import json,sys; print(json.load(sys.stdin)["step"])')
      [ "$step" -ge 23 ] && break; sleep 0.05
    done
    kill -9 $server; wait $server 2>/dev/null || true
    echo "killed at step $step" >&2
    .build/release/sigtune serve --port "$PORT" --data "$data" > "$data.log2" 2>&1 & server=$!
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/health/live" >/dev/null && break; sleep 0.1; done
  fi
  for _ in $(seq 1200); do
    status=$(curl -fs "http://127.0.0.1:$PORT/v1/jobs/$job" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["status"], j["attempts"])')
    case $status in succeeded*|failed*|cancelled*) break;; esac; sleep 0.1
  done
  echo "job $job: $status" >&2
  kill $server; wait $server 2>/dev/null || true
  sha256sum "$data/models/model-$job/model.safetensors" | cut -d' ' -f1
}
A=$(mktemp -d); B=$(mktemp -d)
trap 'rm -rf "$A" "$B" "$A.log" "$B.log" "$B.log2"' EXIT
whole=$(run_job "$A" "")
killed=$(run_job "$B" kill)
echo "uninterrupted: $whole"
echo "killed+resumed: $killed"
[ "$whole" = "$killed" ] && echo "identical final weights" || { echo "DIFFERENT final weights"; exit 1; }
