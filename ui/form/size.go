package form

import (
	"encoding/json"

	"refdesk/state"
	"refdesk/ui/files"
)

// baseSize is the JSON body's size without documents.
func baseSize(in state.ReferralInput) int64 {
	b, err := json.Marshal(in.Wire())
	if err != nil {
		return 0
	}
	return int64(len(b))
}

// BodySize is the request body's size with documents base64-encoded, as
// Cobalt counts it against api.MaxRequestBytes.
func BodySize(in state.ReferralInput) int64 {
	return files.BodySize(baseSize(in), in.Documents)
}
