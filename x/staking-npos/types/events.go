package types

// Event types and attribute keys emitted by x/staking-npos.
const (
	EventTypeValidatorActivated   = "validator_activated"
	EventTypeValidatorDeactivated = "validator_deactivated"
	EventTypeJail                 = "jail"
	EventTypeUnjail               = "unjail"
	EventTypeSlash                = "slash"

	AttributeKeyValidator = "validator"
	AttributeKeyAmount    = "amount"
	AttributeKeyReason    = "reason"
)
