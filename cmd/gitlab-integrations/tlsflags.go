package main

import (
	"crypto/x509"
	"fmt"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/internal/readfile"
)

// maxCAFile is the most --ca-file reads: a bundle of every public CA is
// about 200 KiB.
const maxCAFile = 4 << 20

// tlsOptions are the client options of --ca-file (or $GITLAB_CA_FILE): the
// system's CAs and those of the file. A file that cannot be read, or that
// holds no PEM certificate, is an error naming it.
func (o *rootOptions) tlsOptions() ([]integrations.ClientOption, error) {
	path, from := o.caFile, "--ca-file"
	if path == "" {
		path, _ = o.getenv("GITLAB_CA_FILE")
		from = "GITLAB_CA_FILE"
	}
	if path == "" {
		return nil, nil
	}
	data, err := readfile.Regular(path, maxCAFile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		// No system pool (some platforms): the file's CAs alone.
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("%s %s holds no PEM certificate (-----BEGIN CERTIFICATE-----): give the CA's certificate in PEM form", from, path)
	}
	return []integrations.ClientOption{integrations.WithRootCAs(pool)}, nil
}
