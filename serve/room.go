package serve

import (
	"fmt"
	"io/fs"
	"os"

	"refdesk/api"
)

// Defaults for the room uploads need.
const (
	DefaultInboxQuota = 500 << 20 // per desk's inbox
	DefaultMinFree    = 1 << 30   // on the documents folder's disk
)

const (
	msgQuota = "refdesk: your inbox on the server is full: %s of %s used, and this file is %s. " +
		"Attach or remove the files already there (ask the clinic's administrator), then send it again."
	msgDiskFull = "refdesk: the server's disk is nearly full (%s free; uploads stop below %s), so nothing was saved. " +
		"Tell the clinic's administrator."
	msgShuttingDown = "refdesk: the server is shutting down; nothing was saved. Send the file again in a minute."
)

// room checks that a file of size fits: under the desk's inbox quota, and
// the disk keeping its minimum free. It returns the message for the scp
// client and the log's outcome, or "" when there is room.
func (w *inboxWriter) room(size int64) (msg, outcome string) {
	if w.minFree > 0 {
		if free, ok := diskFree(w.dir); ok && free-size < w.minFree {
			return fmt.Sprintf(msgDiskFull, api.HumanBytes(max(free, 0)), api.HumanBytes(w.minFree)), "refused: disk nearly full"
		}
	}
	if w.quota > 0 {
		used := inboxUsage(w.root)
		if used+size > w.quota {
			return fmt.Sprintf(msgQuota, api.HumanBytes(used), api.HumanBytes(w.quota), api.HumanBytes(size)), "refused: inbox quota"
		}
	}
	return "", ""
}

// inboxUsage is the bytes of the files in an inbox, its temporary files
// (uploads under way) included.
func inboxUsage(root *os.Root) int64 {
	var used int64
	_ = fs.WalkDir(root.FS(), ".", func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil && info.Mode().IsRegular() {
			used += info.Size()
		}
		return nil
	})
	return used
}
