package query

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Path is where enclaves serve sealed queries on their public endpoint.
const Path = "/v1/query"

// MaxResponseSize bounds a sealed answer read from an endpoint.
const MaxResponseSize = 1 << 20

// ErrUnreachable: the endpoint did not answer (connection refused, timeout)
// or answered with an HTTP error; another worker may.
var ErrUnreachable = errors.New("query: endpoint unreachable")

// Post sends a sealed request to an enclave's public endpoint (the URL its
// worker registered) and returns the sealed answer.
func Post(ctx context.Context, client *http.Client, endpoint string, sealed []byte) ([]byte, error) {
	url := strings.TrimRight(endpoint, "/") + Path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(sealed))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnreachable, url, err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	res, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(io.LimitReader(res.Body, MaxResponseSize))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnreachable, url, err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s answered %s: %s", ErrUnreachable, url, res.Status, strings.TrimSpace(string(out)))
	}
	return out, nil
}
