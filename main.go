// Command refdesk turns faxed and phoned-in referrals into referrals in the
// EHR through Cobalt's API. See README.md.
package main

import (
	"os"

	"refdesk/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr))
}
