package types

// Event types and attribute keys emitted by x/staking-npos.
const (
	EventTypeValidatorActivated   = "validator_activated"
	EventTypeValidatorDeactivated = "validator_deactivated"
	EventTypeJail                 = "jail"
	EventTypeUnjail               = "unjail"
	EventTypeSlash                = "slash"
	EventTypeSlashDeferred        = "slash_deferred"
	EventTypeBond                 = "bond"
	EventTypeUnbond               = "unbond"
	EventTypeWithdraw             = "withdraw_unbonded"
	EventTypeRebond               = "rebond"
	EventTypeValidate             = "validate"
	EventTypeNominate             = "nominate"
	EventTypeChill                = "chill"
	EventTypeNewEra               = "new_era"
	EventTypeEraPayout            = "era_payout"
	EventTypeReward               = "reward"
	EventTypeElectionFailed       = "election_failed"

	AttributeKeyValidator = "validator"
	AttributeKeyStash     = "stash"
	AttributeKeyAmount    = "amount"
	AttributeKeyReason    = "reason"
	AttributeKeyEra       = "era"
	AttributeKeyElected   = "elected"
	AttributeKeyPage      = "page"
)
