#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on 127.0.0.1, installing them with apt-get and
# starting them where needed, and that the catalogue_sync role and test database exist.
set -euo pipefail

apt_install() {
    if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Runs SQL as the postgres superuser: over TCP where trust auth allows it, else by peer auth.
as_superuser() {
    if psql -h 127.0.0.1 -U postgres -qtAX -c 'select 1' >/dev/null 2>&1; then
        psql -h 127.0.0.1 -U postgres -qtAX -c "$1"
    else
        su postgres -c "psql -qtAX" <<<"$1"
    fi
}

ensure_postgres() {
    command -v pg_ctlcluster >/dev/null || apt_install postgresql postgresql-client
    if ! pg_isready -q -h 127.0.0.1 -p 5432; then
        local version
        version=$(ls /etc/postgresql | sort -V | tail -n 1)
        pg_ctlcluster --skip-systemctl-redirect "$version" main start
        for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    fi
    pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL did not start" >&2; exit 1; }
    if [ "$(as_superuser "select 1 from pg_roles where rolname = 'catalogue_sync'")" != 1 ]; then
        as_superuser "create role catalogue_sync login createdb password 'catalogue_sync'" >/dev/null
    fi
    if [ "$(as_superuser "select 1 from pg_database where datname = 'catalogue_sync_test'")" != 1 ]; then
        as_superuser "create database catalogue_sync_test owner catalogue_sync" >/dev/null
    fi
    # A test run as another role (pytest started by hand) may have created it: the tests
    # create a schema per session, which needs the owner's rights.
    as_superuser "alter database catalogue_sync_test owner to catalogue_sync" >/dev/null
}

ensure_redis() {
    command -v redis-server >/dev/null || apt_install redis-server
    if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
        mkdir -p /var/lib/redis /var/log/redis
        redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
            --dir /var/lib/redis --logfile /var/log/redis/catalogue-sync.log
        for _ in $(seq 30); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.5; done
    fi
    redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { echo "Redis did not start" >&2; exit 1; }
}

ensure_postgres
ensure_redis
