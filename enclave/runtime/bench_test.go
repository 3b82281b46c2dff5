package runtime

import (
	"context"
	"testing"

	"github.com/phala-cosmos/phala-cosmos/internal/wasmbuild"
)

// BenchmarkCall is one hello command and one query, each in a fresh
// instance, on both engines (compilation excluded: the cache is warm).
func BenchmarkCall(b *testing.B) {
	ctx := context.Background()
	hello := wasmbuildHello(b)
	for _, engine := range engines {
		for _, entry := range []Entry{EntryHandle, EntryQuery} {
			b.Run(engine.String()+"/"+entry.String(), func(b *testing.B) {
				cfg := DefaultConfig()
				cfg.Engine = engine
				rt := New(cfg)
				defer rt.Close(ctx)
				state := mapState{"counter": []byte(`{"count":1,"owner":"alice"}`)}
				msg := map[Entry]string{EntryHandle: `{"increment": {}}`, EntryQuery: `{"get_count": {}}`}[entry]
				call := Call{Entry: entry, Msg: []byte(msg), Env: env("alice"), State: state, Fuel: plenty}
				if _, err := rt.Run(ctx, hello, call); err != nil {
					b.Fatal(err)
				}
				var fuel uint64
				for b.Loop() {
					out, err := rt.Run(ctx, hello, call)
					if err != nil {
						b.Fatal(err)
					}
					fuel = out.FuelUsed
				}
				b.ReportMetric(float64(fuel), "fuel/op")
			})
		}
	}
}

func wasmbuildHello(b *testing.B) []byte {
	return wasmbuild.Build(b, "../../contracts/hello")
}
