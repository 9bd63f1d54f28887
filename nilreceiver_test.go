package integrations

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// fakeState is a fmt.State for calling Format by reflection.
type fakeState struct{ strings.Builder }

func (*fakeState) Width() (int, bool)     { return 0, false }
func (*fakeState) Precision() (int, bool) { return 0, false }
func (*fakeState) Flag(int) bool          { return false }

var (
	contextType = reflect.TypeFor[context.Context]()
	stateType   = reflect.TypeFor[fmt.State]()
	scopeType   = reflect.TypeFor[Scope]()
	errorType   = reflect.TypeFor[error]()
)

// argsFor builds valid arguments for m (not counting the receiver): a
// context, a project, new options; variadic options are left out.
func argsFor(t *testing.T, m reflect.Method) []reflect.Value {
	var args []reflect.Value
	ft := m.Type
	n := ft.NumIn()
	if ft.IsVariadic() {
		n--
	}
	for i := 1; i < n; i++ {
		switch in := ft.In(i); {
		case in == contextType:
			args = append(args, reflect.ValueOf(context.Background()))
		case in == stateType:
			args = append(args, reflect.ValueOf(&fakeState{}))
		case in == scopeType:
			args = append(args, reflect.ValueOf(Project("acme/web")))
		case in.Kind() == reflect.Pointer:
			args = append(args, reflect.New(in.Elem()))
		default:
			args = append(args, reflect.Zero(in))
		}
	}
	return args
}

// callEvery calls every exported method of recv's type on recv and checks
// that none panics, and that each one returning an error returns one that
// says to use NewClient. It returns how many methods it called.
func callEvery(t *testing.T, what string, recv reflect.Value) int {
	t.Helper()
	typ := recv.Type()
	for i := range typ.NumMethod() {
		m := typ.Method(i)
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s.%s panicked: %v", what, m.Name, r)
				}
			}()
			out := recv.Method(i).Call(argsFor(t, m))
			if len(out) > 0 && m.Type.Out(m.Type.NumOut()-1) == errorType {
				err, _ := out[len(out)-1].Interface().(error)
				if assert.Error(t, err, "%s.%s", what, m.Name) {
					assert.Contains(t, err.Error(), "NewClient", "%s.%s", what, m.Name)
					assert.ErrorIs(t, err, ErrValidation, "%s.%s: nothing was sent", what, m.Name)
				}
			}
		}()
	}
	return typ.NumMethod()
}

// TestNilAndZeroReceiversNeverPanic calls every exported method of *Client
// and of every service type on a nil and on a zero receiver: none panics,
// calls return an error saying to use NewClient, accessors a zero value.
func TestNilAndZeroReceiversNeverPanic(t *testing.T) {
	t.Parallel()
	calls := 0
	clientType := reflect.TypeFor[*Client]()
	calls += callEvery(t, "nil *Client", reflect.Zero(clientType))
	calls += callEvery(t, "zero Client", reflect.New(clientType.Elem()))
	assert.Empty(t, (*Client)(nil).BaseURL())
	assert.Empty(t, (&Client{}).BaseURL())

	services := map[reflect.Type]bool{}
	for i := range clientType.Elem().NumField() {
		f := clientType.Elem().Field(i)
		if f.IsExported() && f.Type.Kind() == reflect.Pointer && strings.HasSuffix(f.Type.Elem().Name(), "]") {
			services[f.Type] = true // a *Service[O, P]
		}
	}
	assert.Len(t, services, len(Catalog()), "a service type per integration")
	for st := range services {
		calls += callEvery(t, "nil "+st.String(), reflect.Zero(st))
		calls += callEvery(t, "zero "+st.Elem().String(), reflect.New(st.Elem()))
	}
	// A Client whose value was overwritten with a zero one after NewClient:
	// its services still point at it.
	c, err := NewClient(relToken)
	assert.NoError(t, err)
	slack := c.Slack
	*c = Client{}
	_, err = slack.Get(context.Background(), ProjectID(1))
	assert.ErrorContains(t, err, "NewClient")
	t.Logf("%d methods called on nil and zero receivers", calls)
}
