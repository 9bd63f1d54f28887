package bench

import (
	"net/http"
	"testing"
	"time"
)

// The default request bound's cost: Slack Get over loopback (server in a
// child process, so the allocations are the client's) through the SDK's
// own transport, which bounds every request to 2 minutes; through the same
// pool given with WithHTTPClient, without a bound; and through that pool
// with http.Client.Timeout, the usual way to bound a request.
const (
	BoundDefault  = "SDK, own transport (bound)"
	BoundNone     = "SDK, pool without a bound"
	BoundTimeout  = "SDK, pool + Client.Timeout"
	boundDuration = 2 * time.Minute
)

// BoundCase is one of the bound's benchmarks.
type BoundCase struct {
	Name string
	Run  func(b *testing.B)
}

// BoundCases returns the bound benchmarks; call stop when done.
func BoundCases() (cases []BoundCase, stop func(), err error) {
	child, err := startChild("canned")
	if err != nil {
		return nil, nil, err
	}
	for _, c := range []struct {
		name string
		hc   *http.Client
	}{
		{BoundDefault, nil},
		{BoundNone, LimitHTTPClient()},
		{BoundTimeout, &http.Client{Transport: LimitHTTPClient().Transport, Timeout: boundDuration}},
	} {
		sdk, err := NewSDK(child.URLs[0], c.hc)
		if err != nil {
			child.Close()
			return nil, nil, err
		}
		cases = append(cases, BoundCase{c.name, loop(sdk.SlackGet)})
	}
	return cases, child.Close, nil
}
