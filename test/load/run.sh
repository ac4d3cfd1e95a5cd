#!/usr/bin/env bash
# Load script: builds sluice, starts `sluice serve` on a free loopback port
# (with the GOMEMLIMIT of manifests/base/deployment.yaml), writes the largest
# application's request (hooks' TestWriteRequests), drives the server with
# test/load (1-client latency and N-client throughput of /sync beside
# /healthz and beside the in-process prediction, two of the largest requests
# at once, the server's peak RSS) and stops it.
#   DURATION=10s CLIENTS=4 EXAMPLE=manifests/examples/call-record-aggregator.yaml test/load/run.sh
#   EXAMPLE=gen:100 LARGEST=0 test/load/run.sh    # a generated application, no largest request
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; [ -n "$pid" ] && wait "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
go build -o "$tmp/sluice" .
largest=()
if [ "${LARGEST:-1}" != 0 ]; then
  SLUICE_REQUESTS_DIR="$tmp" go test -count=1 -run '^TestWriteRequests$' ./hooks >/dev/null
  largest=(-largest "$tmp/largest.json")
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18080)
GOMEMLIMIT=2048000000 "$tmp/sluice" serve --addr "127.0.0.1:$port" --drain 0s 2>"$tmp/serve.log" &
pid=$!
for _ in $(seq 50); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
go run ./test/load -addr "http://127.0.0.1:$port" -duration "${DURATION:-10s}" -c "${CLIENTS:-4}" \
  -example "${EXAMPLE:-manifests/examples/call-record-aggregator.yaml}" -pid "$pid" "${largest[@]}"
