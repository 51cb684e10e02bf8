#!/usr/bin/env bash
# The one test command. Runs the whole suite on SQLite and on PostgreSQL, and ends with "N passed, N failed, N skipped" (a skipped test fails the run).
#   ./test.sh                      everything (installs Chromium / PostgreSQL when missing, starts a throw-away cluster)
#   ROSETTE_TEST_POSTGRES=...      use that PostgreSQL server instead of a throw-away cluster
#   ./test.sh --filter Issuance    pass further arguments to dotnet test
set -uo pipefail
cd "$(dirname "$0")"
root=$(pwd)
results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

say() { printf '== %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
apt_updated=
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -qq >/dev/null && apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# --- What a fresh machine lacks ---------------------------------------------------------------
# Chromium installs while the solution builds, so that the two overlap; the lanes start once both are done. apt's lock is
# taken in turn: PostgreSQL, when it too is missing, installs after Chromium.
chromium_pid=
if [ ! -x /usr/bin/chromium-headless-shell ]; then
  say "installing Chromium's headless shell (Debian package chromium-headless-shell) for the browser tests, while building"
  apt_install chromium-headless-shell >"$results/chromium-install.log" 2>&1 &
  chromium_pid=$!
fi
chromium_installed() {
  [ -z "$chromium_pid" ] && return 0
  local code=0
  wait "$chromium_pid" || code=$?
  chromium_pid=
  [ "$code" -eq 0 ] && [ -x /usr/bin/chromium-headless-shell ] && return 0
  cat "$results/chromium-install.log" >&2
  echo "could not install chromium-headless-shell" >&2
  return 1
}

find_pg_bin() {
  for dir in $(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/x)") /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  return 1
}

# --- PostgreSQL for the second lane -------------------------------------------------------------
pg_dir=
stop_pg() { [ -n "$pg_dir" ] && run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1; [ -n "$pg_dir" ] && rm -rf "$pg_dir"; }
trap stop_pg EXIT
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ -z "${ROSETTE_TEST_POSTGRES:-}" ]; then
  pg_bin=$(find_pg_bin) || { chromium_installed || exit 1; say "installing PostgreSQL"; apt_install postgresql && pg_bin=$(find_pg_bin); }
  if [ -n "${pg_bin:-}" ]; then
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then useradd --system --home /var/lib/postgresql postgres; fi
    pg_dir=$(mktemp -d /tmp/rosette-pg.XXXXXX)
    [ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
    pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    if run_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 >"$results/initdb.log" 2>&1 \
      && run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -w -l "$pg_dir/server.log" \
           -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
           start >/dev/null; then
      export ROSETTE_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres;Pooling=true"
      say "throw-away PostgreSQL on port $pg_port"
    else
      cat "$results/initdb.log" "$pg_dir/server.log" 2>/dev/null >&2
    fi
  fi
fi

# --- Build once, then one run per lane ----------------------------------------------------------
say "building"
if ! dotnet build Rosette.slnx -c Debug -nologo -v q 2>&1 | tail -n 30 >"$results/build.log"; then :; fi
if grep -q " error " "$results/build.log" || ! grep -q "0 Error(s)" "$results/build.log"; then
  cat "$results/build.log" >&2
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
if ! chromium_installed; then
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

# Both lanes at once: the suite waits on processes, browsers and databases far more than it computes, so the second lane
# fills the time the first leaves the cores idle. Each lane's lines are prefixed with its name.
lanes=(sqlite)
if [ -n "${ROSETTE_TEST_POSTGRES:-}" ]; then
  lanes+=(postgres)
elif [ "${CI:-}" = "true" ]; then
  say "PostgreSQL could not be started, and CI may not skip its lane"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
else
  say "PostgreSQL is not available: its lane is skipped"
fi
declare -A lane_pid
for lane in "${lanes[@]}"; do
  say "lane: $lane"
  ( set -o pipefail
    ROSETTE_TEST_DATABASE=$lane dotnet test Rosette.slnx --no-build -nologo \
      --results-directory "$results/$lane" --logger "trx" --logger "console;verbosity=minimal" "$@" 2>&1 | sed -u "s/^/[$lane] /" ) &
  lane_pid[$lane]=$!
done

counter() { sed -nE "s/.* $1=\"([0-9]+)\".*/\1/p" <<<"$2"; }
passed=0
failed=0
skipped=0
for lane in "${lanes[@]}"; do
  wait "${lane_pid[$lane]}"
  code=$?
  lane_passed=0 lane_failed=0 lane_skipped=0
  for trx in "$results/$lane"/*.trx; do
    [ -f "$trx" ] || continue
    counters=$(grep -o '<Counters [^>]*>' "$trx")
    total=$(counter total "$counters")
    p=$(counter passed "$counters")
    f=$(( $(counter failed "$counters") + $(counter error "$counters") + $(counter timeout "$counters") + $(counter aborted "$counters") ))
    lane_passed=$((lane_passed + p))
    lane_failed=$((lane_failed + f))
    # Whatever neither passed nor failed was skipped (or not run).
    lane_skipped=$((lane_skipped + total - p - f))
  done
  # A run that crashed before writing its results still counts as a failure, and so does a lane that ran no test at all
  # (a --filter that matches nothing is a mistake, not a success).
  if [ "$code" -ne 0 ] && [ "$lane_failed" -eq 0 ]; then lane_failed=1; fi
  if [ $((lane_passed + lane_failed)) -eq 0 ]; then say "lane $lane ran no test"; lane_failed=1; fi
  say "lane $lane: $lane_passed passed, $lane_failed failed, $lane_skipped skipped"
  passed=$((passed + lane_passed))
  failed=$((failed + lane_failed))
  skipped=$((skipped + lane_skipped))
done

# A skipped test is not a passed one: the run fails on it.
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$skipped" -eq 0 ]
