#!/usr/bin/env bash
# The demo: serve the sandbox network of libraries, declare it, check one library,
# harvest everything (merged and indexed), show the status and a search. Run again, it
# harvests incrementally.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.venv/bin
DEMO=var/demo
PORT=${SANDBOX_PORT:-8100}
SEARCH_PORT=${SEARCH_PORT:-8000}
RECORDS=${SANDBOX_RECORDS:-2000}
BASE=http://127.0.0.1:$PORT
export CATALOGUE_SYNC_CONFIG=$DEMO/network.toml
# The password of the sandbox ILSs' REST API user, which network.toml names for live
# availability (services/sandbox/koha_api.py); a real network's passwords go in .env.
export SANDBOX_ILS_PASSWORD=${SANDBOX_ILS_PASSWORD:-bac-a-sable}
mkdir -p "$DEMO"

up() {  # does $1 answer 200?
    $BIN/python -c "import sys, httpx; sys.exit(httpx.get('$1').status_code != 200)" 2>/dev/null
}
answers() { up "$BASE/_health"; }

if ! answers; then
    echo "== Starting the sandbox network on $BASE ($RECORDS records; log in $DEMO/sandbox.log)"
    nohup $BIN/python -m services.sandbox --host 127.0.0.1 --port "$PORT" \
        --records "$RECORDS" >"$DEMO/sandbox.log" 2>&1 &
    echo $! >"$DEMO/sandbox.pid"
    for _ in $(seq 60); do answers && break; sleep 0.5; done
    answers || { echo "the sandbox did not start; see $DEMO/sandbox.log" >&2; exit 1; }
fi

if [ ! -f "$CATALOGUE_SYNC_CONFIG" ]; then
    echo "== Declaring the sandbox libraries in $CATALOGUE_SYNC_CONFIG"
    $BIN/python -m services.sandbox --write-config "$CATALOGUE_SYNC_CONFIG" \
        --host 127.0.0.1 --port "$PORT" --records "$RECORDS"
fi

first=$($BIN/python -c "import tomllib; print(next(iter(tomllib.load(open('$CATALOGUE_SYNC_CONFIG', 'rb'))['libraries'])))")
echo "== catalogue-sync library check $first"
$BIN/catalogue-sync library check "$first"
echo "== catalogue-sync harvest"
$BIN/catalogue-sync harvest || echo "(some libraries failed: see the summary above)"
echo "== catalogue-sync status"
$BIN/catalogue-sync status
# The harvest merged what it brought and updated the search index; search it as a patron would.
echo "== catalogue-sync search \"l'histoire de la bretagne\""
$BIN/catalogue-sync search "l'histoire de la bretagne"

# The web catalogue, the search API, SRU and OAI-PMH over what was just merged. A running
# one is left as it is: it follows the index, so it already shows this harvest.
CATALOGUE=http://127.0.0.1:$SEARCH_PORT
if ! up "$CATALOGUE/health"; then
    echo "== catalogue-sync serve search --port $SEARCH_PORT (log in $DEMO/search.log)"
    nohup $BIN/catalogue-sync serve search --port "$SEARCH_PORT" >"$DEMO/search.log" 2>&1 &
    echo $! >"$DEMO/search.pid"
    for _ in $(seq 60); do up "$CATALOGUE/health" && break; sleep 0.5; done
    up "$CATALOGUE/health" || { echo "the search service did not start; see $DEMO/search.log" >&2; exit 1; }
fi
echo
echo "The web catalogue is open: $CATALOGUE/"
echo "  search API    $CATALOGUE/api/v1/search?q=bretagne   (OpenAPI: $CATALOGUE/docs)"
echo "  SRU           $CATALOGUE/sru?operation=explain"
echo "  OAI-PMH       $CATALOGUE/oai?verb=Identify"
echo "The sandbox (pid $(cat "$DEMO/sandbox.pid" 2>/dev/null || echo '?')) and the catalogue (pid $(cat "$DEMO/search.pid" 2>/dev/null || echo '?')) keep running; try:"
echo "  CATALOGUE_SYNC_CONFIG=$CATALOGUE_SYNC_CONFIG $BIN/catalogue-sync quarantine list"
echo "  CATALOGUE_SYNC_CONFIG=$CATALOGUE_SYNC_CONFIG $BIN/catalogue-sync search 'gard*' --format video-game"
echo "Stop them with: kill \$(cat $DEMO/sandbox.pid $DEMO/search.pid)"
