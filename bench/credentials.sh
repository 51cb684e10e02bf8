#!/usr/bin/env bash
# The public credential read path under load: wrk against a Release build serving the demo data.
#   bench/credentials.sh [seconds] [connections]
# Prints one line per URL (requests/s, p50, p99), /health first as the baseline of the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
connections=${2:-32}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }

dotnet build src/Rosette -c Release -nologo -v q >/dev/null
work=$(mktemp -d /tmp/rosette-credentials-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$work" && Logging__LogLevel__Default=Warning Rosette__PublicBaseUrl=https://badges.rosette.example \
  dotnet "$OLDPWD/src/Rosette/bin/Release/net10.0/Rosette.dll" --demo --urls "http://127.0.0.1:$port" >"$work/app.log" 2>&1) &
app=$!
trap 'kill $app 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done

token=$(curl -fs -X POST "http://127.0.0.1:$port/api/v1/auth/token" -H 'content-type: application/json' \
  -d '{"email":"admin@northwind.example","password":"rosette-demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
award=$(curl -fs "http://127.0.0.1:$port/api/v1/awards?pageSize=1" -H "Authorization: Bearer $token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')

run() {
  local name=$1 url=$2
  curl -fs "$url" >/dev/null   # the first request signs and stores the credential
  wrk -t2 -c"$connections" -d"${seconds}s" --latency "$url" | python3 -c '
import re, sys
text = sys.stdin.read()
rate = re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)
def latency(p):
    m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)\b" % p, text)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"credentials: url={sys.argv[1]} requests_per_s={float(rate):.0f} p50_ms={latency(50):.2f} p99_ms={latency(99):.2f} non_2xx={errors.group(1) if errors else 0}")
' "$name"
}

run health "http://127.0.0.1:$port/health"
run page "http://127.0.0.1:$port/credentials/$award"
run jwt "http://127.0.0.1:$port/credentials/$award.jwt"
