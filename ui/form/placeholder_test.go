package form

import (
	"strings"
	"testing"
)

// Every field's placeholder shows whole at 80 columns (the form gets 76 of
// them), and the codes field keeps its longer example where there is room.
func TestPlaceholdersFitAt80Columns(t *testing.T) {
	want := map[int]string{
		FieldPatient: "type to search",
		FieldFrom:    "type to search",
		FieldTo:      "type to search",
		FieldReason:  "Why is the patient referred?",
		FieldCodes:   "a code (I10) or words; several: I10, Z87.39",
	}
	for _, w := range []int{76, 120} {
		h := newHarness(t, t.TempDir())
		h.d.Run(h.m.FocusField(FieldDirection))
		h.d.Press("o") // a direction, so From and To have directories
		h.m.SetSize(w, 30)
		if w == 120 {
			want = map[int]string{FieldCodes: "a code (I10) or words (essential hypert); several: I10, Z87.39"}
		}
		for f := range fieldCount {
			p, ok := want[f]
			if !ok {
				continue
			}
			h.d.Run(h.m.FocusField(f))
			h.d.Settle()
			if v := h.view(); !strings.Contains(v, p) {
				t.Errorf("width %d, %s: placeholder %q not whole:\n%s", w, fieldNames[f], p, v)
			}
		}
	}
}
