#!/usr/bin/env bash
# Copies the third-party .proto files that proto/phala imports from the Go
# module cache into third_party/proto. There is no schema registry to pull
# them from, so they are vendored at the exact versions go.mod pins.
set -euo pipefail
cd "$(dirname "$0")/.."

modpath() { go list -m -f '{{.Dir}}' "$1"; }
sdk=$(modpath github.com/cosmos/cosmos-sdk)
gogo=$(modpath github.com/cosmos/gogoproto)
cosmosproto=$(modpath github.com/cosmos/cosmos-proto)
gateway=$(go mod download -json github.com/grpc-ecosystem/grpc-gateway@v1.16.0 | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')

out=third_party/proto
rm -rf "$out"
copy() { mkdir -p "$out/$(dirname "$2")"; cp "$1/$2" "$out/$2"; chmod 644 "$out/$2"; }
copy "$gogo" gogoproto/gogo.proto
copy "$cosmosproto/proto" cosmos_proto/cosmos.proto
for f in amino/amino.proto cosmos/msg/v1/msg.proto cosmos/query/v1/query.proto \
         cosmos/base/query/v1beta1/pagination.proto cosmos/base/v1beta1/coin.proto; do
  copy "$sdk/proto" "$f"
done
copy "$gateway/third_party/googleapis" google/api/annotations.proto
copy "$gateway/third_party/googleapis" google/api/http.proto
echo "vendored into $out:"; (cd "$out" && find . -name '*.proto' | sort)
