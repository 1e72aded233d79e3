#!/bin/bash
# Entrypoint of the local postgres:*-alpine stand-in (Debian's PostgreSQL),
# with the upstream image's contract: an empty PGDATA is initialised with
# POSTGRES_USER (default postgres) and POSTGRES_PASSWORD, POSTGRES_DB is
# created, TCP clients authenticate with scram-sha-256, local ones are
# trusted. Arguments starting with `-` are options to postgres.
set -euo pipefail
if [[ "${1:-}" == -* ]]; then set -- postgres "$@"; fi
if [[ "${1:-}" != postgres ]]; then exec "$@"; fi

: "${PGDATA:=/var/lib/postgresql/data}"
user="${POSTGRES_USER:-postgres}"
db="${POSTGRES_DB:-${user}}"
if [[ ! -s "${PGDATA}/PG_VERSION" ]]; then
  [[ -n "${POSTGRES_PASSWORD:-}" ]] || { echo "postgres stand-in: POSTGRES_PASSWORD is not set (the upstream image refuses to start without it)" >&2; exit 1; }
  mkdir -p "${PGDATA}"
  chmod 0700 "${PGDATA}"
  pwfile="$(mktemp)"
  printf '%s' "${POSTGRES_PASSWORD}" >"${pwfile}"
  initdb --pgdata="${PGDATA}" --username="${user}" --pwfile="${pwfile}" \
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 >/dev/null
  rm -f "${pwfile}"
  printf "listen_addresses = '*'\n" >>"${PGDATA}/postgresql.conf"
  printf 'host all all all scram-sha-256\n' >>"${PGDATA}/pg_hba.conf"
  if [[ "${db}" != postgres ]]; then
    # Single-user mode: no server listens before the database exists.
    quoted="\"${db//\"/\"\"}\""
    owner="\"${user//\"/\"\"}\""
    printf 'CREATE DATABASE %s OWNER %s;\n' "${quoted}" "${owner}" |
      postgres --single -D "${PGDATA}" -j postgres >/dev/null
  fi
  echo "postgres stand-in: initialised ${PGDATA} (user ${user}, database ${db})" >&2
fi
exec "$@" -D "${PGDATA}"
