// Package e2e holds end-to-end tests that run real phalad processes: a
// 4-validator devnet started by the project's own scripts/devnet.sh, driven
// through the phalad CLI and CometBFT RPC. They are skipped with -short.
//
// The phalad, phala-enclave and phala-worker binaries are taken from
// $PHALAD, $PHALA_ENCLAVE and $PHALA_WORKER (`make test-e2e` sets them to
// build/) or built into a temporary directory.
package e2e
