//go:build !unix

package cli

import "os"

// fileOwner is not known here: no Unix owners.
func fileOwner(os.FileInfo) (int, bool) { return 0, false }
