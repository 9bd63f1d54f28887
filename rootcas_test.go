package integrations

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A GitLab whose certificate a private CA signed is reached with that CA,
// and refused without it.
func TestWithRootCAs(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v4/version" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(`{"version":"17.0.0-ee","revision":"abc"}`))
	}))
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())

	c, err := NewClient("glpat-test", WithBaseURL(srv.URL), WithRootCAs(pool), WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.ServerVersion(context.Background())
	if err != nil {
		t.Fatalf("with the CA: %v", err)
	}
	if v.Version != "17.0.0-ee" {
		t.Errorf("version %q", v.Version)
	}

	// Without it, the certificate is unknown.
	c, err = NewClient("glpat-test", WithBaseURL(srv.URL), WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ServerVersion(context.Background())
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("without the CA: %v, want x509.UnknownAuthorityError", err)
	}
}

func TestWithRootCAsRefusals(t *testing.T) {
	if _, err := NewClient("glpat-test", WithRootCAs(nil)); err == nil || !strings.Contains(err.Error(), "WithRootCAs: nil") {
		t.Errorf("nil pool: %v", err)
	}
	_, err := NewClient("glpat-test", WithRootCAs(x509.NewCertPool()), WithHTTPClient(&http.Client{}))
	if err == nil || !strings.Contains(err.Error(), "TLSClientConfig.RootCAs") {
		t.Errorf("with WithHTTPClient: %v", err)
	}
}
