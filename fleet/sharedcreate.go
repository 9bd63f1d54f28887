package fleet

import (
	"slices"
	"sync"

	"github.com/gitlabkit/integrations"
)

// sharedCreate holds the fields, values and notes of the creates of one
// integration that one target wants on many places: the same for each,
// so that a plan creating 300,000 integrations holds them 3 times, not
// 300,000. Changes share them: nothing changes a Change's Fields, Send or
// Notes once the plan is made, but withhold copies Send before taking a
// secret out of it.
type sharedCreate struct {
	once   sync.Once
	fields []FieldChange
	send   map[string]any
	notes  []string
}

// get makes the creates' parts the first time, as diffOne's create would.
func (s *sharedCreate) get(info integrations.IntegrationInfo, w wantedIntegration) ([]FieldChange, map[string]any, []string) {
	s.once.Do(func() {
		names := paramOrder(info, w.params)
		s.send = make(map[string]any, len(names))
		for _, name := range names {
			p, _ := info.Parameter(name)
			s.send[name] = w.params[name]
			s.fields = append(s.fields, FieldChange{Name: name, From: nil, To: shown(p, w.params[name]), Secret: p.Secret})
		}
		s.notes = append(s.notes, unverifiableNotes(info, names, nil)...)
		s.notes = append(s.notes, warningNotes(info, s.send)...)
		ownSettings(info, s.send)
		// Full slices: an append to one change's list makes a copy.
		s.fields, s.notes = slices.Clip(s.fields), slices.Clip(s.notes)
	})
	return s.fields, s.send, s.notes
}
