#!/usr/bin/env bash
# Make sure a PostgreSQL server (Debian's `main` cluster) runs on loopback with a `ridermap` role that may create
# databases (the server tests make one scratch database each), installing Debian's package when it
# is missing. Prints the URL the tests take as RIDERMAP_TEST_PG. Idempotent.
set -euo pipefail
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "installing PostgreSQL (Debian package)" >&2
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version main"; then
  as_root pg_createcluster "$version" main >&2
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -q online; then
  as_root pg_ctlcluster "$version" main start >&2
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')
for _ in $(seq 1 50); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 0.2
done
as_root su postgres -c "psql -q -v ON_ERROR_STOP=1" >&2 <<'SQL'
DO $$BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ridermap') THEN
    CREATE ROLE ridermap LOGIN CREATEDB PASSWORD 'ridermap';
  END IF;
END$$;
SQL
echo "postgres://ridermap:ridermap@127.0.0.1:$port/postgres"
