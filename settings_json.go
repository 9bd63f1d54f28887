package integrations

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// MarshalJSON writes the settings as GitLab reports them: the common fields
// and "properties". Keys of RawProperties that Properties has no field for
// are kept, so that decoding and encoding again loses nothing GitLab sent;
// where both have a key, Properties wins (it may have been changed since).
func (s Settings[P]) MarshalJSON() ([]byte, error) {
	props, err := json.Marshal(s.Properties)
	if err != nil {
		return nil, err
	}
	if merged, ok := mergeRawProperties(props, s.RawProperties); ok {
		props = merged
	}
	return json.Marshal(struct {
		plainIntegration
		Properties json.RawMessage `json:"properties"`
	}{plainIntegration(s.Integration), props})
}

// mergeRawProperties adds to the object typed the keys of raw it lacks.
func mergeRawProperties(typed, raw []byte) ([]byte, bool) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, false
	}
	var extra map[string]json.RawMessage
	var have map[string]json.RawMessage
	if json.Unmarshal(raw, &extra) != nil || json.Unmarshal(typed, &have) != nil || have == nil {
		return nil, false
	}
	added := false
	for k, v := range extra {
		if _, ok := have[k]; !ok {
			have[k] = v
			added = true
		}
	}
	if !added {
		return nil, false
	}
	out, err := json.Marshal(have)
	return out, err == nil
}

// String returns the settings as JSON, with the values of secret
// parameters (some integrations echo a key or a webhook URL) redacted.
func (s Settings[P]) String() string {
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Sprintf("integrations.Settings{slug: %q, unprintable: %v}", s.Slug, err)
	}
	return string(redactSecretProperties(data, s.Slug))
}

// Format prints the settings as String does, whatever the verb.
func (s Settings[P]) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, s.String()) }

// redactSecretProperties replaces, in a settings JSON object, the values of
// the properties the catalog marks secret.
func redactSecretProperties(data []byte, slug string) []byte {
	info := lookupEntry(slug)
	if info == nil {
		return data
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return data
	}
	var props map[string]json.RawMessage
	if json.Unmarshal(top["properties"], &props) != nil {
		return data
	}
	changed := false
	for k, v := range props {
		if p := paramByName(info, k); p != nil && p.Secret && string(v) != `""` && string(v) != "null" {
			props[k] = json.RawMessage(`"` + redacted + `"`)
			changed = true
		}
	}
	if !changed {
		return data
	}
	// Re-encode in the order of the original: the common fields first.
	var b bytes.Buffer
	dec := json.NewDecoder(bytes.NewReader(data))
	_, _ = dec.Token() // {
	b.WriteByte('{')
	first := true
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return data
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			return data
		}
		if key == "properties" {
			v, _ = json.Marshal(props)
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(key)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes()
}
