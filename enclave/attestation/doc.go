// Package attestation verifies Intel SGX DCAP (ECDSA) quotes in pure,
// deterministic Go, down to a pinned Intel SGX Root CA, at a time the caller
// gives. The chain runs it inside x/registry at block time; `phalad tools
// verify-quote` runs it offline.
//
// # What is checked
//
// ParseQuote accepts quote versions 3 and 4 (SGX only) with an ECDSA-P256
// attestation key from Intel's quoting enclave (QE) and the PCK certificate
// chain embedded as certification data; anything truncated, padded or
// otherwise shaped is refused. Verifier.Verify then checks, in order:
//
//  1. the PCK chain: leaf, PCK CA and (optionally) root, each signed by the
//     next, the top by the pinned root, all valid at the given time; a chain
//     to any other root is refused;
//  2. the PCK leaf's SGX extensions (FMSPC, PCE-ID, TCB components, PCESVN);
//  3. revocation: the PCK CA against the root CA CRL and the leaf against the
//     PCK CRL, each CRL signed by its issuer and within its
//     thisUpdate..nextUpdate window (missing CRLs only if the policy allows);
//  4. the QE report's signature by the PCK key;
//  5. the QE report data: SHA-256(attestation key || QE auth data), then zeros;
//  6. the ISV enclave report (with the quote header) signed by the attestation key;
//  7. the signed QE identity: issuer chain to the root, signature over
//     Intel's exact bytes, issue date within the policy's maximum collateral
//     age, MRSIGNER, ISVPRODID, masked MISCSELECT and attributes, and the QE's
//     TCB level from its ISVSVN;
//  8. the signed TCB info: issuer chain, signature, age, FMSPC and PCE-ID
//     equal to the PCK certificate's, and the first TCB level whose 16
//     component SVNs and PCESVN the PCK certificate's TCB reaches, giving the
//     platform's TCB status and advisory IDs;
//  9. the combined status (an out-of-date QE makes the quote out of date, as
//     in Intel's library): Revoked is never accepted, others per the policy;
//  10. the DEBUG attribute: refused unless the policy allows debug enclaves.
//
// Every failure is an *Error whose Step names the check that failed.
//
// # Time and determinism
//
// Nothing reads the clock: certificates, CRLs and collateral ages are judged
// at the time passed in (block time on chain). Intel's nextUpdate on TCB info
// and QE identity is a refresh hint; Policy.MaxCollateralAge from the issue
// date is the limit (30 days by default, Intel's reissue cadence). The
// verifier holds no state, iterates no maps, and uses no floating point, so
// every validator reaches the same verdict.
package attestation
