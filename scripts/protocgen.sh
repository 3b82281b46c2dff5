#!/usr/bin/env bash
# Generates Go code from proto/phala with buf and the pinned plugins in
# build/tools. With --check, generates into a scratch directory and fails if
# the committed code differs (stale generated code).
set -euo pipefail
cd "$(dirname "$0")/.."

module=github.com/phala-cosmos/phala-cosmos
gen=build/proto-gen
rm -rf "$gen"
build/tools/buf lint --path proto/phala
build/tools/buf generate --path proto/phala

if [[ "${1:-}" == "--check" ]]; then
  stale=0
  while IFS= read -r f; do
    rel=${f#"$gen/$module/"}
    if ! cmp -s "$f" "$rel"; then echo "stale generated file: $rel" >&2; stale=1; fi
  done < <(find "$gen/$module" -type f)
  # Generated files in the tree that the protos no longer produce.
  while IFS= read -r f; do
    [[ -f "$gen/$module/$f" ]] || { echo "orphaned generated file: $f" >&2; stale=1; }
  done < <(git ls-files -co --exclude-standard -- '*.pb.go' '*.pb.gw.go')
  if (( stale )); then echo "generated protobuf code is stale: run 'make proto-gen' and commit" >&2; exit 1; fi
  echo "generated protobuf code is up to date"
  exit 0
fi

cp -r "$gen/$module/." ./
echo "generated: $(find "$gen/$module" -type f | wc -l) files"
