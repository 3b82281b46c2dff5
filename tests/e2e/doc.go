// Package e2e holds end-to-end tests that run real phalad processes: a
// 4-validator devnet started by the project's own scripts/devnet.sh, driven
// through the phalad CLI and CometBFT RPC. They are skipped with -short.
//
// The phalad binary is taken from $PHALAD (`make test-e2e` sets it to
// build/phalad) or built into a temporary directory.
package e2e
