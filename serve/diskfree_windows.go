//go:build windows

package serve

import "golang.org/x/sys/windows"

// diskFree is the space the user may still write on the volume holding dir
// (ok false when unknown).
func diskFree(dir string) (free int64, ok bool) {
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return 0, false
	}
	var avail, total, totalFree uint64
	if err := windows.GetDiskFreeSpaceEx(p, &avail, &total, &totalFree); err != nil {
		return 0, false
	}
	return int64(avail), true
}
