package integrations

import (
	"encoding/json"
	"reflect"

	"github.com/gitlabkit/integrations/internal/fastjson"
)

// The answer types that have a fast path (package fastjson): a Settings and
// List's list of integrations. Each decodes through fastjson where it can
// and leaves the rest to its UnmarshalJSON, which applies encoding/json and
// the lenient rules (package lenient).

// answerDecoder is implemented by the answer types that have a fast path.
type answerDecoder interface {
	// decodeFast decodes data into the receiver and reports true, or
	// reports false, leaving the receiver zero, when the general path
	// must decide.
	decodeFast(data []byte) bool
}

// decodeFast decodes a Settings answer as Settings.UnmarshalJSON would.
func (s *Settings[P]) decodeFast(data []byte) bool {
	*s = Settings[P]{}
	top, propsPlan := fastjson.PlanFor(plainIntegrationType), fastjson.PlanFor(reflect.TypeFor[P]())
	if top == nil || propsPlan == nil {
		return false
	}
	d := fastjson.NewDecoder(data)
	props := fastjson.Nested{Key: "properties", Plan: propsPlan, Value: reflect.ValueOf(&s.Properties).Elem()}
	// An absent "properties" leaves Properties zero, as UnmarshalJSON does;
	// null and other shapes are left to it.
	raw, ok := d.Object(top, reflect.ValueOf((*plainIntegration)(&s.Integration)).Elem(), &props)
	ok = ok && d.End()
	if ok && raw != nil {
		// RawProperties shares the answer's bytes: the SDK read them into
		// a buffer of their own, which nothing writes to again.
		s.RawProperties = json.RawMessage(raw[:len(raw):len(raw)])
	}
	if !ok {
		*s = Settings[P]{}
	}
	return ok
}

var plainIntegrationType = reflect.TypeFor[plainIntegration]()

// integrationList is List's answer: the general path decodes it as
// []*Integration, each element with Integration.UnmarshalJSON, which reads
// every element two or three times.
type integrationList []*Integration

// decodeFast decodes a list of integrations as json.Unmarshal into
// []*Integration would, each element once, into one array: every pointer
// of the list points into it. It reports false, leaving the list nil, for
// anything that is not an array of objects the fast path is sure of (a
// null element included: List reports those).
func (l *integrationList) decodeFast(data []byte) bool {
	*l = nil
	items, ok := fastjson.DecodeList[plainIntegration](data, fastjson.PlanFor(plainIntegrationType))
	if !ok {
		return false
	}
	list := make(integrationList, len(items))
	for i := range items {
		list[i] = (*Integration)(&items[i])
	}
	*l = list
	return true
}
