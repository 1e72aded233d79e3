#!/bin/sh
# Entrypoint of the local node:*-slim stand-in, with the upstream image's
# behaviour: `docker run IMAGE -e '...'` or `docker run IMAGE app.js` runs
# node with those arguments; a command that exists (`npm`, `sh -c ...`) runs
# as it is.
set -e
first="${1:-}"
case "${first}" in
  -*) set -- node "$@" ;;
  *)
    # Not a command on PATH, or a plain (non-executable) file: a node script.
    if [ -z "$(command -v -- "${first}" 2>/dev/null || true)" ] || { [ -f "${first}" ] && [ ! -x "${first}" ]; }; then
      set -- node "$@"
    fi ;;
esac
exec "$@"
