package integrations

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// ServerVersion is what a GitLab server says of itself.
type ServerVersion struct {
	// Version is GitLab's version, such as "17.5.1-ee".
	Version string `json:"version"`
	// Revision is the commit it was built from.
	Revision string `json:"revision"`
	// Enterprise is true for GitLab Enterprise Edition.
	Enterprise bool `json:"enterprise"`
}

// ServerVersion asks the server for its version: GET /metadata, which
// GitLab 15.2 and later answer with the edition, and GET /version on older
// servers, where Enterprise is read from the "-ee" suffix of the version.
// Both calls go through the client's retries and rate limiter.
func (c *Client) ServerVersion(ctx context.Context, opts ...RequestOption) (*ServerVersion, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if ctx == nil {
		return nil, invalid("ServerVersion: nil context.Context (use context.Background())")
	}
	var meta struct {
		Version    string `json:"version"`
		Revision   string `json:"revision"`
		Enterprise *bool  `json:"enterprise"`
	}
	err := c.do(ctx, http.MethodGet, c.apiPath("/metadata"), nil, &meta, opts)
	var gerr *Error
	if errors.As(err, &gerr) && gerr.StatusCode == http.StatusNotFound {
		// Before 15.2: no /metadata.
		meta.Enterprise = nil
		err = c.do(ctx, http.MethodGet, c.apiPath("/version"), nil, &meta, opts)
	}
	if err != nil {
		return nil, err
	}
	if meta.Version == "" {
		return nil, errorf("GET %s: %w: the answer has no \"version\"", c.apiPath("/version"), ErrInvalidResponse)
	}
	v := &ServerVersion{Version: meta.Version, Revision: meta.Revision}
	if meta.Enterprise != nil {
		v.Enterprise = *meta.Enterprise
	} else {
		v.Enterprise = strings.HasSuffix(strings.ToLower(meta.Version), "-ee")
	}
	return v, nil
}

// apiPath is the URL of a path directly below the API root, such as
// /version.
func (c *Client) apiPath(rest string) *url.URL {
	base := c.baseURL
	return &url.URL{Scheme: base.Scheme, Host: base.Host, Path: base.Path + rest, RawPath: base.EscapedPath() + rest}
}
