package cli

import (
	"encoding/json"
	"io"
	"runtime"

	"refdesk/state"
)

// versionJSON prints what an upgrade needs to know: refdesk's version,
// the database schema it writes (an older refdesk refuses a newer schema),
// and the Go it was built with. No code-set field yet: no diagnosis code
// set is built in.
func versionJSON(w io.Writer) int {
	b, _ := json.Marshal(struct {
		Version string `json:"version"`
		Schema  int    `json:"schema"`
		Go      string `json:"go"`
	}{Version, state.SchemaVersion(), runtime.Version()})
	_, _ = w.Write(append(b, '\n'))
	return ExitOK
}
