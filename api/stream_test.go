package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
)

// streamAll collects what StreamReferringProviders hands out.
func streamAll(c *Client) ([]ReferringProvider, error) {
	var got []ReferringProvider
	err := c.StreamReferringProviders(context.Background(), ReferringProviderQuery{}, func(p ReferringProvider) error {
		got = append(got, p)
		return nil
	})
	return got, err
}

// The streaming decoder accepts and refuses exactly what the slice call
// (encoding/json into a struct) does, with the same rows and messages.
func TestStreamReferringProvidersMatchesSliceCall(t *testing.T) {
	bodies := map[string]string{
		"tolerant rows": `{"success":true,"referring_providers":[
			{"ehr_id":5521,"name":"Alvarez, Maria","speciality":"Cardiology","phone":null,"address_zip":62701},
			{"ehr_id":"77","specialty":"Dermatology","middle_initial":null,"extra":{"a":[1,{"b":2}]}}]}`,
		"keys in any case, list first":   `{"Referring_Providers":[{"EHR_ID":"1","Name":"A"}],"SUCCESS":true,"Message":"ok"}`,
		"other keys around":              `{"meta":{"x":[1,2,3]},"referring_providers":[{"ehr_id":"1"}],"count":1,"tags":["a"],"success":true}`,
		"null list":                      `{"success":true,"referring_providers":null}`,
		"no list":                        `{"success":true}`,
		"null answer":                    `null`,
		"empty list":                     `{"referring_providers":[]}`,
		"null row":                       `{"referring_providers":[null,{"ehr_id":"2"}]}`,
		"null success":                   `{"success":null,"referring_providers":[{"ehr_id":"3"}]}`,
		"success false after rows":       `{"referring_providers":[{"ehr_id":"1"}],"success":false,"message":"Practice not found."}`,
		"success false without message":  `{"success":false,"referring_providers":[]}`,
		"list is an object":              `{"referring_providers":{"ehr_id":"1"}}`,
		"list is a string":               `{"referring_providers":"none"}`,
		"answer is a list":               `[{"ehr_id":"1"}]`,
		"row is a string":                `{"referring_providers":["x"]}`,
		"row with an object for a field": `{"referring_providers":[{"ehr_id":{"v":1}}]}`,
		"truncated":                      `{"success":true,"referring_providers":[{"ehr_id":"1"},{"ehr_id":"2","na`,
		"not JSON":                       `<html>gateway</html>`,
		"success is a string":            `{"success":"yes","referring_providers":[]}`,
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(answer(200, body))
			defer srv.Close()
			c := newTestClient(srv, func(c *Config) { c.Retries = -1 })
			want, wantErr := c.ReferringProviders(context.Background(), ReferringProviderQuery{})
			got, err := streamAll(c)
			if (err == nil) != (wantErr == nil) {
				t.Fatalf("stream err %v, slice call err %v", err, wantErr)
			}
			if err != nil {
				var ae, wantAE *Error
				if errors.As(wantErr, &wantAE) && (!errors.As(err, &ae) || *ae != *wantAE) {
					t.Fatalf("stream err %v, slice call err %v", err, wantErr)
				}
				if IsUnknownOutcome(err) != IsUnknownOutcome(wantErr) {
					t.Fatalf("stream err %v (unreadable %v), slice call err %v", err, IsUnknownOutcome(err), wantErr)
				}
				return
			}
			if len(got) != len(want) || (len(got) > 0 && !reflect.DeepEqual(got, want)) {
				t.Fatalf("stream rows %+v, slice call rows %+v", got, want)
			}
		})
	}
}

// Rows are handed out while the answer is still arriving, and an error from
// the callback stops the call and comes back as is.
func TestStreamReferringProvidersIsIncremental(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"success":true,"referring_providers":[{"ehr_id":"1"},`)
		w.(http.Flusher).Flush()
		<-release // the rest only once the first row was handed out
		fmt.Fprint(w, `{"ehr_id":"2"},{"ehr_id":"3"}]}`)
	}))
	defer srv.Close()
	defer close(release)
	stop := errors.New("stop")
	var seen []string
	err := newTestClient(srv).StreamReferringProviders(context.Background(), ReferringProviderQuery{NPI: "1"}, func(p ReferringProvider) error {
		seen = append(seen, p.EHRID)
		if len(seen) == 1 {
			release <- struct{}{}
		}
		if len(seen) == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || strings.Join(seen, ",") != "1,2" {
		t.Fatalf("err %v, rows %v", err, seen)
	}
}

// Failures before the body are retried like any GET; rows come once.
func TestStreamReferringProvidersRetriesBeforeBody(t *testing.T) {
	var hits atomic.Int32
	var query string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		query = r.URL.RawQuery
		if hits.Add(1) <= 2 {
			answer(503, `{"success":false,"message":"Service unavailable."}`)(w, r)
			return
		}
		answer(200, `{"success":true,"referring_providers":[{"ehr_id":"1"},{"ehr_id":"2"}]}`)(w, r)
	}))
	defer srv.Close()
	got, err := streamAll(newTestClient(srv))
	if err != nil || len(got) != 2 || hits.Load() != 3 {
		t.Fatalf("rows %+v err %v after %d hits", got, err, hits.Load())
	}
	if query != "" {
		t.Errorf("query %q for an empty filter", query)
	}
	hits.Store(-100)
	_, err = streamAll(newTestClient(srv, func(c *Config) { c.Retries = 1 }))
	var ae *Error
	if !errors.As(err, &ae) || ae.Status != 503 || hits.Load() != -98 {
		t.Fatalf("err %v after %d hits", err, hits.Load()+100)
	}
}

// StreamPatients walks the pages, reporting progress after each.
func TestStreamPatientsWalksPages(t *testing.T) {
	const total = 250
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var page, size int
		fmt.Sscan(r.URL.Query().Get("page"), &page)
		fmt.Sscan(r.URL.Query().Get("page_size"), &size)
		var items []string
		for i := (page - 1) * size; i < min(page*size, total); i++ {
			items = append(items, fmt.Sprintf(`{"mrn":%d,"first_name":"P","last_name":null}`, i))
		}
		answer(200, fmt.Sprintf(`{"success":true,"patients":[%s],"pagination":{"current_page":%d,"total_pages":%d,"total_count":%d,"page_size":%d}}`,
			strings.Join(items, ","), page, (total+size-1)/size, total, size))(w, r)
	}))
	defer srv.Close()
	var calls, mrns []string
	err := newTestClient(srv).StreamPatients(context.Background(), func(done, tot int) {
		calls = append(calls, fmt.Sprintf("%d/%d", done, tot))
	}, func(p Patient) error {
		mrns = append(mrns, p.MRN)
		return nil
	})
	if err != nil || len(mrns) != total || mrns[0] != "0" || mrns[total-1] != "249" {
		t.Fatalf("%d patients, err %v", len(mrns), err)
	}
	if strings.Join(calls, " ") != "100/250 200/250 250/250" {
		t.Errorf("progress %v", calls)
	}
}
