package attestation

import "fmt"

// Step names a stage of quote verification. Every error this package returns
// is an *Error carrying the step that failed, so a caller (and a user reading
// the message) knows which part of the quote or collateral to look at.
type Step string

// The verification steps, in the order Verify runs them.
const (
	StepParseQuote         Step = "parse quote"
	StepParseCollateral    Step = "parse collateral"
	StepPCKChain           Step = "pck certificate chain"
	StepPCKExtensions      Step = "pck sgx extensions"
	StepRootCACRL          Step = "root ca crl"
	StepPCKCRL             Step = "pck crl"
	StepQEReportSignature  Step = "qe report signature"
	StepQEReportData       Step = "qe report data"
	StepISVReportSignature Step = "isv report signature"
	StepQEIdentity         Step = "qe identity"
	StepTCBInfo            Step = "tcb info"
	StepTCBStatus          Step = "tcb status"
	StepDebug              Step = "debug enclave"
)

// Error is a verification failure at one step.
type Error struct {
	Step Step
	Err  error
}

// Error implements error: "attestation: <step>: <reason>".
func (e *Error) Error() string { return fmt.Sprintf("attestation: %s: %v", e.Step, e.Err) }

// Unwrap returns the underlying reason.
func (e *Error) Unwrap() error { return e.Err }

// fail wraps a formatted reason into an *Error at step.
func fail(step Step, format string, args ...any) *Error {
	return &Error{Step: step, Err: fmt.Errorf(format, args...)}
}
