package main

import (
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --ca-file (or GITLAB_CA_FILE) trusts a private CA beside the system's; a
// file without a certificate is refused before anything is sent.
func TestCAFile(t *testing.T) {
	srv := newServer(t, "acme/web")
	front := httptest.NewTLSServer(srv)
	defer front.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: front.Certificate().Raw})
	if err := os.WriteFile(ca, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	e := []string{"GITLAB_URL=" + front.URL, "GITLAB_TOKEN=" + srv.Token()}
	addSecret(srv.Token())

	r := cli(t, e, "list", "--project", "acme/web", "-o", "json", "--ca-file", ca).ok(t)
	if strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("list through the private CA: %q", r.stdout)
	}
	cli(t, append(e, "GITLAB_CA_FILE="+ca), "list", "--project", "acme/web").ok(t)
	sent := len(srv.Requests())
	if sent != 2 {
		t.Errorf("%d requests reached GitLab, want 2", sent)
	}

	cli(t, e, "list", "--project", "acme/web").fails(t, 1, "certificate signed by unknown authority")
	bad := filepath.Join(t.TempDir(), "bad.pem")
	if err := os.WriteFile(bad, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cli(t, e, "list", "--project", "acme/web", "--ca-file", bad).fails(t, 1, "--ca-file "+bad+" holds no PEM certificate")
	cli(t, append(e, "GITLAB_CA_FILE="+bad), "list", "--project", "acme/web").fails(t, 1, "GITLAB_CA_FILE "+bad+" holds no PEM certificate")
	cli(t, e, "list", "--project", "acme/web", "--ca-file", bad+".missing").fails(t, 1, "--ca-file: ")
	if n := len(srv.Requests()); n != sent {
		t.Errorf("a bad --ca-file sent %d requests", n-sent)
	}
}

// A plain-http GitLab on another host needs --insecure-http, which the
// refusal names. The host is reached through HTTP_PROXY, the fake.
func TestInsecureHTTP(t *testing.T) {
	srv := newServer(t, "acme/web")
	e := append(env(srv), "GITLAB_URL=http://gitlab.example.com", "HTTP_PROXY="+srv.URL())
	cli(t, e, "list", "--project", "acme/web").fails(t, 1, "the token would cross the network in clear text (use an https:// URL in --url or GITLAB_URL; --insecure-http sends it anyway, in clear text)")
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("the refusal sent %d requests", n)
	}
	cli(t, e, "list", "--project", "acme/web", "--insecure-http").ok(t)
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/api/v4/projects/acme%2Fweb/integrations" {
		t.Errorf("with --insecure-http GitLab received %+v", reqs)
	}
	help := cli(t, nil, "--help").ok(t).stdout
	if !strings.Contains(help, "--insecure-http") || !strings.Contains(help, "clear text") {
		t.Errorf("--help does not say that --insecure-http sends the token in clear text:\n%s", help)
	}
}
