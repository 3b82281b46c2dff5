package benchutil

import (
	"math"
	"testing"
)

func TestPercentileIsNearestRank(t *testing.T) {
	xs := []float64{5, 1, 4, 2, 3, 10, 9, 8, 7, 6} // not sorted: percentile must not care
	for p, want := range map[float64]float64{50: 5, 90: 9, 99: 10, 100: 10, 1: 1} {
		if got := Percentile(xs, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if xs[0] != 5 {
		t.Error("percentile sorted its input")
	}
	if Percentile(nil, 50) != 0 {
		t.Error("percentile of nothing")
	}
}

func TestMedianSkipsNaN(t *testing.T) {
	if got := Median([]float64{3, math.NaN(), 1, 2}); got != 2 {
		t.Fatalf("median %v, want 2", got)
	}
	if got := Median([]float64{4, 1}); got != 2.5 {
		t.Fatalf("median %v, want 2.5", got)
	}
}
