// Package txsigner signs transactions offline, without a keyring or a node:
// the caller supplies the key, account number and sequence. Load generators
// and tests use it to build many transactions quickly.
package txsigner

import (
	"context"

	"github.com/cosmos/cosmos-sdk/client"
	clienttx "github.com/cosmos/cosmos-sdk/client/tx"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/tx/signing"
	authsigning "github.com/cosmos/cosmos-sdk/x/auth/signing"
)

// Account is what signing needs to know of the signer.
type Account struct {
	Key           cryptotypes.PrivKey
	AccountNumber uint64
	Sequence      uint64
}

// Options are the transaction's envelope.
type Options struct {
	ChainID  string
	GasLimit uint64
	Fee      sdk.Coins
	Memo     string
}

// Sign builds a transaction of msgs signed by acc with SIGN_MODE_DIRECT and
// returns its wire encoding.
func Sign(txConfig client.TxConfig, opts Options, acc Account, msgs ...sdk.Msg) ([]byte, error) {
	b := txConfig.NewTxBuilder()
	if err := b.SetMsgs(msgs...); err != nil {
		return nil, err
	}
	b.SetGasLimit(opts.GasLimit)
	b.SetFeeAmount(opts.Fee)
	b.SetMemo(opts.Memo)
	pub := acc.Key.PubKey()
	// The signer info (key and sequence) is part of the signed bytes, so it
	// goes in first with an empty signature.
	if err := b.SetSignatures(signing.SignatureV2{
		PubKey:   pub,
		Data:     &signing.SingleSignatureData{SignMode: signing.SignMode_SIGN_MODE_DIRECT},
		Sequence: acc.Sequence,
	}); err != nil {
		return nil, err
	}
	sig, err := clienttx.SignWithPrivKey(context.Background(), signing.SignMode_SIGN_MODE_DIRECT,
		authsigning.SignerData{
			Address:       sdk.AccAddress(pub.Address()).String(),
			ChainID:       opts.ChainID,
			AccountNumber: acc.AccountNumber,
			Sequence:      acc.Sequence,
			PubKey:        pub,
		}, b, acc.Key, txConfig, acc.Sequence)
	if err != nil {
		return nil, err
	}
	if err := b.SetSignatures(sig); err != nil {
		return nil, err
	}
	return txConfig.TxEncoder()(b.GetTx())
}
