package cli

import (
	"encoding/json"
	"io"
	"runtime"

	"refdesk/icd10"
	"refdesk/state"
)

// versionJSON prints what an upgrade needs to know: refdesk's version,
// the database schema it writes (an older refdesk refuses a newer schema),
// the diagnosis code set in use for the data directory the environment
// names (the embedded one, or a newer one imported there), and the Go it
// was built with.
func versionJSON(env []string, w io.Writer) int {
	set, _ := icd10.Open(loadConfig(env).DataDir) // on an error, the embedded set is the one in use
	b, _ := json.Marshal(struct {
		Version string `json:"version"`
		Schema  int    `json:"schema"`
		CodeSet string `json:"code_set"`
		Go      string `json:"go"`
	}{Version, state.SchemaVersion(), set.Name(), runtime.Version()})
	_, _ = w.Write(append(b, '\n'))
	return ExitOK
}
