package theme

import "refdesk/textsafe"

// Clean makes text that came from Cobalt, the directory, a file name or a
// draft safe to draw on one line (see textsafe.Clean: no escape, control,
// format or invisible character, combining marks capped). Use it on every
// such string before rendering.
func Clean(s string) string { return textsafe.Clean(s) }

// CleanLines is Clean that keeps newlines (for multi-line reasons).
func CleanLines(s string) string { return textsafe.Lines(s) }

// EscapeEnd returns the byte index just past the escape sequence that
// starts at s[i]; see textsafe.EscapeEnd.
func EscapeEnd(s string, i int) int { return textsafe.EscapeEnd(s, i) }
