#!/usr/bin/env bash
# Installs the pinned nats-server and `nats` CLI (versions in package.json "config") into
# .tools/bin with `go install`, unless that folder already has them at the pinned version.
# Prints the folder to put on PATH. Used by .ci/run and by `npm run nats:install`.
set -euo pipefail
cd "$(dirname "$0")/.."

pinned() { node -p "require('./package.json').config.$1"; }
server_version=$(pinned natsServer)
cli_version=$(pinned natsCli)
bin_dir="$PWD/.tools/bin"
mkdir -p "$bin_dir"

installed_version() { # prints the version a binary reports, without the leading v; empty if absent
  [[ -x "$1" ]] || return 0
  "$1" --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n1
}

install() { # module@version, binary name, wanted version
  local have
  have=$(installed_version "$bin_dir/$2")
  if [[ "$have" == "$3" ]]; then
    echo "$2 $have already in $bin_dir" >&2
    return
  fi
  if ! command -v go >/dev/null 2>&1; then
    echo "install-nats: Go is needed to build $2 v$3 (or put $2 v$3 in $bin_dir yourself)" >&2
    exit 1
  fi
  echo "installing $2 v$3 into $bin_dir (go install $1@v$3)" >&2
  GOBIN="$bin_dir" GOFLAGS=-mod=mod go install "$1@v$3"
}

install github.com/nats-io/nats-server/v2 nats-server "$server_version"
install github.com/nats-io/natscli/nats nats "$cli_version"
echo "$bin_dir"
