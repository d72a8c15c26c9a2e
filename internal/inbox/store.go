package inbox

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"
)

// Errors of the inbox's own records.
var (
	ErrBadLogin   = errors.New("wrong email or password")
	ErrLocked     = errors.New("too many failed logins")
	ErrNoSession  = errors.New("no such session")
	ErrUserExists = errors.New("user exists")
	ErrNoUser     = errors.New("no such user")
)

// Role is what a staff account may do.
type Role string

// Roles: staff work conversations; admins also read the audit log.
const (
	Admin Role = "admin"
	Staff Role = "staff"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == Admin || r == Staff }

// Tunables of accounts and sessions.
const (
	// IdleTimeout ends a session nobody used for this long.
	IdleTimeout = 30 * time.Minute
	// MaxFailures failed logins lock an account (or an address) for LockFor.
	MaxFailures = 5
	// LockFor is both the window failures are counted in and the lock.
	LockFor = 15 * time.Minute
	// MinPassword is the shortest password accepted.
	MinPassword = 10
)

// User is a staff account.
type User struct {
	Email string
	Role  Role
	gen   int64
}

// Handle is the name colleagues @mention: the part of the email before '@'.
func (u User) Handle() string {
	h, _, _ := strings.Cut(u.Email, "@")
	return h
}

// Session is one logged-in browser.
type Session struct {
	ID    string // cookie value; stored only hashed
	Email string
	CSRF  string
	gen   int64
	views map[string]int64 // phone -> Unix ms of the last audited view
}

// Note is a private note on a conversation; it never reaches the patient.
type Note struct {
	ID       string    `json:"id"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
	Text     string    `json:"text"`
	Mentions []string  `json:"mentions,omitempty"`
}

// Mention tells a user a colleague named them in a note.
type Mention struct {
	Phone  string    `json:"phone"`
	NoteID string    `json:"note_id"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Text   string    `json:"text"`
}

// Correction is a staff member's fix of a misread intent, kept for
// retraining. Text, Lang and Intent are the corpus fields.
type Correction struct {
	Text   string    `json:"text"`
	Lang   string    `json:"lang"`
	Intent string    `json:"intent"`
	Was    string    `json:"was"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// Entry is one line of the audit log: who did what to which conversation,
// when. Detail never holds message text.
type Entry struct {
	ID     string    `json:"id"`
	At     time.Time `json:"at"`
	Who    string    `json:"who"`
	Action string    `json:"action"`
	Phone  string    `json:"phone,omitempty"`
	Detail string    `json:"detail,omitempty"`
}

// Store keeps users, sessions, notes, assignments, corrections and the
// audit log in Redis. See the package doc for the key layout.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	now    func() time.Time
}

// NewStore returns the inbox's records over rdb, keys starting with prefix
// (the service's REDIS_KEY_PREFIX; no braces).
func NewStore(rdb redis.UniversalClient, prefix string) *Store {
	return &Store{rdb: rdb, prefix: prefix, now: time.Now}
}

func (s *Store) k(parts ...string) string { return s.prefix + ":{inbox}:" + strings.Join(parts, ":") }
func (s *Store) usersKey() string         { return s.k("users") }
func (s *Store) userKey(e string) string  { return s.k("user", e) }
func (s *Store) sessKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return s.prefix + ":inbox:sess:{" + hex.EncodeToString(sum[:]) + "}"
}
func (s *Store) convKey(phone, what string) string {
	return s.prefix + ":inbox:{" + phone + "}:" + what
}
func (s *Store) channel() string { return s.prefix + ":inbox:events" }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NormalizeEmail lower-cases and trims an email.
func NormalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

var emailRE = regexp.MustCompile(`^[a-z0-9._%+-]+@[a-z0-9.-]+$`)

// AddUser creates the account, or when replace is set also updates an
// existing one's password and role (and logs it out everywhere).
// Without replace an existing account gives ErrUserExists.
func (s *Store) AddUser(ctx context.Context, email, password string, role Role, replace bool) error {
	email = NormalizeEmail(email)
	if !emailRE.MatchString(email) {
		return errors.New("add user: email must look like name@clinic.example")
	}
	if !role.Valid() {
		return errors.New("add user: role must be admin or staff")
	}
	if len([]rune(password)) < MinPassword {
		return fmt.Errorf("add user: password must have at least %d characters", MinPassword)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("add user: %w", err)
	}
	created, err := s.rdb.HSetNX(ctx, s.userKey(email), "hash", string(hash)).Result()
	if err != nil {
		return fmt.Errorf("add user: %w", err)
	}
	if !created {
		if !replace {
			return ErrUserExists
		}
		if err := s.rdb.HSet(ctx, s.userKey(email), "hash", string(hash)).Err(); err != nil {
			return fmt.Errorf("add user: %w", err)
		}
		if err := s.rdb.HIncrBy(ctx, s.userKey(email), "gen", 1).Err(); err != nil {
			return fmt.Errorf("add user: %w", err)
		}
	}
	if err := s.rdb.HSet(ctx, s.userKey(email), "role", string(role)).Err(); err != nil {
		return fmt.Errorf("add user: %w", err)
	}
	return s.rdb.SAdd(ctx, s.usersKey(), email).Err()
}

// User returns the account, or ErrNoUser.
func (s *Store) User(ctx context.Context, email string) (User, error) {
	u, _, err := s.user(ctx, NormalizeEmail(email))
	return u, err
}

func (s *Store) user(ctx context.Context, email string) (User, string, error) {
	m, err := s.rdb.HGetAll(ctx, s.userKey(email)).Result()
	if err != nil {
		return User{}, "", fmt.Errorf("user: %w", err)
	}
	if m["hash"] == "" {
		return User{}, "", ErrNoUser
	}
	gen, _ := strconv.ParseInt(m["gen"], 10, 64)
	return User{Email: email, Role: Role(m["role"]), gen: gen}, m["hash"], nil
}

// Users lists every account, by email.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	emails, err := s.rdb.SMembers(ctx, s.usersKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	slices.Sort(emails)
	out := make([]User, 0, len(emails))
	for _, e := range emails {
		u, err := s.User(ctx, e)
		if errors.Is(err, ErrNoUser) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// dummyHash keeps a login for an unknown email as slow as a real one.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("not-a-real-password"), bcrypt.DefaultCost)
	return h
})

// Login checks a password, with throttling: after MaxFailures failures for
// the account or from the address within LockFor, every attempt (even a
// right one) gets ErrLocked until the lock expires.
func (s *Store) Login(ctx context.Context, email, password, ip string) (User, error) {
	email = NormalizeEmail(email)
	acct, addr := s.k("fail", "acct", email), s.k("fail", "ip", ip)
	counts, err := s.rdb.MGet(ctx, acct, addr).Result()
	if err != nil {
		return User{}, fmt.Errorf("login: %w", err)
	}
	for _, c := range counts {
		if n, _ := strconv.Atoi(fmt.Sprint(c)); n >= MaxFailures {
			return User{}, ErrLocked
		}
	}
	u, hash, err := s.user(ctx, email)
	if err != nil && !errors.Is(err, ErrNoUser) {
		return User{}, err
	}
	if hash == "" {
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
	}
	if hash == "" || bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		for _, key := range []string{acct, addr} {
			n, err := s.rdb.Incr(ctx, key).Result()
			if err != nil {
				return User{}, fmt.Errorf("login: %w", err)
			}
			if n == 1 || n >= MaxFailures {
				s.rdb.Expire(ctx, key, LockFor)
			}
		}
		return User{}, ErrBadLogin
	}
	s.rdb.Del(ctx, acct)
	return u, nil
}

// NewSession starts a session for u with a random 32-byte id and CSRF token.
func (s *Store) NewSession(ctx context.Context, u User) (Session, error) {
	sess := Session{ID: randomHex(32), Email: u.Email, CSRF: randomHex(32), gen: u.gen}
	key := s.sessKey(sess.ID)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, "email", sess.Email, "csrf", sess.CSRF, "gen", sess.gen)
		p.Expire(ctx, key, IdleTimeout)
		return nil
	})
	if err != nil {
		return Session{}, fmt.Errorf("new session: %w", err)
	}
	return sess, nil
}

// Session returns a live session and its user, and (touch) restarts its
// idle clock. A session of a user who logged out everywhere, or was
// removed, is ended and gives ErrNoSession.
func (s *Store) Session(ctx context.Context, id string, touch bool) (Session, User, error) {
	if len(id) != 64 {
		return Session{}, User{}, ErrNoSession
	}
	key := s.sessKey(id)
	m, err := s.rdb.HGetAll(ctx, key).Result()
	if err != nil {
		return Session{}, User{}, fmt.Errorf("session: %w", err)
	}
	if m["email"] == "" {
		return Session{}, User{}, ErrNoSession
	}
	gen, _ := strconv.ParseInt(m["gen"], 10, 64)
	sess := Session{ID: id, Email: m["email"], CSRF: m["csrf"], gen: gen, views: map[string]int64{}}
	for f, v := range m {
		if phone, ok := strings.CutPrefix(f, "v:"); ok {
			sess.views[phone], _ = strconv.ParseInt(v, 10, 64)
		}
	}
	u, _, err := s.user(ctx, sess.Email)
	if errors.Is(err, ErrNoUser) || (err == nil && u.gen != sess.gen) {
		s.rdb.Del(ctx, key)
		return Session{}, User{}, ErrNoSession
	}
	if err != nil {
		return Session{}, User{}, err
	}
	if touch {
		s.rdb.Expire(ctx, key, IdleTimeout)
	}
	return sess, u, nil
}

// CheckCSRF reports whether token is the session's CSRF token.
func (sess Session) CheckCSRF(token string) bool {
	return sess.CSRF != "" && subtle.ConstantTimeCompare([]byte(sess.CSRF), []byte(token)) == 1
}

// viewedRecently reports whether this session's view of phone was audited
// within the idle timeout (live refreshes of an open page are not new views).
func (sess Session) viewedRecently(phone string, now time.Time) bool {
	at, ok := sess.views[phone]
	return ok && now.Sub(time.UnixMilli(at)) < IdleTimeout
}

func (s *Store) markViewed(ctx context.Context, sess Session, phone string, now time.Time) error {
	return s.rdb.HSet(ctx, s.sessKey(sess.ID), "v:"+phone, now.UnixMilli()).Err()
}

// EndSession logs one browser out.
func (s *Store) EndSession(ctx context.Context, id string) error {
	return s.rdb.Del(ctx, s.sessKey(id)).Err()
}

// EndAllSessions logs the user out of every browser.
func (s *Store) EndAllSessions(ctx context.Context, email string) error {
	return s.rdb.HIncrBy(ctx, s.userKey(NormalizeEmail(email)), "gen", 1).Err()
}

// Assignee returns the email of the staff member who owns the chat ("" when unassigned).
func (s *Store) Assignee(ctx context.Context, phone string) (string, error) {
	v, err := s.rdb.Get(ctx, s.convKey(phone, "assignee")).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return v, err
}

// Assign gives the chat to email ("" unassigns).
func (s *Store) Assign(ctx context.Context, phone, email string) error {
	if email == "" {
		return s.rdb.Del(ctx, s.convKey(phone, "assignee")).Err()
	}
	return s.rdb.Set(ctx, s.convKey(phone, "assignee"), email, 0).Err()
}

// AddNote appends a private note and files a mention for each mentioned user.
func (s *Store) AddNote(ctx context.Context, phone string, n Note) (Note, error) {
	n.ID = randomHex(8)
	if n.At.IsZero() {
		n.At = s.now().UTC()
	}
	raw, _ := json.Marshal(n)
	if err := s.rdb.RPush(ctx, s.convKey(phone, "notes"), raw).Err(); err != nil {
		return Note{}, fmt.Errorf("add note: %w", err)
	}
	for _, email := range n.Mentions {
		m, _ := json.Marshal(Mention{Phone: phone, NoteID: n.ID, By: n.By, At: n.At, Text: n.Text})
		if err := s.rdb.LPush(ctx, s.k("mentions", email), m).Err(); err != nil {
			return Note{}, fmt.Errorf("add mention: %w", err)
		}
	}
	return n, nil
}

// Notes returns the chat's notes, oldest first.
func (s *Store) Notes(ctx context.Context, phone string) ([]Note, error) {
	return listJSON[Note](ctx, s.rdb, s.convKey(phone, "notes"), 0, -1)
}

// Mentions returns the notes that mention email, newest first (at most 200).
func (s *Store) Mentions(ctx context.Context, email string) ([]Mention, error) {
	return listJSON[Mention](ctx, s.rdb, s.k("mentions", email), 0, 199)
}

func listJSON[T any](ctx context.Context, rdb redis.UniversalClient, key string, from, to int64) ([]T, error) {
	raws, err := rdb.LRange(ctx, key, from, to).Result()
	if err != nil {
		return nil, fmt.Errorf("read list: %w", err)
	}
	out := make([]T, 0, len(raws))
	for _, r := range raws {
		var v T
		if err := json.Unmarshal([]byte(r), &v); err != nil {
			return nil, fmt.Errorf("decode list item: %w", err)
		}
		out = append(out, v)
	}
	return out, nil
}

// MarkSeen records that email opened the chat now.
func (s *Store) MarkSeen(ctx context.Context, phone, email string, at time.Time) error {
	return s.rdb.HSet(ctx, s.convKey(phone, "seen"), email, at.UnixMilli()).Err()
}

// Seen returns when email last opened the chat (zero when never).
func (s *Store) Seen(ctx context.Context, phone, email string) (time.Time, error) {
	v, err := s.rdb.HGet(ctx, s.convKey(phone, "seen"), email).Int64()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return time.UnixMilli(v), nil
}

// MarkResolved notes that staff handed the chat back to the bot, and
// drops its assignment so a new escalation starts unassigned.
func (s *Store) MarkResolved(ctx context.Context, phone string, at time.Time) error {
	if err := s.rdb.ZAdd(ctx, s.k("resolved"), redis.Z{Score: float64(at.UnixMilli()), Member: phone}).Err(); err != nil {
		return err
	}
	return s.Assign(ctx, phone, "")
}

// Resolved lists phones staff resolved, most recent first (at most 200).
func (s *Store) Resolved(ctx context.Context) ([]string, error) {
	return s.rdb.ZRevRange(ctx, s.k("resolved"), 0, 199).Result()
}

// Correct records the right intent of the inbound message at index of the
// chat; a second correction of the same message replaces the first.
func (s *Store) Correct(ctx context.Context, phone string, index int, c Correction) error {
	if c.At.IsZero() {
		c.At = s.now().UTC()
	}
	raw, _ := json.Marshal(c)
	return s.rdb.HSet(ctx, s.k("corrections"), phone+"|"+strconv.Itoa(index), raw).Err()
}

// Corrections returns every correction, oldest first, keyed by "<phone>|<index>".
func (s *Store) Corrections(ctx context.Context) (map[string]Correction, []string, error) {
	m, err := s.rdb.HGetAll(ctx, s.k("corrections")).Result()
	if err != nil {
		return nil, nil, fmt.Errorf("corrections: %w", err)
	}
	out := make(map[string]Correction, len(m))
	keys := make([]string, 0, len(m))
	for k, raw := range m {
		var c Correction
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			return nil, nil, fmt.Errorf("decode correction: %w", err)
		}
		out[k] = c
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if c := out[a].At.Compare(out[b].At); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return out, keys, nil
}

// Audit appends one entry to the audit stream.
func (s *Store) Audit(ctx context.Context, e Entry) error {
	if e.At.IsZero() {
		e.At = s.now().UTC()
	}
	err := s.rdb.XAdd(ctx, &redis.XAddArgs{Stream: s.k("audit"), Values: []any{
		"at", e.At.UTC().Format(time.RFC3339Nano), "who", e.Who, "action", e.Action, "phone", e.Phone, "detail", e.Detail,
	}}).Err()
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// AuditLog returns audit entries newest first; limit <= 0 returns all.
func (s *Store) AuditLog(ctx context.Context, limit int) ([]Entry, error) {
	var msgs []redis.XMessage
	var err error
	if limit > 0 {
		msgs, err = s.rdb.XRevRangeN(ctx, s.k("audit"), "+", "-", int64(limit)).Result()
	} else {
		msgs, err = s.rdb.XRevRange(ctx, s.k("audit"), "+", "-").Result()
	}
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	out := make([]Entry, 0, len(msgs))
	for _, m := range msgs {
		str := func(k string) string { v, _ := m.Values[k].(string); return v }
		at, _ := time.Parse(time.RFC3339Nano, str("at"))
		out = append(out, Entry{ID: m.ID, At: at, Who: str("who"), Action: str("action"), Phone: str("phone"), Detail: str("detail")})
	}
	return out, nil
}

// Publish tells every replica's open pages that a conversation changed.
func (s *Store) Publish(ctx context.Context, phone, kind string) error {
	raw, _ := json.Marshal(map[string]string{"phone": phone, "kind": kind})
	return s.rdb.Publish(ctx, s.channel(), raw).Err()
}

// subscribe listens to the change channel.
func (s *Store) subscribe(ctx context.Context) *redis.PubSub {
	return s.rdb.Subscribe(ctx, s.channel())
}

// Translations returns the cached translations of the chat's messages, by index.
func (s *Store) Translations(ctx context.Context, phone, lang string) (map[string]string, error) {
	return s.rdb.HGetAll(ctx, s.convKey(phone, "tr:"+lang)).Result()
}

// SaveTranslation caches the translation of the message at index.
func (s *Store) SaveTranslation(ctx context.Context, phone, lang string, index int, text string) error {
	return s.rdb.HSet(ctx, s.convKey(phone, "tr:"+lang), strconv.Itoa(index), text).Err()
}
