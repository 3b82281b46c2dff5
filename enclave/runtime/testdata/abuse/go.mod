module abuse

go 1.26.8

require github.com/phala-cosmos/phala-cosmos/contracts v0.0.0

replace github.com/phala-cosmos/phala-cosmos/contracts => ../../../../contracts
