package integrations

import "context"

// serviceCase reaches one integration's service through its typed methods;
// services_gen_test.go holds one for every integration.
type serviceCase struct {
	slug       string
	newOptions func() any
	set        func(ctx context.Context, c *Client, s Scope, o any) (any, error)
	get        func(ctx context.Context, c *Client, s Scope) (any, error)
	del        func(ctx context.Context, c *Client, s Scope) error
}
