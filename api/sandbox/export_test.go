package sandbox

import "encoding/json"

// EncodeEventForTest decodes a webhook body into the sandbox's envelope and
// encodes it again as the sandbox sends it.
func EncodeEventForTest(raw []byte) []byte {
	var ev envelope
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil
	}
	return compactJSON(ev)
}
