package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Seeds shared by the webhook fuzz targets: Cobalt's envelope as sent,
// pretty-printed, with escapes, and hostile shapes.
var webhookSeeds = []string{
	`{"id":"evt_1","object":"event","type":"referral.created","job_id":"42","data":{"referral_id":"ref_1","patient_mrn":"MRN-1"}}`,
	"{\n  \"id\": \"evt_2\",\n  \"type\": \"referral.failed\",\n  \"job_id\": 7,\n  \"data\": {\"failure_reason\": \"\\u001b[2J bad\"}\n}",
	`{"type":"appointment.created","data":{}}`,
	`{"id":"\ud800","type":"referral.created","n":1e2,"m":-0,"k":1.50,"0":1,"b":[true,false,null]}`,
	`{"a":1,"a":2,"1":"x","0":"y"}`,
	`[]`, `null`, `"x"`, `{`, `{"type":""}`, ``, "\xff\xfe",
	`{"x":123456789012345678901234567890,"y":1e400,"z":5e-324}`,
}

// FuzzVerify: a body signed with a secret verifies with it (alone, or
// second during a rotation), and with a different secret it does not; the
// signature of the body's JSON.stringify form verifies too.
func FuzzVerify(f *testing.F) {
	for _, s := range webhookSeeds {
		f.Add([]byte(s), "whsec_test", "whsec_other")
	}
	f.Add([]byte(`{}`), "", "x")
	f.Fuzz(func(t *testing.T, body []byte, secret, other string) {
		sig := Sign(body, secret)
		if len(sig) != 64 {
			t.Fatalf("Sign length %d", len(sig))
		}
		if secret == "" {
			if Verify(body, sig, secret) {
				t.Fatal("an empty secret verified a signature")
			}
			return
		}
		if !Verify(body, sig, secret) || !Verify(body, strings.ToUpper(sig), secret) ||
			!Verify(body, " "+sig+"\n", "", other, secret) {
			t.Fatal("a body's own signature did not verify")
		}
		// HMAC pads keys shorter than SHA-256's block with zero bytes, so
		// "k" and "k\x00" are the same key: not another secret.
		sameKey := len(secret) <= 64 && len(other) <= 64 &&
			strings.TrimRight(secret, "\x00") == strings.TrimRight(other, "\x00")
		if other != secret && other != "" && !sameKey && Verify(body, sig, other) {
			t.Fatal("a signature verified with another secret")
		}
		if Verify(body, sig[:62], secret) || Verify(body, sig+"00", secret) || Verify(body, "", secret) {
			t.Fatal("a truncated, extended or empty signature verified")
		}
		if js, err := JSStringify(body); err == nil {
			if !Verify(body, Sign(js, secret), secret) {
				t.Fatal("the JSON.stringify form's signature did not verify")
			}
		}
	})
}

// FuzzJSStringify: the output is valid JSON, a fixed point (stringify of
// the output is the output), and holds the same value as the input; the
// parser accepts exactly what encoding/json accepts (below its depth cap).
func FuzzJSStringify(f *testing.F) {
	for _, s := range webhookSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(`[[[[[[[[[[1]]]]]]]]]]`))
	f.Add([]byte(` {"\u00e9\n":"<&>\u2028", "": [0.1, 1e21, 1e-7, -1.5e-10]} `))
	f.Fuzz(func(t *testing.T, src []byte) {
		out, err := JSStringify(src)
		valid := json.Valid(src)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			if valid && !strings.Contains(err.Error(), "deeply") && !strings.Contains(err.Error(), "too many values") {
				t.Fatalf("encoding/json accepts %q, JSStringify refused: %v", src, err)
			}
			return
		}
		if !valid {
			t.Fatalf("JSStringify accepted invalid JSON %q -> %q", src, out)
		}
		if !json.Valid(out) {
			t.Fatalf("output is not JSON: %q -> %q", src, out)
		}
		again, err := JSStringify(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not a fixed point: %q -> %q -> %q (%v)", src, out, again, err)
		}
		var a, b any
		if json.Unmarshal(src, &a) != nil {
			return // e.g. a number past float64: JavaScript gives null
		}
		if err := json.Unmarshal(out, &b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("value changed: %q -> %q\n%#v\n%#v", src, out, a, b)
		}
	})
}

// FuzzWebhookHandler drives the receiver with any body and a correct,
// wrong or missing signature: a verified referral event is answered 200
// and reaches OnEvent once with its envelope's id; everything else is refused with
// the documented status and a JSON body carrying a non-empty message.
func FuzzWebhookHandler(f *testing.F) {
	for _, s := range webhookSeeds {
		for mode := range uint8(3) {
			f.Add([]byte(s), mode, "hdr_id")
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, mode uint8, hdrID string) {
		const secret = "whsec_fuzz"
		got := make(chan Event, 1)
		h := &WebhookHandler{Secrets: func() []string { return []string{"", secret} }, OnEvent: func(ev Event) { got <- ev }}
		req := httptest.NewRequest(http.MethodPost, WebhookPath, bytes.NewReader(body))
		signed := false
		switch mode % 3 {
		case 0:
			req.Header.Set(HeaderVerification, Sign(body, secret))
			signed = true
		case 1:
			req.Header.Set(HeaderVerification, Sign(body, secret+"x"))
		}
		hdrID = strings.Map(func(r rune) rune {
			if r < 0x21 || r > 0x7e {
				return -1
			}
			return r
		}, hdrID)
		req.Header.Set(HeaderWebhookID, hdrID)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		var ev Event
		evErr := json.Unmarshal(body, &ev)
		want := http.StatusOK
		switch {
		case len(body) > MaxWebhookBytes:
			want = http.StatusRequestEntityTooLarge
		case !signed:
			want = http.StatusUnauthorized
		case evErr != nil || ev.Type == "":
			want = http.StatusBadRequest
		}
		if rec.Code != want {
			t.Fatalf("status %d, want %d for %q", rec.Code, want, body)
		}
		var answer struct {
			Received bool   `json:"received"`
			Message  string `json:"message"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
			t.Fatalf("answer is not JSON: %q", rec.Body.Bytes())
		}
		if want != http.StatusOK {
			if answer.Message == "" || strings.Contains(rec.Body.String(), secret) {
				t.Fatalf("refusal %q: empty message or leaks the secret", rec.Body.String())
			}
			return
		}
		if !answer.Received {
			t.Fatalf("200 without received:true: %q", rec.Body.String())
		}
		if !ev.IsReferral() {
			return
		}
		select {
		case e := <-got:
			// The id is the signed envelope's, never the webhook-id header's.
			if e.ID != ev.ID || e.Type != ev.Type {
				t.Fatalf("OnEvent got id %q type %q, want %q %q (header %q)", e.ID, e.Type, ev.ID, ev.Type, hdrID)
			}
			if d, err := e.ReferralData(); err == nil && len(e.Data) > 0 && d.FailureReason != "" {
				var raw struct {
					FailureReason string `json:"failure_reason"`
				}
				if json.Unmarshal(e.Data, &raw) != nil || raw.FailureReason != d.FailureReason {
					t.Fatalf("failure_reason decoded as %q", d.FailureReason)
				}
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a verified referral event never reached OnEvent")
		}
	})
}
