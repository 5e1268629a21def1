#!/usr/bin/env bash
# The demo: serve the sandbox network of libraries, declare it with harvest schedules, check
# one library, start a harvester worker that harvests (merges and indexes) what the schedules
# say, show the status and a search, then serve the catalogue with its dashboard, the gateway
# and the vendors. Run again, it queues incremental harvests.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.venv/bin
DEMO=var/demo
PORT=${SANDBOX_PORT:-8100}
SEARCH_PORT=${SEARCH_PORT:-8000}
GATEWAY_PORT=${GATEWAY_PORT:-8001}
VENDORS_PORT=${VENDORS_PORT:-8102}
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
if ! grep -q '^schedule = ' "$CATALOGUE_SYNC_CONFIG"; then
    echo "== Giving each library a harvest schedule and its commune in $CATALOGUE_SYNC_CONFIG"
    $BIN/python scripts/demo_schedules.py "$CATALOGUE_SYNC_CONFIG"
fi
if ! grep -q '^\[gateway\]' "$CATALOGUE_SYNC_CONFIG"; then
    echo "== Declaring the sandbox vendors and the gateway in $CATALOGUE_SYNC_CONFIG"
    grep -q '^\[cache\]' "$CATALOGUE_SYNC_CONFIG" || printf '\n[cache]\nredis_url = "redis://127.0.0.1:6379/0"\nkey_prefix = "demo"\n' >>"$CATALOGUE_SYNC_CONFIG"
    $BIN/python -c "from services.sandbox.vendors import offer_toml; print(offer_toml('http://127.0.0.1:$VENDORS_PORT', 'http://127.0.0.1:$GATEWAY_PORT'))" >>"$CATALOGUE_SYNC_CONFIG"
fi
# The gateway's pseudonym keys and the sandbox vendor's signing key: made once, kept out of
# network.toml (a real network keeps them in .env, docs/gateway.md).
if [ ! -f "$DEMO/gateway.env" ]; then
    $BIN/python -c "import secrets; print(f'export CATALOGUE_SYNC_PSEUDONYM_KEYS=v1:{secrets.token_hex(32)}'); print(f'export SANDBOX_VENDOR_KEY={secrets.token_hex(32)}')" >"$DEMO/gateway.env"
    chmod 600 "$DEMO/gateway.env"
fi
# shellcheck disable=SC1091
source "$DEMO/gateway.env"
if [ -z "${SANDBOX_LIRENLIGNE_API_KEY:-}" ]; then  # the API vendor's key, shown once, kept here
    key=$($BIN/catalogue-sync vendor add-key lirenligne --label "sandbox e-book site")
    echo "export SANDBOX_LIRENLIGNE_API_KEY=$key" >>"$DEMO/gateway.env"
    export SANDBOX_LIRENLIGNE_API_KEY=$key
fi
# The dashboard's account (a random password, kept here) and a key for the SUSHI endpoint.
if [ -z "${CATALOGUE_SYNC_ADMINS:-}" ]; then
    password=$($BIN/python -c "import secrets; print(secrets.token_urlsafe(12))")
    account=$(printf '%s\n%s\n' "$password" "$password" \
        | $BIN/catalogue-sync admin hash-password bibliothecaire 2>/dev/null)
    sushi=$($BIN/python -c "import secrets; print(secrets.token_urlsafe(24))")
    { echo "export DEMO_ADMIN_PASSWORD=$password"
      echo "export CATALOGUE_SYNC_ADMINS='$account'"
      echo "export CATALOGUE_SYNC_SUSHI_KEYS=$sushi"; } >>"$DEMO/gateway.env"
    # shellcheck disable=SC1091
    source "$DEMO/gateway.env"
fi

first=$($BIN/python -c "import tomllib; print(next(iter(tomllib.load(open('$CATALOGUE_SYNC_CONFIG', 'rb'))['libraries'])))")
echo "== catalogue-sync library check $first"
$BIN/catalogue-sync library check "$first"
# The harvester service: a worker takes jobs from the Redis queue. On a first run every
# library's schedule is due, so the worker harvests them all by itself, then merges and
# indexes; on the next runs the harvests are queued on demand, as the dashboard's buttons do.
if ! { [ -f "$DEMO/harvester.pid" ] && kill -0 "$(cat "$DEMO/harvester.pid")" 2>/dev/null; }; then
    echo "== catalogue-sync serve harvester (a worker; log in $DEMO/harvester.log)"
    nohup $BIN/catalogue-sync serve harvester --tick 5 >"$DEMO/harvester.log" 2>&1 &
    echo $! >"$DEMO/harvester.pid"
fi
harvested=$($BIN/catalogue-sync status --json | $BIN/python -c "import json, sys; print(any(l['last_harvest'] for l in json.load(sys.stdin)['libraries']))")
if [ "$harvested" = True ]; then
    echo "== catalogue-sync harvest --queue (incremental harvests of every library, on demand)"
    $BIN/catalogue-sync harvest --queue
else
    echo "== The schedules queue every library's first harvest; the worker runs them"
fi
sleep 6  # a scheduler tick, so that the scheduled jobs are queued before we wait on them
echo "== catalogue-sync jobs --wait 900"
$BIN/catalogue-sync jobs --wait 900 || echo "(see $DEMO/harvester.log)"
# The sandbox vendors' title lists (KBART): their titles join the union catalogue online.
echo "== catalogue-sync resources import-kbart (the sandbox vendors' title lists)"
$BIN/catalogue-sync resources import-kbart kiosque presse "$BASE/kbart/kiosque/presse.txt"
$BIN/catalogue-sync resources import-kbart lirenligne romans "$BASE/kbart/lirenligne/romans.txt"
echo "== catalogue-sync status"
$BIN/catalogue-sync status
# Six months of patrons opening the sandbox's resources, for the dashboard's usage charts.
$BIN/python -m services.sandbox.usage --months 6
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

# The gateway and the two sandbox vendors (a CAS press site, a signed-link training site).
VENDORS=http://127.0.0.1:$VENDORS_PORT
GATEWAY=http://127.0.0.1:$GATEWAY_PORT
if ! up "$VENDORS/_health"; then
    nohup $BIN/python -m services.sandbox.vendors --port "$VENDORS_PORT" --gateway "$GATEWAY" \
        >"$DEMO/vendors.log" 2>&1 &
    echo $! >"$DEMO/vendors.pid"
fi
if ! up "$GATEWAY/health"; then
    echo "== catalogue-sync serve gateway --port $GATEWAY_PORT (log in $DEMO/gateway.log)"
    nohup $BIN/catalogue-sync serve gateway --port "$GATEWAY_PORT" >"$DEMO/gateway.log" 2>&1 &
    echo $! >"$DEMO/gateway.pid"
fi
for _ in $(seq 60); do up "$GATEWAY/health" && up "$VENDORS/_health" && break; sleep 0.5; done
up "$GATEWAY/health" || { echo "the gateway did not start; see $DEMO/gateway.log" >&2; exit 1; }
up "$VENDORS/_health" || { echo "the sandbox vendors did not start; see $DEMO/vendors.log" >&2; exit 1; }

echo
echo "The librarians' dashboard: $CATALOGUE/admin  (account bibliothecaire, password $DEMO_ADMIN_PASSWORD)"
echo "  harvests on schedule by the worker: $BIN/catalogue-sync jobs; usage charts: $CATALOGUE/admin/graphiques"
echo "  SUSHI: curl -H 'Authorization: Bearer $CATALOGUE_SYNC_SUSHI_KEYS' '$CATALOGUE/sushi/r5/reports/dr?begin_date=$(date -u -d '-5 months' +%Y-%m)&end_date=$(date -u +%Y-%m)'"
echo "The web catalogue is open: $CATALOGUE/"
echo "  search API    $CATALOGUE/api/v1/search?q=bretagne   (OpenAPI: $CATALOGUE/docs)"
echo "  SRU           $CATALOGUE/sru?operation=explain"
echo "  OAI-PMH       $CATALOGUE/oai?verb=Identify"
echo "The digital resources gateway is open: $GATEWAY/"
echo "  sign in with card FM000001 and PIN 1234 (an adult of the Médiathèque François-Mitterrand),"
echo "  or FM000002 / 2468 (youth: no self-training); every library's patrons:"
echo "  $BIN/python -m services.sandbox --patrons"
echo "  then open Presse en ligne (CAS), Autoformation (signed link) or Livres numériques (the"
echo "  vendor asks the gateway's API) from Mes ressources numériques"
echo "The sandbox, the harvester worker, the catalogue, the gateway and the vendors keep running; try:"
echo "  CATALOGUE_SYNC_CONFIG=$CATALOGUE_SYNC_CONFIG $BIN/catalogue-sync quarantine list"
echo "  CATALOGUE_SYNC_CONFIG=$CATALOGUE_SYNC_CONFIG $BIN/catalogue-sync search 'gard*' --format video-game"
echo "Stop them with: kill \$(cat $DEMO/*.pid)"
