package integrations

import "context"

// ServerVersion is what a GitLab server says of itself.
type ServerVersion struct {
	// Version is GitLab's version, such as "17.5.1-ee".
	Version string `json:"version"`
	// Revision is the commit it was built from.
	Revision string `json:"revision"`
	// Enterprise is true for GitLab Enterprise Edition.
	Enterprise bool `json:"enterprise"`
}

// ServerVersion asks the server for its version (GET /version, and
// /metadata where the server has it).
func (c *Client) ServerVersion(ctx context.Context, opts ...RequestOption) (*ServerVersion, error) {
	return nil, errorf("ServerVersion: not implemented yet")
}
