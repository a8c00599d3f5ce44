#!/usr/bin/env bash
# Make sure a PostgreSQL server (Debian's `main` cluster) runs on loopback with a `ridermap` role that may create
# databases (the server tests make one scratch database each), installing Debian's package when it
# is missing. Serves TLS with a certificate for 127.0.0.1 from a test CA made here (the TLS test connects
# with sslmode=require). Prints the URL the tests take as RIDERMAP_TEST_PG, or with `--ca` the path of
# that CA's certificate (RIDERMAP_TEST_PG_CA). Idempotent.
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
# A test CA and a server certificate for 127.0.0.1 / localhost, made once per cluster.
tls="/etc/postgresql/$version/main/ridermap-tls"
if [ ! -s "$tls/server.key" ]; then
  as_root mkdir -p "$tls"
  as_root openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Ridermap test CA" \
    -keyout "$tls/ca.key" -out "$tls/ca.pem" >/dev/null 2>&1
  as_root openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$tls/server.key" -out "$tls/server.csr" >/dev/null 2>&1
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' | as_root tee "$tls/ext.cnf" >/dev/null
  as_root openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial \
    -days 3650 -extfile "$tls/ext.cnf" -out "$tls/server.pem" >/dev/null 2>&1
  as_root chown postgres:postgres "$tls/server.key" "$tls/server.pem"
  as_root chmod 600 "$tls/server.key" "$tls/ca.key"
  as_root chmod 644 "$tls/ca.pem"
fi
as_root su postgres -c "psql -q -v ON_ERROR_STOP=1" >&2 <<SQL
ALTER SYSTEM SET ssl = on;
ALTER SYSTEM SET ssl_cert_file = '$tls/server.pem';
ALTER SYSTEM SET ssl_key_file = '$tls/server.key';
SELECT pg_reload_conf() \g /dev/null
SQL
if [ "${1:-}" = --ca ]; then
  echo "$tls/ca.pem"
else
  echo "postgres://ridermap:ridermap@127.0.0.1:$port/postgres"
fi
