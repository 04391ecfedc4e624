//go:build unix

package cli

import (
	"os"
	"syscall"
)

// fileOwner is the uid owning fi.
func fileOwner(fi os.FileInfo) (int, bool) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid), true
	}
	return 0, false
}
