package fastjson

import (
	"reflect"
	"sync"
)

// planCache keeps the plan the fast decoder or encoder made for each type,
// built the first time the type is seen; nil is kept too, for a type that
// has no plan, so that it is not built again.
type planCache[P any] struct {
	plans sync.Map // reflect.Type -> *P
	build func(reflect.Type) *P
}

func (c *planCache[P]) get(t reflect.Type) *P {
	if p, ok := c.plans.Load(t); ok {
		return p.(*P)
	}
	p := c.build(t)
	c.plans.Store(t, p)
	return p
}
