#!/bin/bash
# Entrypoint of the local redis:*-alpine stand-in (Debian's redis-server),
# as the upstream image behaves: arguments starting with `-` are options to
# redis-server, and protected mode is off (the upstream build disables it:
# the container's network is the boundary, as in the upstream image).
set -e
case "${1:-}" in
  -*) set -- redis-server "$@" ;;
esac
if [ "${1:-}" = redis-server ]; then
  shift
  set -- redis-server --protected-mode no "$@"
fi
exec "$@"
