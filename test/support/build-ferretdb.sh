#!/usr/bin/env bash
# Builds FerretDB (the MongoDB-compatible server the MongoDB suites run against
# when no mongod is installed) into .cache/ferretdb/ferretdb, unless a working
# binary is already there. Needs Go; fetches the module through the Go module proxy.
#
# Why not simply `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2`:
# the module zip lacks build/version/version.txt (it is generated from git in
# FerretDB's own build), so that binary panics at start with "Invalid
# build/version/version.txt file content". So: download the module, copy it to a
# writable temp folder, write the version file, and build there.
set -euo pipefail

VERSION=v1.24.2
MODULE=github.com/FerretDB/FerretDB

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT_DIR="$ROOT/.cache/ferretdb"
OUT="$OUT_DIR/ferretdb"

if [ -x "$OUT" ] && "$OUT" --version >/dev/null 2>&1; then
  echo "build-ferretdb: $OUT is already built"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "build-ferretdb: Go is not installed (no 'go' on PATH); cannot build FerretDB $VERSION." >&2
  echo "build-ferretdb: install Go, put a ferretdb or mongod on PATH, or set CRASHLOG_TEST_MONGO_URI." >&2
  exit 1
fi

echo "build-ferretdb: building FerretDB $VERSION into $OUT (this takes a few minutes the first time)" >&2

# `go mod download` works outside any module when given module@version.
SRC=$(cd / && GOFLAGS=-mod=mod go mod download -json "$MODULE@$VERSION" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' | head -n 1)
if [ -z "$SRC" ] || [ ! -d "$SRC" ]; then
  echo "build-ferretdb: 'go mod download $MODULE@$VERSION' gave no source folder" >&2
  exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/crashlog-ferretdb-build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# The module cache is read-only; build in a writable copy.
cp -R "$SRC/." "$WORK/src"
chmod -R u+w "$WORK/src"
echo "$VERSION" > "$WORK/src/build/version/version.txt"

mkdir -p "$OUT_DIR"
(cd "$WORK/src" && CGO_ENABLED=0 go build -buildvcs=false -trimpath -o "$OUT_DIR/ferretdb.tmp" ./cmd/ferretdb)
# Rename last, so an interrupted build never leaves a half-written binary behind.
mv -f "$OUT_DIR/ferretdb.tmp" "$OUT"

"$OUT" --version >/dev/null
echo "build-ferretdb: built $OUT" >&2
