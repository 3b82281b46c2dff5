// Package benchutil holds what the devnet benchmark tools (tools/bench*)
// share: the machine and commit a result was measured on, medians and
// percentiles, and a flag of comma-separated counts.
package benchutil

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// Machine describes where a benchmark ran.
type Machine struct {
	CPUs  int     `json:"cpus"`
	Model string  `json:"cpu_model"`
	MemGB float64 `json:"mem_gb"`
	Go    string  `json:"go"`
}

// DescribeMachine reads the CPU model and memory from /proc (left empty
// where it cannot).
func DescribeMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version()}
	if bz, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(bz), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.Model = strings.TrimSpace(v)
				break
			}
		}
	}
	if bz, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb float64
		if _, err := fmt.Sscanf(string(bz), "MemTotal: %f kB", &kb); err == nil {
			m.MemGB = math.Round(kb/(1<<20)*10) / 10
		}
	}
	return m
}

// GitCommit is the short commit of the checkout at dir ("" outside one).
func GitCommit(dir string) string {
	out, err := exec.Command("git", "-C", dir, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// Median of xs (not modified), ignoring NaNs; 0 for none.
func Median(xs []float64) float64 {
	s := slices.DeleteFunc(slices.Clone(xs), math.IsNaN)
	if len(s) == 0 {
		return 0
	}
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Percentile is the nearest-rank p-th percentile (0 < p <= 100) of xs (not
// modified); 0 for none.
func Percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// Ints is a flag of comma-separated positive integers ("1,4,8").
type Ints []int

// String prints the list as it is given.
func (v *Ints) String() string {
	parts := make([]string, len(*v))
	for i, x := range *v {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ",")
}

// Set parses the list, refusing anything but positive integers.
func (v *Ints) Set(s string) error {
	*v = nil
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		x, err := strconv.Atoi(part)
		if err != nil || x < 1 {
			return fmt.Errorf("%q is not a positive integer", part)
		}
		*v = append(*v, x)
	}
	return nil
}
