package inbox

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"clinicsms/dialogue"
	"clinicsms/internal/llmfake"
	"clinicsms/internal/store"
)

// testClient connects to REDIS_URL when set (CI), otherwise to a
// miniredis started for the test.
func testClient(t *testing.T) redis.UniversalClient {
	t.Helper()
	var rdb *redis.Client
	if u := os.Getenv("REDIS_URL"); u != "" {
		opt, err := redis.ParseURL(u)
		if err != nil {
			t.Fatalf("redis.ParseURL(REDIS_URL): %v", err)
		}
		rdb = redis.NewClient(opt)
	} else {
		mr := miniredis.RunT(t)
		rdb = redis.NewClient(&redis.Options{Addr: mr.Addr()})
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// fakeEngine stands in for dialogue.Engine: it records staff replies on
// the thread and hands chats back, over the real store.
type fakeEngine struct{ st *store.Store }

func (f fakeEngine) StaffReply(ctx context.Context, phone, lang, body string) (dialogue.Sent, error) {
	c, err := f.st.Conversation(ctx, phone)
	if err != nil {
		return dialogue.Sent{}, err
	}
	if c.OptedOut {
		return dialogue.Sent{}, dialogue.ErrOptedOut
	}
	m := dialogue.Message{Direction: dialogue.Out, Body: body, At: time.Now().UTC(), Lang: lang, Key: "staff", Status: "sent"}
	return dialogue.Sent{Key: "staff", Lang: lang, Body: body}, f.st.AppendMessage(ctx, phone, m)
}

func (f fakeEngine) Resolve(ctx context.Context, phone string) error {
	c, err := f.st.Conversation(ctx, phone)
	if err != nil {
		return err
	}
	c.State, c.Escalated, c.EscalationReason = dialogue.Idle, false, ""
	c.UpdatedAt = time.Now().UTC()
	return f.st.SaveConversation(ctx, c)
}

func (f fakeEngine) CancelByClinic(ctx context.Context, apptID string) (dialogue.Appointment, error) {
	a, _, err := f.st.Cancel(ctx, apptID)
	return a, err
}

func (f fakeEngine) RescheduleByStaff(ctx context.Context, apptID, slotID string) (dialogue.Appointment, error) {
	moved, _, err := f.st.Move(ctx, apptID, slotID, "moved-"+apptID)
	return moved, err
}

// syncBuf collects logs from several goroutines.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type fixture struct {
	t     *testing.T
	st    *Store
	conv  *store.Store
	srv   *httptest.Server
	logs  *syncBuf
	phone string
	body  string
}

const pw = "correct horse battery"

// newFixture starts the inbox over a fresh key prefix with an admin, two
// staff users and one escalated Russian question.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	rdb := testClient(t)
	prefix := "inboxtest-" + randomHex(6)
	t.Cleanup(func() {
		iter := rdb.Scan(ctx, 0, prefix+":*", 500).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
	})
	f := &fixture{t: t, st: NewStore(rdb, prefix), conv: store.New(rdb, prefix), logs: &syncBuf{},
		phone: "+1555" + "7771234", body: "Здравствуйте, где у вас можно припарковаться?"}
	for _, u := range []struct {
		email string
		role  Role
	}{{"admin@clinic.example", Admin}, {"olga@clinic.example", Staff}, {"sam@clinic.example", Staff}} {
		if err := f.st.AddUser(ctx, u.email, pw, u.role, false); err != nil {
			t.Fatalf("AddUser(%s): %v", u.email, err)
		}
	}
	must(t, f.conv.PutPatient(ctx, dialogue.Patient{ID: "p1", Phone: f.phone, Name: "Ivan Petrov", Language: "ru"}))
	must(t, f.conv.PutAppointment(ctx, dialogue.Appointment{ID: "a1", PatientID: "p1", Provider: "Dr. Okafor", Location: "main", Type: "checkup",
		Start: time.Now().Add(72 * time.Hour).UTC().Truncate(time.Minute), DurationMinutes: 30}))
	must(t, f.conv.SaveConversation(ctx, dialogue.Conversation{Phone: f.phone, State: dialogue.Escalated, Escalated: true,
		EscalationReason: "question", Language: "ru", UpdatedAt: time.Now().UTC()}))
	must(t, f.conv.AppendMessage(ctx, f.phone, dialogue.Message{SID: "SM1", Direction: dialogue.In, Body: f.body, At: time.Now().UTC(), Lang: "ru", Intent: "question", Confidence: 0.93}))
	must(t, f.conv.AppendMessage(ctx, f.phone, dialogue.Message{Direction: dialogue.Out, Body: "Спасибо! Сотрудник скоро ответит.", At: time.Now().UTC(), Lang: "ru", Key: "handoff", Status: "delivered"}))
	log := slog.New(slog.NewTextHandler(f.logs, nil))
	srv, err := New(Config{}, f.st, f.conv, fakeEngine{f.conv}, log)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	f.srv = httptest.NewServer(srv.Wrap(http.NotFoundHandler()))
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() {
		logs := f.logs.String()
		for _, s := range []string{f.phone, f.phone[1:], "припарковаться", "Парковка"} {
			if strings.Contains(logs, s) {
				t.Errorf("logs contain %q:\n%s", s, logs)
			}
		}
	})
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// browser is one cookie jar talking to the inbox; it does not follow redirects.
type browser struct {
	t  *testing.T
	f  *fixture
	hc *http.Client
}

func (f *fixture) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: f.t, f: f, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(req *http.Request) (int, string, http.Header) {
	b.t.Helper()
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw), resp.Header
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.f.srv.URL+path, nil)
	code, body, _ := b.do(req)
	return code, body
}

func (b *browser) post(path string, form url.Values) (int, string, http.Header) {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) login(email, password string) int {
	b.t.Helper()
	code, _, _ := b.post("/login", url.Values{"email": {email}, "password": {password}})
	return code
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)

// csrf reads the CSRF token from the page at path.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	code, body := b.get(path)
	m := csrfRE.FindStringSubmatch(body)
	if code != 200 || m == nil {
		b.t.Fatalf("GET %s = %d without a CSRF token", path, code)
	}
	return m[1]
}

func (f *fixture) convPath() string { return "/inbox/c/" + url.PathEscape(f.phone) }

// act posts a form of the conversation page with its CSRF token.
func (b *browser) act(action string, form url.Values) int {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", b.csrf("/inbox"))
	code, _, _ := b.post(b.f.convPath()+"/"+action, form)
	return code
}

func TestLoginThrottledPerAccountAndPerAddress(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	for i := 1; i <= MaxFailures; i++ {
		if code := b.login("olga@clinic.example", "wrong password"); code != http.StatusUnauthorized {
			t.Fatalf("wrong password attempt %d = %d, want 401", i, code)
		}
	}
	if code := b.login("olga@clinic.example", pw); code != http.StatusTooManyRequests {
		t.Errorf("right password after %d failures = %d, want 429 (locked)", MaxFailures, code)
	}
	ttl, err := f.st.rdb.TTL(context.Background(), f.st.k("fail", "acct", "olga@clinic.example")).Result()
	if err != nil || ttl <= LockFor-time.Minute || ttl > LockFor {
		t.Errorf("account lock TTL = %v (%v), want about %v", ttl, err, LockFor)
	}
	// The address is locked too: another account from it is refused.
	if code := b.login("sam@clinic.example", pw); code != http.StatusTooManyRequests {
		t.Errorf("other account from the locked address = %d, want 429", code)
	}
	if code, _ := b.get("/inbox"); code != http.StatusSeeOther {
		t.Errorf("GET /inbox while locked out = %d, want 303 to /login", code)
	}
}

func TestUnknownEmailCountsAndRightPasswordResets(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	if code := b.login("nobody@clinic.example", pw); code != http.StatusUnauthorized {
		t.Errorf("login(unknown) = %d, want 401", code)
	}
	if code := b.login("sam@clinic.example", "nope nope nope"); code != http.StatusUnauthorized {
		t.Errorf("login(wrong) = %d, want 401", code)
	}
	if code := b.login("sam@clinic.example", pw); code != http.StatusSeeOther {
		t.Errorf("login(right) = %d, want 303", code)
	}
	n, _ := f.st.rdb.Exists(context.Background(), f.st.k("fail", "acct", "sam@clinic.example")).Result()
	if n != 0 {
		t.Errorf("failure count of the account survived a good login")
	}
}

func TestSessionCookieAndIdleExpiry(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	code, _, h := b.post("/login", url.Values{"email": {"OLGA@clinic.example "}, "password": {pw}})
	if code != http.StatusSeeOther {
		t.Fatalf("login = %d, want 303", code)
	}
	c := h.Get("Set-Cookie")
	for _, want := range []string{"inbox_session=", "HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(c, want) {
			t.Errorf("Set-Cookie %q lacks %s", c, want)
		}
	}
	if strings.Contains(c, "Secure") {
		t.Errorf("Set-Cookie %q is Secure on plain http", c)
	}
	id := regexp.MustCompile(`inbox_session=([0-9a-f]+)`).FindStringSubmatch(c)[1]
	if len(id) != 64 {
		t.Errorf("session id has %d hex digits, want 64 (32 random bytes)", len(id))
	}
	ttl, _ := f.st.rdb.TTL(context.Background(), f.st.sessKey(id)).Result()
	if ttl <= IdleTimeout-time.Minute || ttl > IdleTimeout {
		t.Errorf("session TTL = %v, want about %v", ttl, IdleTimeout)
	}
	if n, _ := f.st.rdb.Exists(context.Background(), f.st.prefix+":inbox:sess:{"+id+"}").Result(); n != 0 {
		t.Errorf("session stored under its raw id; want only its hash")
	}
	// Expired (idle) sessions are gone: simulate by deleting the key.
	f.st.rdb.Del(context.Background(), f.st.sessKey(id))
	if code, _ := b.get("/inbox"); code != http.StatusSeeOther {
		t.Errorf("GET /inbox after idle expiry = %d, want 303 to /login", code)
	}
}

func TestSecureCookieOnHTTPS(t *testing.T) {
	f := newFixture(t)
	srv, err := New(Config{SecureCookies: true}, f.st, f.conv, fakeEngine{f.conv}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"email": {"sam@clinic.example"}, "password": {pw}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	srv.Handler().ServeHTTP(rec, req)
	if c := rec.Header().Get("Set-Cookie"); !strings.Contains(c, "Secure") {
		t.Errorf("Set-Cookie %q with SecureCookies lacks Secure", c)
	}
}

func TestPostWithoutCSRFRefusedAndChangesNothing(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.login("olga@clinic.example", pw)
	b.csrf("/inbox")
	for _, tc := range []struct{ action, field, value string }{
		{"notes", "text", "no token"}, {"reply", "body", "no token"}, {"assign", "to", "me"}, {"resolve", "", ""},
	} {
		form := url.Values{}
		if tc.field != "" {
			form.Set(tc.field, tc.value)
		}
		if code, _, _ := b.post(f.convPath()+"/"+tc.action, form); code != http.StatusForbidden {
			t.Errorf("POST %s without csrf = %d, want 403", tc.action, code)
		}
		form.Set("csrf", strings.Repeat("0", 64))
		if code, _, _ := b.post(f.convPath()+"/"+tc.action, form); code != http.StatusForbidden {
			t.Errorf("POST %s with a wrong csrf = %d, want 403", tc.action, code)
		}
	}
	ctx := context.Background()
	notes, _ := f.st.Notes(ctx, f.phone)
	a, _ := f.st.Assignee(ctx, f.phone)
	msgs, _ := f.conv.Messages(ctx, f.phone)
	c, _ := f.conv.Conversation(ctx, f.phone)
	if len(notes) != 0 || a != "" || len(msgs) != 2 || !c.Escalated {
		t.Errorf("refused posts changed something: notes=%d assignee=%q msgs=%d escalated=%v", len(notes), a, len(msgs), c.Escalated)
	}
	// A cross-site Origin is refused even with the token.
	req, _ := http.NewRequest("POST", f.srv.URL+f.convPath()+"/notes", strings.NewReader(url.Values{"csrf": {b.csrf("/inbox")}, "text": {"x"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if code, _, _ := b.do(req); code != http.StatusForbidden {
		t.Errorf("POST notes from another Origin = %d, want 403", code)
	}
}

func TestStaffCannotOpenAdminPages(t *testing.T) {
	f := newFixture(t)
	staff, admin := f.browser(), f.browser()
	staff.login("olga@clinic.example", pw)
	admin.login("admin@clinic.example", pw)
	for _, p := range []string{"/inbox/audit", "/inbox/audit/export.csv", "/inbox/audit/export.jsonl"} {
		if code, _ := staff.get(p); code != http.StatusForbidden {
			t.Errorf("staff GET %s = %d, want 403", p, code)
		}
		if code, _ := admin.get(p); code != http.StatusOK {
			t.Errorf("admin GET %s = %d, want 200", p, code)
		}
	}
	if _, body := staff.get("/inbox"); strings.Contains(body, `href="/inbox/audit"`) {
		t.Errorf("staff navigation links to the audit page")
	}
}

func TestLoggedOutCookieRefused(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.login("olga@clinic.example", pw)
	u, _ := url.Parse(f.srv.URL)
	old := b.hc.Jar.Cookies(u)
	code, _, _ := b.post("/logout", url.Values{"csrf": {b.csrf("/inbox")}})
	if code != http.StatusSeeOther {
		t.Fatalf("logout = %d, want 303", code)
	}
	b.hc.Jar.SetCookies(u, old) // replay the old cookie
	if code, _ := b.get("/inbox"); code != http.StatusSeeOther {
		t.Errorf("GET /inbox with a logged-out cookie = %d, want 303 to /login", code)
	}
	if code, _ := b.get(f.convPath()); code != http.StatusSeeOther {
		t.Errorf("GET conversation with a logged-out cookie = %d, want 303", code)
	}
}

func TestLogoutEverywhere(t *testing.T) {
	f := newFixture(t)
	phone, laptop := f.browser(), f.browser()
	phone.login("olga@clinic.example", pw)
	laptop.login("olga@clinic.example", pw)
	if code, _, _ := laptop.post("/logout/everywhere", url.Values{"csrf": {laptop.csrf("/inbox")}}); code != http.StatusSeeOther {
		t.Fatalf("logout everywhere = %d, want 303", code)
	}
	for name, b := range map[string]*browser{"phone": phone, "laptop": laptop} {
		if code, _ := b.get("/inbox"); code != http.StatusSeeOther {
			t.Errorf("%s after logout everywhere: GET /inbox = %d, want 303", name, code)
		}
	}
	if code := phone.login("olga@clinic.example", pw); code != http.StatusSeeOther {
		t.Errorf("login after logout everywhere = %d, want 303", code)
	}
	if code, _ := phone.get("/inbox"); code != http.StatusOK {
		t.Errorf("GET /inbox after logging in again = %d, want 200", code)
	}
}

func TestQueueFiltersAndUnread(t *testing.T) {
	f := newFixture(t)
	olga, sam := f.browser(), f.browser()
	olga.login("olga@clinic.example", pw)
	sam.login("sam@clinic.example", pw)
	id := domID(f.phone)
	has := func(b *browser, filter string) bool {
		_, body := b.get("/inbox?filter=" + filter)
		return strings.Contains(body, `id="`+id+`"`)
	}
	if !has(olga, "unassigned") || !has(olga, "all") || has(olga, "mine") || has(olga, "resolved") {
		t.Errorf("fresh escalation: want it in unassigned and all only")
	}
	if _, body := olga.get("/inbox"); !strings.Contains(body, `class="unread"`) || !strings.Contains(body, "Patient asked a question") || strings.Contains(body, f.phone[1:]+"<") {
		t.Errorf("queue row should be unread, show the reason and mask the phone:\n%s", body)
	}
	olga.get(f.convPath())
	if code := olga.act("assign", url.Values{"to": {"me"}}); code != http.StatusSeeOther {
		t.Fatalf("assign to me = %d", code)
	}
	if !has(olga, "mine") || has(olga, "unassigned") || has(sam, "mine") {
		t.Errorf("after olga took it: want it in olga's mine only, not unassigned")
	}
	if _, body := olga.get("/inbox"); strings.Contains(body, `class="unread"`) {
		t.Errorf("olga opened the chat; still unread for her")
	}
	if _, body := sam.get("/inbox"); !strings.Contains(body, `class="unread"`) {
		t.Errorf("sam never opened the chat; want unread for him")
	}
	if code := olga.act("resolve", nil); code != http.StatusSeeOther {
		t.Fatalf("resolve = %d", code)
	}
	if has(olga, "all") || !has(olga, "resolved") || has(olga, "mine") {
		t.Errorf("after resolve: want it in resolved only")
	}
}

func TestConversationPageAndActions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	olga, sam := f.browser(), f.browser()
	olga.login("olga@clinic.example", pw)
	sam.login("sam@clinic.example", pw)

	code, body := olga.get(f.convPath())
	if code != 200 {
		t.Fatalf("GET conversation = %d", code)
	}
	for _, want := range []string{"Ivan Petrov", f.body, "lang <b>ru</b>", "intent <b>question</b>", "confidence <b>93%</b>",
		"bot (handoff)", "delivered", "booked", "Dr. Okafor", MaskPhone(f.phone)} {
		if !strings.Contains(body, want) {
			t.Errorf("conversation page lacks %q", want)
		}
	}
	escaped := html.EscapeString(f.phone)
	escaped = strings.ReplaceAll(escaped, "+", "&#43;")
	if strings.Contains(body, ">"+escaped+"<") {
		t.Errorf("conversation page shows the phone unmasked before reveal")
	}
	tok := olga.csrf("/inbox")
	code, body, _ = olga.post(f.convPath()+"/reveal", url.Values{"csrf": {tok}})
	if code != 200 || !strings.Contains(body, `<span id="phone-full">`+escaped+`</span>`) {
		t.Errorf("reveal = %d, want the full phone shown", code)
	}

	if code := olga.act("notes", url.Values{"text": {"@sam can you call about parking? @nobody"}}); code != http.StatusSeeOther {
		t.Errorf("add note = %d, want 303", code)
	}
	_, mentions := sam.get("/inbox/mentions")
	if !strings.Contains(mentions, "can you call about parking?") {
		t.Errorf("sam's mentions lack the note")
	}
	if _, m := olga.get("/inbox/mentions"); strings.Contains(m, "parking") {
		t.Errorf("olga sees a note that mentions only sam")
	}
	if code := olga.act("reply", url.Values{"body": {"Парковка за углом, бесплатно."}}); code != http.StatusSeeOther {
		t.Errorf("reply = %d, want 303", code)
	}
	msgs, _ := f.conv.Messages(ctx, f.phone)
	if last := msgs[len(msgs)-1]; last.Key != "staff" || last.Lang != "ru" || last.Body != "Парковка за углом, бесплатно." {
		t.Errorf("reply on thread = %+v, want the staff text in ru", last)
	}
	for _, m := range msgs {
		if strings.Contains(m.Body, "parking") {
			t.Errorf("a note reached the patient's thread: %q", m.Body)
		}
	}
	if code := olga.act("correct", url.Values{"index": {"0"}, "intent": {"other"}}); code != http.StatusSeeOther {
		t.Errorf("correct = %d, want 303", code)
	}
	for _, bad := range []url.Values{{"index": {"1"}, "intent": {"other"}}, {"index": {"0"}, "intent": {"nonsense"}}, {"index": {"9"}, "intent": {"cancel"}}} {
		if code := olga.act("correct", bad); code != http.StatusBadRequest {
			t.Errorf("correct %v = %d, want 400", bad, code)
		}
	}
	cs, keys, _ := f.st.Corrections(ctx)
	if len(keys) != 1 || cs[keys[0]].Text != f.body || cs[keys[0]].Lang != "ru" || cs[keys[0]].Intent != "other" || cs[keys[0]].Was != "question" {
		t.Errorf("corrections = %+v, want one: the Russian text, ru, other (was question)", cs)
	}
	if _, body := olga.get(f.convPath()); !strings.Contains(body, `corrected to <b class="corrected">other</b>`) {
		t.Errorf("conversation page does not show the correction")
	}
	if code := olga.act("assign", url.Values{"to": {"sam@clinic.example"}}); code != http.StatusSeeOther {
		t.Errorf("assign to sam = %d", code)
	}
	if a, _ := f.st.Assignee(ctx, f.phone); a != "sam@clinic.example" {
		t.Errorf("assignee = %q, want sam", a)
	}
	if code := olga.act("assign", url.Values{"to": {"ghost@clinic.example"}}); code != http.StatusBadRequest {
		t.Errorf("assign to an unknown user = %d, want 400", code)
	}
	if code := olga.act("resolve", nil); code != http.StatusSeeOther {
		t.Errorf("resolve = %d", code)
	}
	if c, _ := f.conv.Conversation(ctx, f.phone); c.Escalated || c.State != dialogue.Idle {
		t.Errorf("after resolve: escalated=%v state=%s, want idle", c.Escalated, c.State)
	}
	if a, _ := f.st.Assignee(ctx, f.phone); a != "" {
		t.Errorf("assignee after resolve = %q, want none", a)
	}
}

func TestReplyToOptedOutRefusedPolitely(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c, _ := f.conv.Conversation(ctx, f.phone)
	c.OptedOut = true
	must(t, f.conv.SaveConversation(ctx, c))
	b := f.browser()
	b.login("olga@clinic.example", pw)
	form := url.Values{"body": {"hello"}, "csrf": {b.csrf("/inbox")}}
	code, body, _ := b.post(f.convPath()+"/reply", form)
	if code != http.StatusConflict || !strings.Contains(body, "opted out") {
		t.Errorf("reply to opted-out = %d, want 409 saying the patient opted out", code)
	}
	if msgs, _ := f.conv.Messages(ctx, f.phone); len(msgs) != 2 {
		t.Errorf("thread has %d messages, want the 2 it had", len(msgs))
	}
}

// TestAuditOneEntryPerActionNoText: every view, reveal, reply, note,
// assignment, resolve and correction adds exactly one entry, naming who and
// which conversation, never the message text; live refreshes of an open
// page are not new views.
func TestAuditOneEntryPerActionNoText(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b := f.browser()
	b.login("olga@clinic.example", pw)
	tok := b.csrf("/inbox")
	steps := []struct {
		action string
		run    func() int
	}{
		{"view", func() int { c, _ := b.get(f.convPath()); return c }},
		{"reveal_phone", func() int { c, _, _ := b.post(f.convPath()+"/reveal", url.Values{"csrf": {tok}}); return c }},
		{"note", func() int { return b.act("notes", url.Values{"text": {"secret note text"}}) }},
		{"reply", func() int { return b.act("reply", url.Values{"body": {"Парковка за углом"}}) }},
		{"assign", func() int { return b.act("assign", url.Values{"to": {"me"}}) }},
		{"correct", func() int { return b.act("correct", url.Values{"index": {"0"}, "intent": {"other"}}) }},
		{"resolve", func() int { return b.act("resolve", nil) }},
	}
	for _, s := range steps {
		before, _ := f.st.AuditLog(ctx, 0)
		if code := s.run(); code/100 != 2 && code != http.StatusSeeOther {
			t.Fatalf("%s = %d", s.action, code)
		}
		after, _ := f.st.AuditLog(ctx, 0)
		if len(after) != len(before)+1 {
			t.Errorf("%s added %d audit entries, want 1", s.action, len(after)-len(before))
			continue
		}
		e := after[0]
		if e.Action != s.action || e.Who != "olga@clinic.example" || e.Phone != f.phone || e.At.IsZero() {
			t.Errorf("%s: audit entry = %+v, want action %s by olga on the phone", s.action, e, s.action)
		}
	}
	// A live refresh of the open page is not a new view; a plain reload is.
	before, _ := f.st.AuditLog(ctx, 0)
	req, _ := http.NewRequest("GET", f.srv.URL+f.convPath(), nil)
	req.Header.Set("X-Inbox-Refresh", "1")
	b.do(req)
	if after, _ := f.st.AuditLog(ctx, 0); len(after) != len(before) {
		t.Errorf("a live refresh added %d audit entries, want 0", len(after)-len(before))
	}
	b.get(f.convPath())
	if after, _ := f.st.AuditLog(ctx, 0); len(after) != len(before)+1 {
		t.Errorf("a reload added %d audit entries, want 1", len(after)-len(before))
	}

	admin := f.browser()
	admin.login("admin@clinic.example", pw)
	_, csv := admin.get("/inbox/audit/export.csv")
	_, jsonl := admin.get("/inbox/audit/export.jsonl")
	_, html := admin.get("/inbox/audit")
	for name, out := range map[string]string{"csv": csv, "jsonl": jsonl, "page": html} {
		for _, text := range []string{f.body, "Парковка", "secret note text"} {
			if strings.Contains(out, text) {
				t.Errorf("audit %s holds message text %q", name, text)
			}
		}
		if !strings.Contains(out, "reveal_phone") || !strings.Contains(out, "olga@clinic.example") {
			t.Errorf("audit %s lacks the reveal by olga", name)
		}
	}
	lines := strings.Split(strings.TrimSpace(jsonl), "\n")
	var first Entry
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first.Action != "login" {
		t.Errorf("first JSONL line = %q (%v), want the login, oldest first", lines[0], err)
	}
	if n := strings.Count(strings.TrimSpace(csv), "\n"); n != len(lines) {
		t.Errorf("CSV has %d rows, JSONL %d lines", n, len(lines))
	}
}

func TestEventsStreamCarriesChanges(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.login("olga@clinic.example", pw)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", f.srv.URL+"/inbox/events", nil)
	resp, err := b.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("GET /inbox/events = %d %q, want 200 text/event-stream", resp.StatusCode, ct)
	}
	// Another replica's engine publishes through its own Publisher.
	NewPublisher(f.st, nil).ConversationChanged(ctx, f.phone, "message")
	got := make(chan string, 1)
	go func() {
		buf := make([]byte, 4096)
		var all string
		for {
			n, err := resp.Body.Read(buf)
			all += string(buf[:n])
			if strings.Contains(all, `"kind":"message"`) || err != nil {
				got <- all
				return
			}
		}
	}()
	select {
	case all := <-got:
		if !strings.Contains(all, "event: change\ndata: {") || !strings.Contains(all, `"phone":"`+f.phone+`"`) {
			t.Errorf("event stream = %q, want a change event for the phone", all)
		}
	case <-ctx.Done():
		t.Fatal("no change event within 10s")
	}
	// Without a session the stream is refused.
	anon := f.browser()
	if code, _ := anon.get("/inbox/events"); code != http.StatusUnauthorized {
		t.Errorf("anonymous GET /inbox/events = %d, want 401", code)
	}
}

func TestAddUserValidates(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		email, password string
		role            Role
	}{
		{"not-an-email", pw, Staff}, {"x@clinic.example", "short", Staff}, {"x@clinic.example", pw, "boss"},
	} {
		if err := f.st.AddUser(ctx, tc.email, tc.password, tc.role, false); err == nil {
			t.Errorf("AddUser(%q, %q, %q) = nil, want an error", tc.email, tc.password, tc.role)
		}
	}
	if err := f.st.AddUser(ctx, "olga@clinic.example", pw, Staff, false); err != ErrUserExists {
		t.Errorf("AddUser(existing) = %v, want ErrUserExists", err)
	}
	b := f.browser()
	b.login("olga@clinic.example", pw)
	if err := f.st.AddUser(ctx, "olga@clinic.example", "a new long password", Admin, true); err != nil {
		t.Fatalf("AddUser(replace) = %v", err)
	}
	if code, _ := b.get("/inbox"); code != http.StatusSeeOther {
		t.Errorf("session survived a password change: GET /inbox = %d, want 303", code)
	}
	if code := b.login("olga@clinic.example", "a new long password"); code != http.StatusSeeOther {
		t.Errorf("login with the new password = %d, want 303", code)
	}
	if u, _ := f.st.User(ctx, "olga@clinic.example"); u.Role != Admin {
		t.Errorf("role after replace = %q, want admin", u.Role)
	}
}

func TestPagesHaveNoExternalResources(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.login("admin@clinic.example", pw)
	extRE := regexp.MustCompile(`(?i)(src|href)="(https?:)?//`)
	for _, p := range []string{"/login", "/inbox", f.convPath(), "/inbox/mentions", "/inbox/audit"} {
		code, body := b.get(p)
		if code != 200 {
			t.Errorf("GET %s = %d", p, code)
		}
		if extRE.MatchString(body) {
			t.Errorf("GET %s references an external resource", p)
		}
		if strings.Contains(body, "style=") || strings.Contains(body, "<script>") {
			t.Errorf("GET %s has inline style or script (the CSP forbids them)", p)
		}
	}
	for _, p := range []string{"/inbox/static/inbox.css", "/inbox/static/inbox.js"} {
		if code, _ := b.get(p); code != 200 {
			t.Errorf("GET %s = %d", p, code)
		}
	}
}

func TestAppointmentActions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	must(t, f.conv.PutPatient(ctx, dialogue.Patient{ID: "p2", Phone: "+15550000000", Name: "Someone Else"}))
	must(t, f.conv.PutAppointment(ctx, dialogue.Appointment{ID: "a2", PatientID: "p2", Provider: "Dr. Okafor", Location: "main", Type: "checkup",
		Start: time.Now().Add(96 * time.Hour).UTC().Truncate(time.Minute), DurationMinutes: 30}))
	b := f.browser()
	b.login("olga@clinic.example", pw)
	for _, tc := range []struct {
		form url.Values
		code int
		want dialogue.Status
	}{
		{url.Values{"id": {"a2"}, "do": {"cancel"}}, http.StatusBadRequest, dialogue.Booked}, // another phone's visit
		{url.Values{"id": {"a1"}, "do": {"delete"}}, http.StatusBadRequest, dialogue.Booked},
		{url.Values{"id": {"a1"}, "do": {"confirm"}}, http.StatusSeeOther, dialogue.Confirmed},
		{url.Values{"id": {"a1"}, "do": {"cancel"}}, http.StatusSeeOther, dialogue.Cancelled},
		{url.Values{"id": {"a1"}, "do": {"cancel"}}, http.StatusConflict, dialogue.Cancelled},
	} {
		if code := b.act("appointment", tc.form); code != tc.code {
			t.Errorf("POST appointment %v = %d, want %d", tc.form, code, tc.code)
		}
		if a, _ := f.conv.Appointment(ctx, "a1"); a.Status != tc.want {
			t.Errorf("after %v: a1 is %s, want %s", tc.form, a.Status, tc.want)
		}
	}
	if a, _ := f.conv.Appointment(ctx, "a2"); a.Status != dialogue.Booked {
		t.Errorf("another phone's appointment changed to %s", a.Status)
	}
	es, _ := f.st.AuditLog(ctx, 0)
	n := 0
	for _, e := range es {
		if strings.HasPrefix(e.Action, "appointment_") {
			n++
		}
	}
	if n != 2 {
		t.Errorf("audit holds %d appointment entries, want 2 (confirm and cancel)", n)
	}
}

// TestFormControlsHaveLabels: every visible form control of every page has
// a label (screen readers, keyboard users), and buttons have text.
func TestFormControlsHaveLabels(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	controlRE := regexp.MustCompile(`<(input|textarea|select)\b[^>]*>`)
	idRE := regexp.MustCompile(`\bid="([^"]+)"`)
	emptyButtonRE := regexp.MustCompile(`<button[^>]*>\s*</button>`)
	check := func(path, body string) {
		for _, c := range controlRE.FindAllString(body, -1) {
			if strings.Contains(c, `type="hidden"`) {
				continue
			}
			m := idRE.FindStringSubmatch(c)
			if m == nil || !strings.Contains(body, `<label for="`+m[1]+`"`) {
				t.Errorf("GET %s: control %s has no label", path, c)
			}
		}
		if emptyButtonRE.MatchString(body) {
			t.Errorf("GET %s: a button without text", path)
		}
	}
	_, login := b.get("/login")
	check("/login", login)
	b.login("admin@clinic.example", pw)
	for _, p := range []string{"/inbox", f.convPath(), "/inbox/mentions", "/inbox/audit"} {
		_, body := b.get(p)
		check(p, body)
	}
}

// TestLiveRefreshDoesNotKeepSessionAlive: only requests a person makes
// restart the idle clock.
func TestLiveRefreshDoesNotKeepSessionAlive(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b := f.browser()
	b.login("olga@clinic.example", pw)
	u, _ := url.Parse(f.srv.URL)
	var id string
	for _, c := range b.hc.Jar.Cookies(u) {
		if c.Name == cookieName {
			id = c.Value
		}
	}
	key := f.st.sessKey(id)
	f.st.rdb.Expire(ctx, key, time.Minute)
	req, _ := http.NewRequest("GET", f.srv.URL+"/inbox", nil)
	req.Header.Set("X-Inbox-Refresh", "1")
	if code, _, _ := b.do(req); code != 200 {
		t.Fatalf("live refresh = %d, want 200", code)
	}
	if ttl, _ := f.st.rdb.TTL(ctx, key).Result(); ttl > time.Minute {
		t.Errorf("a live refresh restarted the idle clock (TTL %v)", ttl)
	}
	b.get("/inbox")
	if ttl, _ := f.st.rdb.TTL(ctx, key).Result(); ttl <= time.Minute {
		t.Errorf("a person's request did not restart the idle clock (TTL %v)", ttl)
	}
}

func TestTranslationForStaff(t *testing.T) {
	f := newFixture(t)
	fake := llmfake.New(t, "k")
	fake.ForbidPHI("Ivan", "Petrov")
	fake.Answer(func(text string) string { return "Hello, where can I park? (" + text[:4] + ")" })
	srv, err := New(Config{Translator: NewLLMTranslator(fake.BaseURL(), "k", "m")}, f.st, f.conv, fakeEngine{f.conv}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	f.srv = ts
	must(t, f.conv.AppendMessage(context.Background(), f.phone, dialogue.Message{Direction: dialogue.In, Body: "Это Ivan Petrov, 555 123 4567", At: time.Now().UTC(), Lang: "ru", Intent: "other", Confidence: 0.4}))
	b := f.browser()
	b.login("olga@clinic.example", pw)
	_, body := b.get(f.convPath())
	if !strings.Contains(body, "Hello, where can I park?") || !strings.Contains(body, "ru → en") {
		t.Errorf("conversation page lacks the translation of the Russian text")
	}
	n := len(fake.Requests())
	if n != 2 {
		t.Errorf("LLM got %d requests, want 2 (the two Russian texts)", n)
	}
	for _, r := range fake.Requests() {
		if strings.Contains(r, "Ivan") || strings.Contains(r, "4567") {
			t.Errorf("LLM request holds PHI: %s", r)
		}
	}
	b.get(f.convPath())
	if got := len(fake.Requests()); got != n {
		t.Errorf("a second view made %d more LLM requests, want 0 (cached)", got-n)
	}
}

func TestNoTranslatorNoTranslation(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.login("olga@clinic.example", pw)
	if _, body := b.get(f.convPath()); strings.Contains(body, "Translation (") {
		t.Errorf("a translation shows without a translator")
	}
}

func TestRescheduleFromConversation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	start := time.Now().Add(120 * time.Hour).UTC().Truncate(time.Minute)
	must(t, f.conv.PutPatient(ctx, dialogue.Patient{ID: "p2", Phone: "+15550000000", Name: "Someone Else"}))
	must(t, f.conv.PutAppointment(ctx, dialogue.Appointment{ID: "a2", PatientID: "p2", Provider: "Dr. Okafor", Location: "main", Type: "checkup",
		Start: time.Now().Add(96 * time.Hour).UTC().Truncate(time.Minute), DurationMinutes: 30}))
	for _, sl := range []dialogue.Slot{
		{ID: "s1", Provider: "Dr. Okafor", Location: "main", Type: "checkup", Start: start, DurationMinutes: 30},
		{ID: "s3", Provider: "Dr. Okafor", Location: "main", Type: "checkup", Start: start.Add(time.Hour), DurationMinutes: 30},
		{ID: "s-other-provider", Provider: "Dr. Lee", Location: "main", Type: "checkup", Start: start, DurationMinutes: 30},
		{ID: "s-other-type", Provider: "Dr. Okafor", Location: "main", Type: "vaccine", Start: start, DurationMinutes: 30},
	} {
		must(t, f.conv.PutSlot(ctx, sl))
	}
	b := f.browser()
	b.login("olga@clinic.example", pw)
	_, page := b.get(f.convPath())
	if !strings.Contains(page, `/reschedule"`) || !strings.Contains(page, `name="slot" value="s1"`) || !strings.Contains(page, `name="slot" value="s3"`) {
		t.Errorf("conversation page does not offer s1 and s3 to move a1 to")
	}
	for _, id := range []string{"s-other-provider", "s-other-type"} {
		if strings.Contains(page, `value="`+id+`"`) {
			t.Errorf("conversation page offers %s, which is not the visit's provider and type", id)
		}
	}
	for _, tc := range []struct {
		form url.Values
		code int
		want dialogue.Status
	}{
		{url.Values{"id": {"a2"}, "slot": {"s1"}}, http.StatusBadRequest, dialogue.Booked}, // another phone's visit
		{url.Values{"id": {"a1"}, "slot": {"s-other-provider"}}, http.StatusConflict, dialogue.Booked},
		{url.Values{"id": {"a1"}, "slot": {"nope"}}, http.StatusConflict, dialogue.Booked},
		{url.Values{"id": {"a1"}, "slot": {"s1"}}, http.StatusSeeOther, dialogue.Rescheduled},
		{url.Values{"id": {"a1"}, "slot": {"s3"}}, http.StatusConflict, dialogue.Rescheduled},       // no longer active
		{url.Values{"id": {"moved-a1"}, "slot": {"s1"}}, http.StatusConflict, dialogue.Rescheduled}, // s1 is taken now
	} {
		if code := b.act("reschedule", tc.form); code != tc.code {
			t.Errorf("POST reschedule %v = %d, want %d", tc.form, code, tc.code)
		}
		if a, _ := f.conv.Appointment(ctx, "a1"); a.Status != tc.want {
			t.Errorf("after %v: a1 is %s, want %s", tc.form, a.Status, tc.want)
		}
	}
	moved, err := f.conv.Appointment(ctx, "moved-a1")
	if err != nil || !moved.Start.Equal(start) || moved.PatientID != "p1" || !moved.Active() {
		t.Errorf("moved appointment = %+v, %v; want p1's active visit at %v", moved, err, start)
	}
	if a, _ := f.conv.Appointment(ctx, "a2"); a.Status != dialogue.Booked {
		t.Errorf("another phone's appointment changed to %s", a.Status)
	}
	if _, page := b.get(f.convPath() + "?done=rescheduled"); !strings.Contains(page, "Appointment moved") {
		t.Errorf("no flash after the move")
	}
	es, _ := f.st.AuditLog(ctx, 0)
	n := 0
	for _, e := range es {
		if e.Action == "appointment_reschedule" {
			n++
			if e.Who != "olga@clinic.example" || e.Phone != f.phone || !strings.Contains(e.Detail, "a1") || strings.Contains(e.Detail, f.body) {
				t.Errorf("reschedule audit entry = %+v", e)
			}
		}
	}
	if n != 1 {
		t.Errorf("audit holds %d reschedule entries, want 1", n)
	}
}

func TestTranslateStaffReply(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	fake := llmfake.New(t, "k")
	fake.ForbidPHI("Ivan", "Petrov", "4567")
	fake.Answer(func(text string) string { return "Парковка за зданием." })
	srv, err := New(Config{Translator: NewLLMTranslator(fake.BaseURL(), "k", "m")}, f.st, f.conv, fakeEngine{f.conv}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	f.srv = ts
	b := f.browser()
	b.login("olga@clinic.example", pw)
	if _, page := b.get(f.convPath()); !strings.Contains(page, "Translate into the patient") {
		t.Fatalf("conversation page lacks the translate checkbox")
	}
	calls := fake.Calls()
	before, _ := f.conv.Messages(ctx, f.phone)
	reply := "Ivan Petrov, parking is behind the building; call 555 123 4567."
	code, page, _ := b.post(f.convPath()+"/reply", url.Values{"csrf": {b.csrf("/inbox")}, "body": {reply}, "translate": {"1"}})
	if code != http.StatusOK || !strings.Contains(page, "Send translation") || !strings.Contains(page, "Парковка за зданием.") ||
		!strings.Contains(page, html.EscapeString(reply)) {
		t.Errorf("POST reply with translate = %d; want 200 showing both texts and a Send translation button", code)
	}
	if got := fake.Calls() - calls; got != 1 {
		t.Errorf("translating the reply made %d LLM calls, want 1", got)
	}
	for _, r := range fake.Requests() {
		if strings.Contains(r, "Ivan") || strings.Contains(r, "4567") {
			t.Errorf("LLM request holds PHI: %s", r)
		}
	}
	if after, _ := f.conv.Messages(ctx, f.phone); len(after) != len(before) {
		t.Fatalf("translating sent %d messages, want 0 before confirmation", len(after)-len(before))
	}
	for _, tc := range []struct {
		body string
		code int
		sent int
	}{
		{"Парковка за зданием, [NAME].", http.StatusBadRequest, 0}, // a placeholder left in
		{"Парковка за зданием.", http.StatusSeeOther, 1},
	} {
		if code := b.act("reply", url.Values{"body": {tc.body}, "translated": {"1"}}); code != tc.code {
			t.Errorf("POST reply translated %q = %d, want %d", tc.body, code, tc.code)
		}
		after, _ := f.conv.Messages(ctx, f.phone)
		if len(after)-len(before) != tc.sent {
			t.Errorf("after POST reply translated %q: %d messages sent, want %d", tc.body, len(after)-len(before), tc.sent)
		}
	}
	after, _ := f.conv.Messages(ctx, f.phone)
	if last := after[len(after)-1]; last.Body != "Парковка за зданием." || last.Key != "staff" || last.Lang != "ru" {
		t.Errorf("sent message = %+v, want the translation as a staff reply in ru", last)
	}
	es, _ := f.st.AuditLog(ctx, 0)
	if e := es[0]; e.Action != "reply" || e.Detail != "translated en -> ru" || strings.Contains(e.Detail, "Парковка") {
		t.Errorf("audit entry = %+v, want a translated reply without text", e)
	}
}

func TestNoTranslatorNoReplyTranslation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b := f.browser()
	b.login("olga@clinic.example", pw)
	if _, page := b.get(f.convPath()); strings.Contains(page, "Translate into the patient") {
		t.Errorf("the translate checkbox shows without a translator")
	}
	before, _ := f.conv.Messages(ctx, f.phone)
	if code := b.act("reply", url.Values{"body": {"Parking is behind the building."}, "translate": {"1"}}); code != http.StatusBadRequest {
		t.Errorf("POST reply with translate and no translator = %d, want 400", code)
	}
	if after, _ := f.conv.Messages(ctx, f.phone); len(after) != len(before) {
		t.Errorf("a reply asked to be translated was sent untranslated")
	}
}
