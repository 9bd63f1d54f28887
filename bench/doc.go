// Package bench measures the SDK against the floor (hand-written net/http
// and encoding/json) and against client-go: the cost of one call, the
// throughput of one client on many goroutines, and how close to a server's
// rate limit a batch of calls runs. Run everything with
//
//	go run ./cmd/benchtable
//
// or the per-call benchmarks alone with go test -bench . -benchmem.
package bench
