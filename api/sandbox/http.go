package sandbox

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strconv"
)

// Messages the sandbox writes where Cobalt's pages give no wording.
const (
	msgUserNotFound   = "User not found."
	msgBadClient      = "Invalid client_id or client_secret."
	msgInternal       = "Internal server error."
	msgNotFound       = "Not found."
	msgInvalidJSON    = "Invalid JSON in request body."
	msgTooLarge       = "Request body too large. The limit is 25 MB."
	msgQueued         = "Referral queued for creation. A webhook event will be sent upon completion."
	msgDatesRequired  = "Missing required query parameters: start_date, end_date."
	msgBadDate        = "Invalid date. Use YYYY-MM-DD."
	msgBadPageSize    = "Invalid page_size. Must be between 1 and 100."
	msgBadPage        = "Invalid page. Must be a positive integer."
	msgBadSort        = "Invalid sort. Must be one of: created_at, -created_at."
	msgWebhookURL     = "Invalid webhook_url. It must be an HTTPS URL."
	msgWebhookMissing = "Webhook not found."
	msgWebhookPrivate = "This sandbox's webhooks are managed by the refdesk process that runs it."
)

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"success": true, "status": "ok"})
	})
	m.HandleFunc("GET /v1/providers", s.authed(s.listProviders))
	m.HandleFunc("GET /v1/referring-providers", s.authed(s.listReferringProviders))
	m.HandleFunc("GET /v1/patients", s.authed(s.listPatients))
	m.HandleFunc("POST /v1/referrals", s.authed(s.createReferral))
	m.HandleFunc("GET /v1/referrals", s.authed(s.listReferrals))
	m.HandleFunc("GET /v1/webhook-events", s.authed(s.listEvents))
	m.HandleFunc("POST /v1/webhook", s.authed(s.public(s.registerWebhook)))
	m.HandleFunc("GET /v1/webhook", s.authed(s.public(s.listWebhooks)))
	m.HandleFunc("DELETE /v1/webhook/{id}", s.authed(s.public(s.deleteWebhook)))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, msgNotFound)
	})
	s.mux = m
}

// ServeHTTP serves the API under /v1 and GET /healthz.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// public refuses h with 403 when the webhooks are private
// (Options.PrivateWebhooks).
func (s *Server) public(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.opts.PrivateWebhooks {
			writeError(w, http.StatusForbidden, msgWebhookPrivate)
			return
		}
		h(w, r)
	}
}

// authed checks the three headers, then the ErrorRate fault (a 5xx answer
// with no side effect at all), then runs h.
func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("client_id") != s.opts.ClientID || r.Header.Get("client_secret") != s.opts.ClientSecret {
			writeError(w, http.StatusUnauthorized, msgBadClient)
			return
		}
		if r.Header.Get("access_token") != s.opts.AccessToken {
			writeError(w, http.StatusUnauthorized, msgUserNotFound)
			return
		}
		if f, _ := s.knobs(); s.chance(f.ErrorRate) {
			s.log.Info("sandbox: injected 5xx", "method", r.Method, "path", r.URL.Path)
			writeError(w, http.StatusInternalServerError, msgInternal)
			return
		}
		h(w, r)
	}
}

// writeJSON writes v compactly with HTML characters unescaped.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeError writes Cobalt's error shape.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Success: false, Message: msg})
}

type errorBody struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
}

// pageParams reads page and page_size (defaults 1 and def, page_size ≤ 100).
func pageParams(r *http.Request, def int) (page, size int, msg string) {
	page, size = 1, def
	q := r.URL.Query()
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, 0, msgBadPage
		}
		page = n
	}
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return 0, 0, msgBadPageSize
		}
		size = n
	}
	return page, size, ""
}

type pagination struct {
	CurrentPage int `json:"current_page"`
	TotalPages  int `json:"total_pages"`
	TotalCount  int `json:"total_count"`
	PageSize    int `json:"page_size"`
}

func paginate(page, size, total int) (lo, hi int, p pagination) {
	p = pagination{CurrentPage: page, TotalCount: total, PageSize: size,
		TotalPages: (total + size - 1) / size}
	lo = min((page-1)*size, total)
	hi = min(lo+size, total)
	return lo, hi, p
}

// listWriter streams `{"success":true,"<key>":[row,row,...]<tail>}` row by
// row, so a million rows never sit in memory as one []byte.
type listWriter struct {
	bw    *bufio.Writer
	enc   *json.Encoder
	first bool
}

func startList(w http.ResponseWriter, key string) *listWriter {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 32<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	bw.WriteString(`{"success":true,"` + key + `":[`)
	return &listWriter{bw: bw, enc: enc, first: true}
}

func (l *listWriter) row(v any) error {
	if !l.first {
		l.bw.WriteByte(',')
	}
	l.first = false
	return l.enc.Encode(v) // the newline after each row is JSON whitespace
}

// end closes the array, writes tail (e.g. `,"pagination":{...}`) and "}".
func (l *listWriter) end(tail any) {
	l.bw.WriteByte(']')
	if tail != nil {
		l.bw.WriteString(`,"pagination":`)
		_ = l.enc.Encode(tail)
	}
	l.bw.WriteString("}\n")
	_ = l.bw.Flush()
}
