package devnet

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
)

// Ports of slot i are PortBase + 10*i + an offset: node i uses offsets 0-3,
// worker i (see Companions) offsets 4-5. Offsets 6-9 are reserved.
const (
	offsetP2P            = 0
	offsetRPC            = 1
	offsetGRPC           = 2
	offsetREST           = 3
	offsetWorkerMetrics  = 4
	offsetWorkerEndpoint = 5
	portsPerNode         = 10
)

// Manifest records how a devnet was created. It is written last, so a
// directory holding it is a complete devnet.
type Manifest struct {
	ChainID    string `json:"chain_id"`
	Validators int    `json:"validators"`
	Candidates int    `json:"candidates"`
	PortBase   int    `json:"port_base"`
	// Gatekeepers and Workers count the simulated workers the devnet runs
	// (absent in devnets made before workers: none).
	Gatekeepers int    `json:"gatekeepers,omitempty"`
	Workers     int    `json:"workers,omitempty"`
	CreatedAt   string `json:"created_at"`
	Version     string `json:"phalad_version"`
}

// manifestFile is the name of the manifest inside the devnet home.
const manifestFile = "devnet.json"

// Layout locates everything of a devnet on disk and on loopback.
type Layout struct {
	Home     string
	Nodes    int
	PortBase int
	// Gatekeepers and Workers count the simulated workers (Companions).
	Gatekeepers int
	Workers     int
}

// Companion is a worker the devnet runs: a simulated phala-enclave and its
// phala-worker sidecar, operated by the devnet account of the same name.
type Companion struct {
	// Name is gatekeeperN or workerN: directory, account and log name.
	Name string
	// Slot places its ports (PortBase + 10*Slot + 4 and 5).
	Slot int
	// Gatekeeper companions are proposed to governance as gatekeepers.
	Gatekeeper bool
}

// Companions lists the devnet's workers, gatekeepers first.
func (l Layout) Companions() []Companion {
	var out []Companion
	for i := 0; i < l.Gatekeepers; i++ {
		out = append(out, Companion{Name: "gatekeeper" + strconv.Itoa(i), Slot: len(out), Gatekeeper: true})
	}
	for i := 0; i < l.Workers; i++ {
		out = append(out, Companion{Name: "worker" + strconv.Itoa(i), Slot: len(out)})
	}
	return out
}

// CompanionDir holds a companion's enclave state, logs and restart scripts.
func (l Layout) CompanionDir(c Companion) string { return filepath.Join(l.Home, "workers", c.Name) }

// MetricsPort serves a companion's sidecar metrics.
func (l Layout) MetricsPort(c Companion) int { return l.port(c.Slot, offsetWorkerMetrics) }

// EndpointPort is the port of the public endpoint a companion registers.
func (l Layout) EndpointPort(c Companion) int { return l.port(c.Slot, offsetWorkerEndpoint) }

// NodeName is the moniker and directory name of node i.
func (l Layout) NodeName(i int) string { return "node" + strconv.Itoa(i) }

// NodeHome is the --home of node i.
func (l Layout) NodeHome(i int) string { return filepath.Join(l.Home, l.NodeName(i)) }

func (l Layout) port(i, offset int) int { return l.PortBase + portsPerNode*i + offset }

// P2PPort is node i's peer-to-peer port.
func (l Layout) P2PPort(i int) int { return l.port(i, offsetP2P) }

// RPCPort is node i's CometBFT RPC port.
func (l Layout) RPCPort(i int) int { return l.port(i, offsetRPC) }

// GRPCPort is node i's Cosmos gRPC port.
func (l Layout) GRPCPort(i int) int { return l.port(i, offsetGRPC) }

// RESTPort is node i's REST (gRPC-gateway) port.
func (l Layout) RESTPort(i int) int { return l.port(i, offsetREST) }

// RPCAddr is node i's RPC endpoint as clients dial it.
func (l Layout) RPCAddr(i int) string { return fmt.Sprintf("tcp://127.0.0.1:%d", l.RPCPort(i)) }

// Validate checks the node count and that every port fits.
func (l Layout) Validate() error {
	if l.Nodes < 1 || l.Nodes > 50 {
		return fmt.Errorf("the devnet must have between 1 and 50 nodes (validators and candidates), got %d", l.Nodes)
	}
	if l.Gatekeepers < 0 || l.Workers < 0 || l.Gatekeepers+l.Workers > 50 {
		return fmt.Errorf("the devnet runs between 0 and 50 workers (gatekeepers included), got %d gatekeepers and %d workers", l.Gatekeepers, l.Workers)
	}
	slots := max(l.Nodes, l.Gatekeepers+l.Workers)
	if l.PortBase < 1024 || l.port(slots-1, portsPerNode-1) > 65535 {
		return fmt.Errorf("port base %d does not leave room for %d nodes or workers (%d ports each) below 65536 and above 1023",
			l.PortBase, slots, portsPerNode)
	}
	return nil
}

// CheckPortsFree fails naming the first port that something listens on.
func (l Layout) CheckPortsFree() error {
	for i := 0; i < l.Nodes; i++ {
		for _, p := range []struct {
			role string
			port int
		}{
			{"P2P", l.P2PPort(i)}, {"RPC", l.RPCPort(i)}, {"gRPC", l.GRPCPort(i)}, {"REST", l.RESTPort(i)},
		} {
			ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p.port))
			if err != nil {
				return fmt.Errorf("port %d (%s %s) is already in use: stop whatever listens there, or choose another port base with DEVNET_PORT_BASE (now %d)",
					p.port, l.NodeName(i), p.role, l.PortBase)
			}
			_ = ln.Close()
		}
	}
	for _, c := range l.Companions() {
		for role, port := range map[string]int{"metrics": l.MetricsPort(c), "endpoint": l.EndpointPort(c)} {
			ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				return fmt.Errorf("port %d (%s %s) is already in use: stop whatever listens there, or choose another port base with DEVNET_PORT_BASE (now %d)",
					port, c.Name, role, l.PortBase)
			}
			_ = ln.Close()
		}
	}
	return nil
}

// readManifest loads the manifest of the devnet at home. It reports
// os.ErrNotExist when home holds no complete devnet.
func readManifest(home string) (Manifest, error) {
	var m Manifest
	bz, err := os.ReadFile(filepath.Join(home, manifestFile))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(bz, &m); err != nil {
		return m, fmt.Errorf("%s is damaged: %w; start fresh with DEVNET_RESET=1", filepath.Join(home, manifestFile), err)
	}
	if m.ChainID == "" || m.Validators < 1 || m.PortBase == 0 {
		return m, fmt.Errorf("%s is incomplete; start fresh with DEVNET_RESET=1", filepath.Join(home, manifestFile))
	}
	return m, nil
}

// isEmptyDir reports whether dir exists and holds nothing.
func isEmptyDir(dir string) bool {
	entries, err := os.ReadDir(dir)
	return err == nil && len(entries) == 0
}

var errNotADevnet = errors.New("not a devnet")
