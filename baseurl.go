package integrations

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// parseBaseURL checks the base URL and adds /api/v4 when it is missing.
//
// Its errors name the URL by its scheme, host and path only (shownURL):
// a base URL copied from somewhere may carry a token in its query
// (?private_token=…), its userinfo or its fragment, and an error is
// printed, logged and pasted into issues.
//
// Plain http is the token in clear text on the network, so without
// allowHTTP it is accepted only to a host that is loopback by address: a
// literal loopback IP (127.0.0.0/8, ::1), or the name localhost when
// lookup resolves it to loopback addresses only. Any other name, those
// below .localhost included, is resolved through DNS like any name, and
// needs WithInsecureHTTP.
func parseBaseURL(raw string, allowHTTP bool, lookup func(context.Context, string) ([]string, error)) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errorf("empty base URL")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errorf("malformed base URL (%s): write it as https://gitlab.example.com; the URL is not shown, in case it holds a token", parseProblem(err))
	}
	shown := shownURL(u)
	switch {
	case u.User != nil:
		return nil, errorf("base URL %s must not hold credentials (user or password before the host, not shown): pass the token to NewClient", shown)
	case u.RawQuery != "" || u.ForceQuery:
		return nil, errorf("base URL %s must not have a query (not shown): pass the token to NewClient, never in the URL", shown)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, errorf("base URL %s must not have a fragment (not shown)", shown)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, errorf("base URL %s: scheme must be https or http (write it as https://gitlab.example.com)", shown)
	case u.Host == "" || u.Hostname() == "":
		return nil, errorf("base URL %s has no host", shown)
	case u.Scheme == "http" && !allowHTTP:
		if err := checkLoopback(u.Hostname(), lookup); err != nil {
			return nil, errorf("base URL %s is plain http to %v: the token would cross the network in clear text (use https, or WithInsecureHTTP to allow it)", shown, err)
		}
	}
	path := strings.TrimRight(u.Path, "/")
	if !strings.HasSuffix(path, "/api/v4") {
		path += "/api/v4"
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host, Path: path}, nil
}

// shownURL is u as an error may print it: scheme, host (without userinfo)
// and path; never the query, userinfo or fragment.
func shownURL(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// quoted is a quoted part of url.Parse's message, such as the port in
// `invalid port ":glpat-…" after host`: a piece of the URL.
var quoted = regexp.MustCompile(`"[^"]*"`)

// parseProblem is why url.Parse refused a URL, without the URL or any
// piece of it.
func parseProblem(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return strings.TrimPrefix(quoted.ReplaceAllString(err.Error(), "…"), "net/url: ")
}

// localhostLookupTimeout bounds NewClient's lookup of localhost.
const localhostLookupTimeout = 5 * time.Second

// checkLoopback returns nil when host is loopback by address (see
// parseBaseURL), and otherwise what it is instead, for the error.
func checkLoopback(host string, lookup func(context.Context, string) ([]string, error)) error {
	if ip := net.ParseIP(host); ip != nil {
		if ip.IsLoopback() {
			return nil
		}
		return fmt.Errorf("%s, which is not a loopback address", host)
	}
	if !strings.EqualFold(host, "localhost") {
		return fmt.Errorf("%s, a name that is not localhost (only 127.0.0.0/8, [::1] and localhost count as loopback)", host)
	}
	if lookup == nil {
		lookup = net.DefaultResolver.LookupHost
	}
	ctx, cancel := context.WithTimeout(context.Background(), localhostLookupTimeout)
	defer cancel()
	addrs, err := lookup(ctx, "localhost")
	if err != nil {
		return fmt.Errorf("localhost, which does not resolve here (%v; use http://127.0.0.1)", err)
	}
	for _, a := range addrs {
		if ip := net.ParseIP(a); ip == nil || !ip.IsLoopback() {
			return fmt.Errorf("localhost, which resolves to %s, not a loopback address", a)
		}
	}
	if len(addrs) == 0 {
		return errors.New("localhost, which resolves to no address")
	}
	return nil
}

// loopbackOnlyDial wraps the SDK's own transport's dial for a plain-http
// base URL taken as loopback by the name localhost (its dial address
// base): a connection to base that reached another address than loopback
// (a resolver whose answer changed since NewClient) is closed before
// anything is written on it, and the dial fails. Other addresses (a proxy)
// are dialled as they are.
func loopbackOnlyDial(base string, dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil || !strings.EqualFold(addr, base) {
			return conn, err
		}
		if ta, ok := conn.RemoteAddr().(*net.TCPAddr); !ok || !ta.IP.IsLoopback() {
			_ = conn.Close()
			return nil, fmt.Errorf("integrations: %s reached %v, not a loopback address: the token is not sent over plain http to it (use http://127.0.0.1, or WithInsecureHTTP to allow it)", addr, conn.RemoteAddr())
		}
		return conn, nil
	}
}
