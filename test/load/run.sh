#!/usr/bin/env bash
# Load script: builds sluice, starts `sluice serve` on a free loopback port,
# drives it with test/load (sync requests of the reference application, with
# /healthz as the same-run baseline) and stops it.
#   DURATION=10s CLIENTS=4 test/load/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/sluice" .
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18080)
"$tmp/sluice" serve --addr "127.0.0.1:$port" --drain 0s 2>"$tmp/serve.log" &
pid=$!
for _ in $(seq 50); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
go run ./test/load -addr "http://127.0.0.1:$port" -duration "${DURATION:-10s}" -c "${CLIENTS:-4}"
