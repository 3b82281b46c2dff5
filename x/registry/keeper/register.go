package keeper

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/attestation"
	"github.com/phala-cosmos/phala-cosmos/enclave/binding"
	"github.com/phala-cosmos/phala-cosmos/enclave/tee"
	"github.com/phala-cosmos/phala-cosmos/enclave/tee/sim"
	"github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// Gas for verification, charged before the work so that a failing
// registration still pays. A quote verification costs about 15 ECDSA P-256
// verifications (docs/benchmarks.md); the SDK charges 1,000 gas per
// signature it verifies, so 20,000 leaves a margin. Collateral verification
// makes about half the signature checks.
const (
	QuoteVerificationGas      = 20_000
	CollateralVerificationGas = 10_000
	SimReportVerificationGas  = 2_000
)

// TCBStatusSimulated is the TCB status recorded for simulated workers.
const TCBStatusSimulated = "Simulated (INSECURE)"

// attested is what verified evidence says about an enclave.
type attested struct {
	backend     tee.Backend
	mrEnclave   [32]byte
	mrSigner    [32]byte
	isvProdID   uint16
	isvSVN      uint16
	reportData  [64]byte
	tcbStatus   string
	advisoryIDs []string
	fmspc       string
}

// verifyEvidence checks a quote (with the given or the stored collateral) or,
// where the policy allows simulation, a simulated report, at block time.
func (k Keeper) verifyEvidence(ctx context.Context, params types.Params, evidence []byte, collateral *types.Collateral) (*attested, error) {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	if sim.IsReport(evidence) {
		if !params.AllowSimulation {
			return nil, errorsmod.Wrap(types.ErrSimulationNotAllowed,
				"the evidence is a simulated (INSECURE) report and this chain's policy has allow_simulation false: register from an SGX enclave")
		}
		sdkCtx.GasMeter().ConsumeGas(SimReportVerificationGas, "simulated report verification")
		r, err := sim.VerifyReport(evidence)
		if err != nil {
			return nil, errorsmod.Wrap(types.ErrAttestation, err.Error())
		}
		if r.Measurement.Debug {
			return nil, errorsmod.Wrap(types.ErrAttestation, "sim: the simulated enclave reports debug mode")
		}
		m := r.Measurement
		return &attested{backend: tee.BackendSim, mrEnclave: m.MREnclave, mrSigner: m.MRSigner, isvProdID: m.ISVProdID,
			isvSVN: m.ISVSVN, reportData: r.ReportData, tcbStatus: TCBStatusSimulated}, nil
	}

	sdkCtx.GasMeter().ConsumeGas(QuoteVerificationGas, "sgx quote verification")
	quote, err := attestation.ParseQuote(evidence)
	if err != nil {
		return nil, errorsmod.Wrap(types.ErrAttestation, err.Error())
	}
	ext, err := quote.PCKExtensions()
	if err != nil {
		return nil, errorsmod.Wrap(types.ErrAttestation, err.Error())
	}
	fmspc := hex.EncodeToString(ext.FMSPC[:])
	if collateral == nil {
		rec, err := k.Collateral.Get(ctx, fmspc)
		if err != nil {
			return nil, errorsmod.Wrapf(types.ErrNoCollateral, "no collateral is stored for FMSPC %s: include it in the registration or submit it first (submit-collateral)", fmspc)
		}
		collateral = &rec.Collateral
	}
	res, err := attestation.NewVerifier(params.AttestationPolicy()).Verify(quote, collateral.Attestation(), sdkCtx.BlockTime())
	if err != nil {
		return nil, errorsmod.Wrap(types.ErrAttestation, err.Error())
	}
	return &attested{backend: tee.BackendSGX, mrEnclave: res.MREnclave, mrSigner: res.MRSigner, isvProdID: res.ISVProdID,
		isvSVN: res.ISVSVN, reportData: res.ReportData, tcbStatus: string(res.TCBStatus), advisoryIDs: res.AdvisoryIDs, fmspc: fmspc}, nil
}

// expectedReportData is the binding a registration's evidence must carry.
func (k Keeper) expectedReportData(ctx context.Context, operator sdk.AccAddress, identity, ecdh []byte) ([64]byte, error) {
	genesisHash, err := k.GenesisHash.Get(ctx)
	if err != nil {
		return [64]byte{}, fmt.Errorf("genesis hash not recorded: %w", err)
	}
	return binding.ReportData(sdk.UnwrapSDKContext(ctx).ChainID(), genesisHash, identity, ecdh, operator), nil
}

// attest verifies evidence for a worker's keys and operator, in this order,
// the binding last: the evidence (quote and collateral, or a simulated
// report the policy allows), the allowed measurements, then the report
// data's commitment to this chain, the keys and the operator.
func (k Keeper) attest(ctx context.Context, operator sdk.AccAddress, identity, ecdh, evidence []byte, collateral *types.Collateral) (*attested, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	a, err := k.verifyEvidence(ctx, params, evidence, collateral)
	if err != nil {
		return nil, err
	}
	if !params.Allows(a.mrEnclave, a.mrSigner, a.isvProdID, a.isvSVN) {
		return nil, errorsmod.Wrapf(types.ErrMeasurementNotAllowed,
			"MRENCLAVE %x MRSIGNER %x ISVPRODID %d ISVSVN %d matches no allowed_enclaves entry", a.mrEnclave, a.mrSigner, a.isvProdID, a.isvSVN)
	}
	want, err := k.expectedReportData(ctx, operator, identity, ecdh)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(a.reportData[:], want[:]) {
		return nil, errorsmod.Wrapf(types.ErrReportDataBinding,
			"report data %x, want %x: the enclave must attest SHA-256 of the domain tag, chain-id %q, genesis hash, both keys and operator %s (query registry report-data)",
			a.reportData, want, sdk.UnwrapSDKContext(ctx).ChainID(), operator)
	}
	return a, nil
}

// record writes what an attestation says into a worker record.
func (a *attested) record(ctx context.Context, w *types.Worker) {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	w.Backend = string(a.backend)
	w.MrEnclave = hex.EncodeToString(a.mrEnclave[:])
	w.MrSigner = hex.EncodeToString(a.mrSigner[:])
	w.IsvProdId = uint32(a.isvProdID)
	w.IsvSvn = uint32(a.isvSVN)
	w.TcbStatus = a.tcbStatus
	w.AdvisoryIds = a.advisoryIDs
	w.Fmspc = a.fmspc
	w.AttestedHeight = sdkCtx.BlockHeight()
	w.AttestedTime = sdkCtx.BlockTime()
}

// RegisterWorker verifies a registration (see attest) and stores the worker
// with no bond yet.
func (k Keeper) RegisterWorker(ctx context.Context, msg *types.MsgRegisterWorker) (*types.Worker, error) {
	operator, err := sdk.AccAddressFromBech32(msg.Operator)
	if err != nil {
		return nil, err
	}
	if has, err := k.Workers.Has(ctx, msg.IdentityPubkey); err != nil {
		return nil, err
	} else if has {
		return nil, errorsmod.Wrapf(types.ErrWorkerExists, "identity key %x (renew-worker refreshes its attestation)", msg.IdentityPubkey)
	}
	a, err := k.attest(ctx, operator, msg.IdentityPubkey, msg.EcdhPubkey, msg.Evidence, msg.Collateral)
	if err != nil {
		return nil, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	w := types.Worker{
		IdentityPubkey:   msg.IdentityPubkey,
		EcdhPubkey:       msg.EcdhPubkey,
		Operator:         msg.Operator,
		Endpoint:         msg.Endpoint,
		RegisteredHeight: sdk.UnwrapSDKContext(ctx).BlockHeight(),
		Bond:             sdk.NewCoin(params.MinWorkerBond.Denom, math.ZeroInt()),
	}
	a.record(ctx, &w)
	if err := k.Workers.Set(ctx, w.IdentityPubkey, w); err != nil {
		return nil, err
	}
	if err := k.Stats.Set(ctx, w.IdentityPubkey, newStats(w.IdentityPubkey)); err != nil {
		return nil, err
	}
	// The enclave's first message: proof that the chain admitted it.
	if _, err := k.Enqueue(ctx, w.IdentityPubkey, enclaveapi.IngressMessage{Body: &enclaveapi.IngressMessage_Registered{Registered: &enclaveapi.WorkerRegistered{
		Height: w.RegisteredHeight, Operator: w.Operator, EcdhPubkey: w.EcdhPubkey, Backend: w.Backend,
	}}}); err != nil {
		return nil, err
	}
	return &w, nil
}

// RenewWorker refreshes a worker's attestation with fresh evidence bound to
// its registered keys and operator; the measurement may change (an upgrade)
// if the policy allows the new one.
func (k Keeper) RenewWorker(ctx context.Context, msg *types.MsgRenewWorker) (*types.Worker, error) {
	w, operator, err := k.operatedWorker(ctx, msg.Operator, msg.IdentityPubkey)
	if err != nil {
		return nil, err
	}
	a, err := k.attest(ctx, operator, w.IdentityPubkey, w.EcdhPubkey, msg.Evidence, msg.Collateral)
	if err != nil {
		return nil, err
	}
	a.record(ctx, &w)
	if err := k.Workers.Set(ctx, w.IdentityPubkey, w); err != nil {
		return nil, err
	}
	return &w, nil
}

// operatedWorker loads a worker that operator operates and has not
// deregistered.
func (k Keeper) operatedWorker(ctx context.Context, operator string, identity []byte) (types.Worker, sdk.AccAddress, error) {
	addr, err := sdk.AccAddressFromBech32(operator)
	if err != nil {
		return types.Worker{}, nil, err
	}
	w, err := k.Workers.Get(ctx, identity)
	if errors.Is(err, collections.ErrNotFound) {
		return types.Worker{}, nil, errorsmod.Wrapf(types.ErrWorkerNotFound, "identity key %x", identity)
	}
	if err != nil {
		return types.Worker{}, nil, err
	}
	if w.Operator != operator {
		return types.Worker{}, nil, errorsmod.Wrapf(types.ErrNotOperator, "worker %x is operated by %s", identity, w.Operator)
	}
	if w.DeregisterTime != nil {
		return types.Worker{}, nil, errorsmod.Wrapf(types.ErrWorkerDeregistering, "worker %x leaves at %s", identity, w.DeregisterTime.UTC().Format(time.RFC3339))
	}
	return w, addr, nil
}

// SubmitCollateral verifies collateral on its own against Intel's root at
// block time and stores it for its FMSPC unless a newer one is stored.
func (k Keeper) SubmitCollateral(ctx context.Context, submitter string, c types.Collateral) (*types.CollateralRecord, error) {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	sdkCtx.GasMeter().ConsumeGas(CollateralVerificationGas, "sgx collateral verification")
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	info, err := attestation.NewVerifier(params.AttestationPolicy()).VerifyCollateral(c.Attestation(), sdkCtx.BlockTime())
	if err != nil {
		return nil, errorsmod.Wrap(types.ErrInvalidCollateral, err.Error())
	}
	fmspc := hex.EncodeToString(info.FMSPC[:])
	old, err := k.Collateral.Get(ctx, fmspc)
	switch {
	case err == nil && !info.TCBInfoIssued.After(old.TcbInfoIssued) && !info.QEIdentityIssued.After(old.QeIdentityIssued):
		return nil, errorsmod.Wrapf(types.ErrCollateralNotNewer, "FMSPC %s: stored TCB info issued %s, QE identity %s",
			fmspc, old.TcbInfoIssued.UTC().Format("2006-01-02T15:04:05Z"), old.QeIdentityIssued.UTC().Format("2006-01-02T15:04:05Z"))
	case err != nil && !errors.Is(err, collections.ErrNotFound):
		return nil, err
	}
	rec := types.CollateralRecord{
		Fmspc: fmspc, Collateral: c, TcbInfoIssued: info.TCBInfoIssued, QeIdentityIssued: info.QEIdentityIssued,
		Expires: info.Expires, Submitter: submitter, SubmittedHeight: sdkCtx.BlockHeight(),
	}
	if err := k.Collateral.Set(ctx, fmspc, rec); err != nil {
		return nil, err
	}
	return &rec, nil
}
