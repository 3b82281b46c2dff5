// Package e2e holds end-to-end tests that run real phalad processes: a
// 4-validator devnet started by the project's own scripts/devnet.sh, driven
// through the phalad CLI and CometBFT RPC. They are skipped with -short.
//
// The phalad and phala-enclave binaries are taken from $PHALAD and
// $PHALA_ENCLAVE (`make test-e2e` sets them to build/) or built into a
// temporary directory.
package e2e
