package inbox

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"clinicsms/dialogue"
	"clinicsms/intents"
)

// page is what every template gets; each page fills its part.
type page struct {
	Title   string
	User    User
	CSRF    string
	Flash   string
	Error   string
	Next    string
	Filter  string
	Queue   []queueRow
	Conv    *convView
	Mention []Mention
	Audit   []Entry
	Live    string // URL the page's live region is refreshed from; "" = none
	Phone   string // conversation the live region follows ("" = any)
	// StaffLang is the language translations are shown in.
	StaffLang string
	// Translate offers translating a staff reply (a Translator is set).
	Translate bool
	// Draft is a translated reply waiting for the staff's confirmation.
	Draft *draftView
}

// draftView shows a staff reply and its translation before sending.
type draftView struct {
	Original, Translated, From, To string
}

type queueRow struct {
	Phone, Masked, Names, Reason, Assignee, State string
	Updated                                       time.Time
	Unread                                        bool
}

type convView struct {
	Phone, Masked, Language, State, Reason, Assignee string
	Revealed, Escalated, OptedOut                    bool
	Patients                                         []patientView
	Messages                                         []msgView
	Notes                                            []Note
	Tasks                                            []dialogue.Task
	Users                                            []User
	Labels                                           []string
}

type patientView struct {
	Name, Language string
	Appointments   []apptView
}

// apptView is an appointment with the open times it can move to.
type apptView struct {
	dialogue.Appointment
	Slots []dialogue.Slot
}

// rescheduleChoices is how many open times the page offers per visit.
const rescheduleChoices = 5

type msgView struct {
	Index                                       int
	In                                          bool
	Body, Lang, Intent, Confidence, Key, Status string
	Corrected, Translation                      string
	At                                          time.Time
}

var tmplFuncs = template.FuncMap{
	"when":      func(t time.Time) string { return t.UTC().Format("Jan 2 15:04 UTC") },
	"reason":    reasonText,
	"pathphone": func(p string) string { return strings.ReplaceAll(p, "+", "%2B") },
	"domid":     domID,
}

// parsePages builds one template per page, each with the shared layout.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(webFS, "web/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "web/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(tmplFuncs).ParseFS(webFS, "web/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		out[base] = t
	}
	return out, nil
}

func (s *Server) render(c *gin.Context, status int, name string, p page) {
	if v, ok := c.Get(ctxUser); ok {
		p.User = v.(User)
	}
	if v, ok := c.Get(ctxSession); ok {
		p.CSRF = v.(Session).CSRF
	}
	c.Status(status)
	c.Header("Content-Type", "text/html; charset=utf-8")
	if err := s.pages[name].Execute(c.Writer, p); err != nil {
		s.log.Error("render", "page", name, "err", err)
	}
}

func (s *Server) errorPage(c *gin.Context, status int, msg string) {
	s.render(c, status, "error", page{Title: http.StatusText(status), Error: msg})
}

// reasonText says why the bot handed a chat over, for people.
func reasonText(r string) string {
	switch r {
	case "question":
		return "Patient asked a question"
	case "unknown_number":
		return "Unknown number"
	case "misunderstood":
		return "Misunderstood twice"
	case "no_appointment":
		return "No appointment found"
	case "opt_out_task":
		return "Opt-out task"
	case "asked_person", "staff":
		return "Asked for a person"
	case "":
		return "—"
	}
	return strings.ReplaceAll(r, "_", " ")
}

// MaskPhone shows only the last four digits.
func MaskPhone(p string) string {
	if len(p) <= 4 {
		return "••••"
	}
	return strings.Repeat("•", len(p)-4) + p[len(p)-4:]
}

// domID makes an element id from a phone ("+1555..." → "c-1555...").
func domID(p string) string { return "c-" + strings.TrimPrefix(p, "+") }

func (s *Server) who(c *gin.Context) User { return c.MustGet(ctxUser).(User) }

func (s *Server) audit1(ctx context.Context, e Entry) {
	if err := s.st.Audit(ctx, e); err != nil {
		s.log.Error("audit append failed", "action", e.Action, "err", err)
	}
}

// --- login ---

func (s *Server) loginForm(c *gin.Context) {
	s.render(c, http.StatusOK, "login", page{Title: "Log in", Next: safeNext(c.Query("next"))})
}

// safeNext keeps a post-login redirect inside the inbox.
func safeNext(n string) string {
	if strings.HasPrefix(n, "/inbox") && !strings.Contains(n, "//") && !strings.Contains(n, `\`) {
		return n
	}
	return "/inbox"
}

func (s *Server) login(c *gin.Context) {
	ctx := c.Request.Context()
	email, next := NormalizeEmail(c.PostForm("email")), safeNext(c.PostForm("next"))
	u, err := s.st.Login(ctx, email, c.PostForm("password"), c.ClientIP())
	switch {
	case errors.Is(err, ErrLocked):
		s.render(c, http.StatusTooManyRequests, "login", page{Title: "Log in", Next: next,
			Error: fmt.Sprintf("Too many failed attempts. Try again in %d minutes.", int(LockFor/time.Minute))})
		return
	case errors.Is(err, ErrBadLogin):
		s.render(c, http.StatusUnauthorized, "login", page{Title: "Log in", Next: next, Error: "Wrong email or password."})
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	sess, err := s.st.NewSession(ctx, u)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.audit1(ctx, Entry{Who: u.Email, Action: "login"})
	s.setCookie(c, sess.ID)
	c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) logout(c *gin.Context) {
	sess := c.MustGet(ctxSession).(Session)
	if err := s.st.EndSession(c.Request.Context(), sess.ID); err != nil {
		s.fail(c, err)
		return
	}
	s.audit1(c.Request.Context(), Entry{Who: sess.Email, Action: "logout"})
	s.clearCookie(c)
	c.Redirect(http.StatusSeeOther, "/login")
}

func (s *Server) logoutEverywhere(c *gin.Context) {
	u := s.who(c)
	if err := s.st.EndAllSessions(c.Request.Context(), u.Email); err != nil {
		s.fail(c, err)
		return
	}
	s.audit1(c.Request.Context(), Entry{Who: u.Email, Action: "logout_everywhere"})
	s.clearCookie(c)
	c.Redirect(http.StatusSeeOther, "/login")
}

// --- queue ---

var filters = []string{"unassigned", "mine", "all", "resolved"}

func (s *Server) queue(c *gin.Context) {
	ctx, u := c.Request.Context(), s.who(c)
	filter := c.DefaultQuery("filter", "all")
	if !slices.Contains(filters, filter) {
		filter = "all"
	}
	convs, err := s.conv.Conversations(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	var resolved map[string]bool
	if filter == "resolved" {
		phones, err := s.st.Resolved(ctx)
		if err != nil {
			s.fail(c, err)
			return
		}
		resolved = map[string]bool{}
		for _, p := range phones {
			resolved[p] = true
		}
	}
	var rows []queueRow
	for _, cv := range convs {
		if filter == "resolved" {
			if cv.Escalated || !resolved[cv.Phone] {
				continue
			}
		} else if !cv.Escalated {
			continue
		}
		assignee, err := s.st.Assignee(ctx, cv.Phone)
		if err != nil {
			s.fail(c, err)
			return
		}
		if (filter == "unassigned" && assignee != "") || (filter == "mine" && assignee != u.Email) {
			continue
		}
		seen, err := s.st.Seen(ctx, cv.Phone, u.Email)
		if err != nil {
			s.fail(c, err)
			return
		}
		ps, err := s.conv.PatientsByPhone(ctx, cv.Phone)
		if err != nil {
			s.fail(c, err)
			return
		}
		var names []string
		for _, p := range ps {
			names = append(names, p.Name)
		}
		rows = append(rows, queueRow{Phone: cv.Phone, Masked: MaskPhone(cv.Phone), Names: strings.Join(names, ", "),
			Reason: cv.EscalationReason, Assignee: assignee, State: string(cv.State), Updated: cv.UpdatedAt,
			Unread: cv.Escalated && cv.UpdatedAt.After(seen)})
	}
	s.render(c, http.StatusOK, "queue", page{Title: "Inbox", Filter: filter, Queue: rows, Live: "/inbox?filter=" + filter})
}

// --- conversation ---

func (s *Server) conversation(c *gin.Context) { s.showConversation(c, false) }

// reveal shows the full phone number once, and audits it.
func (s *Server) reveal(c *gin.Context) {
	s.audit1(c.Request.Context(), Entry{Who: s.who(c).Email, Action: "reveal_phone", Phone: c.Param("phone")})
	s.showConversation(c, true)
}

func (s *Server) showConversation(c *gin.Context, revealed bool) {
	ctx, u, phone := c.Request.Context(), s.who(c), c.Param("phone")
	sess := c.MustGet(ctxSession).(Session)
	v, err := s.loadConversation(ctx, phone)
	if errors.Is(err, dialogue.ErrNotFound) {
		s.errorPage(c, http.StatusNotFound, "No such conversation.")
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	v.Revealed = revealed
	now := s.cfg.Now()
	// A live refresh of a page this session already opened is the same
	// view, not a new one; anything else is audited.
	// A reveal is audited as such and counts as the view.
	if !revealed && (c.GetHeader("X-Inbox-Refresh") == "" || !sess.viewedRecently(phone, now)) {
		s.audit1(ctx, Entry{Who: u.Email, Action: "view", Phone: phone})
		if err := s.st.markViewed(ctx, sess, phone, now); err != nil {
			s.fail(c, err)
			return
		}
	}
	if err := s.st.MarkSeen(ctx, phone, u.Email, now); err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "conversation", s.conversationPage(v, flash(c.Query("done"))))
}

func (s *Server) conversationPage(v *convView, flash string) page {
	return page{Title: "Conversation " + v.Masked, Conv: v, Live: "/inbox/c/" + strings.ReplaceAll(v.Phone, "+", "%2B"), Phone: v.Phone,
		Flash: flash, StaffLang: s.cfg.StaffLang, Translate: s.cfg.Translator != nil}
}

func flash(done string) string {
	switch done {
	case "reply":
		return "Reply sent."
	case "note":
		return "Note added."
	case "assign":
		return "Assignment saved."
	case "resolve":
		return "Resolved: the bot answers this patient again when they next write."
	case "correct":
		return "Correction saved for retraining."
	case "confirmed":
		return "Appointment confirmed."
	case "cancelled":
		return "Appointment cancelled; the patient was told and the time is offered to the waitlist."
	case "rescheduled":
		return "Appointment moved; the patient was told the new time and the old one is offered to the waitlist."
	}
	return ""
}

func (s *Server) loadConversation(ctx context.Context, phone string) (*convView, error) {
	cv, err := s.conv.Conversation(ctx, phone)
	if err != nil {
		return nil, err
	}
	if cv.UpdatedAt.IsZero() {
		return nil, dialogue.ErrNotFound
	}
	msgs, err := s.conv.Messages(ctx, phone)
	if err != nil {
		return nil, err
	}
	ps, err := s.conv.PatientsByPhone(ctx, phone)
	if err != nil {
		return nil, err
	}
	assignee, err := s.st.Assignee(ctx, phone)
	if err != nil {
		return nil, err
	}
	notes, err := s.st.Notes(ctx, phone)
	if err != nil {
		return nil, err
	}
	users, err := s.st.Users(ctx)
	if err != nil {
		return nil, err
	}
	corr, _, err := s.st.Corrections(ctx)
	if err != nil {
		return nil, err
	}
	v := &convView{Phone: phone, Masked: MaskPhone(phone), Language: patientLang(cv, ps), State: string(cv.State),
		Reason: cv.EscalationReason, Assignee: assignee, Escalated: cv.Escalated, OptedOut: cv.OptedOut, Notes: notes, Users: users}
	tasks, err := s.conv.Tasks(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range tasks {
		if t.Phone == phone {
			v.Tasks = append(v.Tasks, t)
		}
	}
	for _, l := range intents.Labels {
		v.Labels = append(v.Labels, string(l))
	}
	for _, p := range ps {
		as, err := s.conv.AppointmentsByPatient(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		pv := patientView{Name: p.Name, Language: p.Language}
		for _, a := range as {
			av := apptView{Appointment: a}
			if a.Active() {
				if av.Slots, err = s.conv.OpenSlots(ctx, a.Provider, a.Type, s.cfg.Now(), rescheduleChoices); err != nil {
					return nil, err
				}
			}
			pv.Appointments = append(pv.Appointments, av)
		}
		v.Patients = append(v.Patients, pv)
	}
	for i, m := range msgs {
		mv := msgView{Index: i, In: m.Direction == dialogue.In, Body: m.Body, Lang: m.Lang, Intent: m.Intent, Key: m.Key, Status: m.Status, At: m.At}
		if mv.In {
			mv.Confidence = strconv.Itoa(int(m.Confidence*100+0.5)) + "%"
			if cr, ok := corr[phone+"|"+strconv.Itoa(i)]; ok {
				mv.Corrected = cr.Intent
			}
		}
		v.Messages = append(v.Messages, mv)
	}
	s.translate(ctx, phone, ps, v.Messages)
	return v, nil
}

// maxTranslations bounds the LLM calls one page view makes; the rest come
// on the next view (each translation is cached).
const maxTranslations = 5

// translate fills in translations of inbound texts not in the staff's
// language, from the cache or the translator. Failures leave them out.
func (s *Server) translate(ctx context.Context, phone string, ps []dialogue.Patient, ms []msgView) {
	if s.cfg.Translator == nil {
		return
	}
	to := s.cfg.StaffLang
	cached, err := s.st.Translations(ctx, phone, to)
	if err != nil {
		s.log.Warn("read translations", "err", err)
		return
	}
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	calls := 0
	for i := range ms {
		m := &ms[i]
		if !m.In || m.Lang == "" || m.Lang == to {
			continue
		}
		if tr, ok := cached[strconv.Itoa(m.Index)]; ok {
			m.Translation = tr
			continue
		}
		if calls == maxTranslations {
			continue
		}
		calls++
		tr, err := s.cfg.Translator.Translate(ctx, m.Body, m.Lang, to, names)
		if err != nil {
			s.log.Warn("translation unavailable", "err", err)
			continue
		}
		m.Translation = tr
		if err := s.st.SaveTranslation(ctx, phone, to, m.Index, tr); err != nil {
			s.log.Warn("cache translation", "err", err)
		}
	}
}

// patientLang is the language the patient reads, as the engine picks it:
// a known preference first, then what the conversation showed.
func patientLang(cv dialogue.Conversation, ps []dialogue.Patient) string {
	for _, p := range ps {
		if p.Language != "" {
			return p.Language
		}
	}
	return cv.Language
}

func back(c *gin.Context, done string) {
	c.Redirect(http.StatusSeeOther, "/inbox/c/"+strings.ReplaceAll(c.Param("phone"), "+", "%2B")+"?done="+done)
}

// mustExist answers 404 for a phone without a conversation.
func (s *Server) mustExist(c *gin.Context) (dialogue.Conversation, bool) {
	cv, err := s.conv.Conversation(c.Request.Context(), c.Param("phone"))
	if err != nil {
		s.fail(c, err)
		return cv, false
	}
	if cv.UpdatedAt.IsZero() {
		s.errorPage(c, http.StatusNotFound, "No such conversation.")
		return cv, false
	}
	return cv, true
}

func (s *Server) reply(c *gin.Context) {
	ctx, u, phone := c.Request.Context(), s.who(c), c.Param("phone")
	cv, ok := s.mustExist(c)
	if !ok {
		return
	}
	body := strings.TrimSpace(c.PostForm("body"))
	if body == "" || len([]rune(body)) > 1600 {
		s.errorPage(c, http.StatusBadRequest, "A reply needs between 1 and 1600 characters.")
		return
	}
	ps, err := s.conv.PatientsByPhone(ctx, phone)
	if err != nil {
		s.fail(c, err)
		return
	}
	lang := patientLang(cv, ps)
	if c.PostForm("translate") != "" {
		s.translateReply(c, body, lang, ps)
		return
	}
	translated := c.PostForm("translated") != ""
	if translated && hasPlaceholder(body) {
		s.errorPage(c, http.StatusBadRequest, "The translation still holds a placeholder such as [NAME]. Go back, fill it in and send again.")
		return
	}
	_, err = s.eng.StaffReply(ctx, phone, lang, body)
	if errors.Is(err, dialogue.ErrOptedOut) {
		s.errorPage(c, http.StatusConflict, "This patient has opted out of texts, so the reply was not sent. Please call them instead.")
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	e := Entry{Who: u.Email, Action: "reply", Phone: phone}
	if translated {
		e.Detail = "translated " + s.cfg.StaffLang + " -> " + lang
	}
	s.audit1(ctx, e)
	back(c, "reply")
}

// translateReply translates a staff reply into the patient's language
// (redacting PHI like the inbound translation) and shows both texts for
// confirmation; nothing is sent yet.
func (s *Server) translateReply(c *gin.Context, body, to string, ps []dialogue.Patient) {
	ctx, from := c.Request.Context(), s.cfg.StaffLang
	if s.cfg.Translator == nil {
		s.errorPage(c, http.StatusBadRequest, "Translation is not available here; the reply was not sent.")
		return
	}
	if to == "" || to == from {
		s.errorPage(c, http.StatusBadRequest, "The patient's language is unknown or is yours; the reply was not sent.")
		return
	}
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	tr, err := s.cfg.Translator.Translate(ctx, body, from, to, names)
	if err != nil {
		s.log.Warn("reply translation unavailable", "err", err)
		s.errorPage(c, http.StatusServiceUnavailable, "Translation is unavailable right now; the reply was not sent. Try again or send it untranslated.")
		return
	}
	v, err := s.loadConversation(ctx, c.Param("phone"))
	if err != nil {
		s.fail(c, err)
		return
	}
	p := s.conversationPage(v, "")
	p.Draft = &draftView{Original: body, Translated: tr, From: from, To: to}
	s.render(c, http.StatusOK, "conversation", p)
}

// hasPlaceholder reports whether text still holds a redaction placeholder.
func hasPlaceholder(text string) bool {
	for _, ph := range []string{intents.PlaceholderName, intents.PlaceholderPhone, intents.PlaceholderEmail,
		intents.PlaceholderDOB, intents.PlaceholderAddress, intents.PlaceholderID} {
		if strings.Contains(text, ph) {
			return true
		}
	}
	return false
}

var mentionRE = regexp.MustCompile(`@([A-Za-z0-9._%+-]+(?:@[A-Za-z0-9.-]+)?)`)

func (s *Server) addNote(c *gin.Context) {
	ctx, u, phone := c.Request.Context(), s.who(c), c.Param("phone")
	if _, ok := s.mustExist(c); !ok {
		return
	}
	text := strings.TrimSpace(c.PostForm("text"))
	if text == "" || len([]rune(text)) > 4000 {
		s.errorPage(c, http.StatusBadRequest, "A note needs between 1 and 4000 characters.")
		return
	}
	users, err := s.st.Users(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	var mentioned []string
	for _, m := range mentionRE.FindAllStringSubmatch(text, -1) {
		h := strings.ToLower(strings.TrimRight(m[1], "."))
		for _, x := range users {
			if (x.Handle() == h || x.Email == h) && !slices.Contains(mentioned, x.Email) {
				mentioned = append(mentioned, x.Email)
			}
		}
	}
	n, err := s.st.AddNote(ctx, phone, Note{By: u.Email, Text: text, Mentions: mentioned})
	if err != nil {
		s.fail(c, err)
		return
	}
	s.audit1(ctx, Entry{Who: u.Email, Action: "note", Phone: phone, Detail: fmt.Sprintf("note %s, %d mentions", n.ID, len(mentioned))})
	s.changed(ctx, phone, "note")
	back(c, "note")
}

func (s *Server) assign(c *gin.Context) {
	ctx, u, phone := c.Request.Context(), s.who(c), c.Param("phone")
	if _, ok := s.mustExist(c); !ok {
		return
	}
	to := NormalizeEmail(c.PostForm("to"))
	if to == "me" {
		to = u.Email
	}
	if to != "" {
		if _, err := s.st.User(ctx, to); errors.Is(err, ErrNoUser) {
			s.errorPage(c, http.StatusBadRequest, "No such colleague.")
			return
		} else if err != nil {
			s.fail(c, err)
			return
		}
	}
	if err := s.st.Assign(ctx, phone, to); err != nil {
		s.fail(c, err)
		return
	}
	detail := "unassigned"
	if to != "" {
		detail = "to " + to
	}
	s.audit1(ctx, Entry{Who: u.Email, Action: "assign", Phone: phone, Detail: detail})
	s.changed(ctx, phone, "assign")
	back(c, "assign")
}

func (s *Server) resolve(c *gin.Context) {
	ctx, u, phone := c.Request.Context(), s.who(c), c.Param("phone")
	if _, ok := s.mustExist(c); !ok {
		return
	}
	if err := s.eng.Resolve(ctx, phone); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.st.MarkResolved(ctx, phone, s.cfg.Now()); err != nil {
		s.fail(c, err)
		return
	}
	s.audit1(ctx, Entry{Who: u.Email, Action: "resolve", Phone: phone})
	s.changed(ctx, phone, "state")
	back(c, "resolve")
}

func (s *Server) correct(c *gin.Context) {
	ctx, u, phone := c.Request.Context(), s.who(c), c.Param("phone")
	if _, ok := s.mustExist(c); !ok {
		return
	}
	label := intents.Label(c.PostForm("intent"))
	if !label.Valid() {
		s.errorPage(c, http.StatusBadRequest, "Pick one of the listed intents.")
		return
	}
	idx, err := strconv.Atoi(c.PostForm("index"))
	msgs, merr := s.conv.Messages(ctx, phone)
	if merr != nil {
		s.fail(c, merr)
		return
	}
	if err != nil || idx < 0 || idx >= len(msgs) || msgs[idx].Direction != dialogue.In {
		s.errorPage(c, http.StatusBadRequest, "That message cannot be corrected.")
		return
	}
	m := msgs[idx]
	if err := s.st.Correct(ctx, phone, idx, Correction{Text: m.Body, Lang: m.Lang, Intent: string(label), Was: m.Intent, By: u.Email}); err != nil {
		s.fail(c, err)
		return
	}
	s.audit1(ctx, Entry{Who: u.Email, Action: "correct", Phone: phone, Detail: fmt.Sprintf("message %d: %s -> %s", idx, m.Intent, label)})
	s.changed(ctx, phone, "correction")
	back(c, "correct")
}

// postedAppointment loads the appointment a form names and checks it is one
// of this conversation's patients'; on failure it has answered already.
func (s *Server) postedAppointment(c *gin.Context, phone string) (dialogue.Appointment, bool) {
	if _, ok := s.mustExist(c); !ok {
		return dialogue.Appointment{}, false
	}
	ctx := c.Request.Context()
	a, err := s.conv.Appointment(ctx, c.PostForm("id"))
	if err == nil && !s.ownsAppointment(ctx, phone, a) {
		err = dialogue.ErrNotFound
	}
	if errors.Is(err, dialogue.ErrNotFound) {
		s.errorPage(c, http.StatusBadRequest, "That appointment is not this patient's.")
		return dialogue.Appointment{}, false
	}
	if err != nil {
		s.fail(c, err)
		return dialogue.Appointment{}, false
	}
	return a, true
}

// appointment confirms or cancels one of the patients' visits for them.
func (s *Server) appointment(c *gin.Context) {
	ctx, u, phone := c.Request.Context(), s.who(c), c.Param("phone")
	a, ok := s.postedAppointment(c, phone)
	if !ok {
		return
	}
	var done string
	var err error
	switch c.PostForm("do") {
	case "confirm":
		_, err = s.conv.Confirm(ctx, a.ID)
		done = "confirmed"
	case "cancel":
		_, err = s.eng.CancelByClinic(ctx, a.ID)
		done = "cancelled"
	default:
		s.errorPage(c, http.StatusBadRequest, "Choose confirm or cancel.")
		return
	}
	if errors.Is(err, dialogue.ErrConflict) {
		s.errorPage(c, http.StatusConflict, "That appointment is no longer active.")
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.audit1(ctx, Entry{Who: u.Email, Action: "appointment_" + c.PostForm("do"), Phone: phone, Detail: "appointment " + a.ID})
	s.changed(ctx, phone, "appointment")
	back(c, done)
}

// reschedule moves one of the patients' visits into an open slot of the
// same provider and type.
func (s *Server) reschedule(c *gin.Context) {
	ctx, u, phone := c.Request.Context(), s.who(c), c.Param("phone")
	a, ok := s.postedAppointment(c, phone)
	if !ok {
		return
	}
	if !a.Active() {
		s.errorPage(c, http.StatusConflict, "That appointment is no longer active.")
		return
	}
	slotID := c.PostForm("slot")
	open, err := s.conv.OpenSlots(ctx, a.Provider, a.Type, s.cfg.Now(), 500)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !slices.ContainsFunc(open, func(sl dialogue.Slot) bool { return sl.ID == slotID }) {
		s.errorPage(c, http.StatusConflict, "That time is no longer open for this visit. Reload the page and pick another.")
		return
	}
	moved, err := s.eng.RescheduleByStaff(ctx, a.ID, slotID)
	switch {
	case errors.Is(err, dialogue.ErrSlotTaken):
		s.errorPage(c, http.StatusConflict, "That time was just taken. Reload the page and pick another.")
		return
	case errors.Is(err, dialogue.ErrConflict):
		s.errorPage(c, http.StatusConflict, "That appointment is no longer active.")
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	s.audit1(ctx, Entry{Who: u.Email, Action: "appointment_reschedule", Phone: phone,
		Detail: "appointment " + a.ID + " -> " + moved.ID + " (slot " + slotID + ")"})
	s.changed(ctx, phone, "appointment")
	back(c, "rescheduled")
}

// ownsAppointment reports whether a belongs to a patient on the phone.
func (s *Server) ownsAppointment(ctx context.Context, phone string, a dialogue.Appointment) bool {
	ps, err := s.conv.PatientsByPhone(ctx, phone)
	if err != nil {
		return false
	}
	for _, p := range ps {
		if p.ID == a.PatientID {
			return true
		}
	}
	return false
}

func (s *Server) changed(ctx context.Context, phone, kind string) {
	if err := s.st.Publish(ctx, phone, kind); err != nil {
		s.log.Warn("publish inbox change", "kind", kind, "err", err)
	}
}

// --- mentions and audit ---

func (s *Server) mentions(c *gin.Context) {
	ms, err := s.st.Mentions(c.Request.Context(), s.who(c).Email)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "mentions", page{Title: "Mentions", Mention: ms, Live: "/inbox/mentions"})
}

func (s *Server) audit(c *gin.Context) {
	es, err := s.st.AuditLog(c.Request.Context(), 500)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "audit", page{Title: "Audit log", Audit: es})
}

func (s *Server) auditCSV(c *gin.Context) {
	es, err := s.st.AuditLog(c.Request.Context(), 0)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="audit.csv"`)
	w := csv.NewWriter(c.Writer)
	_ = w.Write([]string{"id", "at", "who", "action", "phone", "detail"})
	for i := len(es) - 1; i >= 0; i-- {
		e := es[i]
		_ = w.Write([]string{e.ID, e.At.Format(time.RFC3339Nano), e.Who, e.Action, e.Phone, e.Detail})
	}
	w.Flush()
}

func (s *Server) auditJSONL(c *gin.Context) {
	es, err := s.st.AuditLog(c.Request.Context(), 0)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Type", "application/x-ndjson")
	c.Header("Content-Disposition", `attachment; filename="audit.jsonl"`)
	enc := json.NewEncoder(c.Writer)
	for i := len(es) - 1; i >= 0; i-- {
		_ = enc.Encode(es[i])
	}
}
