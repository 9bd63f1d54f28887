package integrations

import "crypto/x509"

// WithRootCAs makes the SDK's own transport trust the certificate
// authorities in pool, instead of the system's, when it checks GitLab's
// certificate: for a self-managed GitLab whose certificate a private CA
// signed. To trust both, start from x509.SystemCertPool and add the private
// CA to it. A nil pool is refused.
//
// It applies to the SDK's own transport only: NewClient refuses it with
// WithHTTPClient, whose transport has its own TLSClientConfig.
func WithRootCAs(pool *x509.CertPool) ClientOption {
	return func(c *core) error {
		if pool == nil {
			return errorf("WithRootCAs: nil *x509.CertPool")
		}
		c.rootCAs = pool
		return nil
	}
}
