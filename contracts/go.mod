module github.com/phala-cosmos/phala-cosmos/contracts

go 1.26.8
