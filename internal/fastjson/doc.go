// Package fastjson is the SDK's fast path for JSON: a decoder for GitLab's
// answers (Decoder, DecodeList, each struct type read by a Plan made once)
// and an encoder for request bodies (Append), both working from plans made
// once per struct type and cached.
//
// What it promises: whatever it decodes, the general path (encoding/json
// with the lenient rules of package lenient) decodes to the same value; and
// whatever it encodes, json.Marshal encodes to the same bytes. Whenever it
// cannot be sure of that (a key in other case, a duplicate or escaped key,
// invalid JSON, a value it would have to reject, a type or tag it does not
// know) it reports false, leaving its target zero or appending nothing, and
// the caller takes the general path, which produces the value or the error.
// It never decides an error itself.
//
// Who uses it: the root package decodes every Settings and List answer
// through it and encodes every options struct of a Set with Append. The
// agreement with encoding/json is tested here on shapes of every kind, and
// in the root package on every integration's answers and options, both
// ways, and by fuzzing.
package fastjson
