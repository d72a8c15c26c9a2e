package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"clinicsms/internal/inbox"
)

// command runs a subcommand of the gateway binary:
//
//	gateway user add --email x@clinic.example --role admin|staff   (password on stdin)
//	gateway export-corrections                                     (corpus JSONL on stdout)
//
// Both need REDIS_URL (and REDIS_KEY_PREFIX when the service uses one):
// the embedded store lives only inside a running gateway.
func command(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	usage := errors.New("usage: gateway user add --email EMAIL --role admin|staff (password on stdin) | gateway export-corrections")
	cfg, err := parseConfig(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if cfg.RedisURL == "" {
		return errors.New("REDIS_URL is unset: with the embedded store, create the first admin with ADMIN_EMAIL and ADMIN_PASSWORD instead")
	}
	rdb, closeRedis, err := openRedis(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer closeRedis()
	st := inbox.NewStore(rdb, cfg.RedisKeyPrefix)
	switch {
	case len(args) >= 2 && args[0] == "user" && args[1] == "add":
		return userAdd(ctx, st, args[2:], stdin, stdout)
	case len(args) == 1 && args[0] == "export-corrections":
		return exportCorrections(ctx, st, stdout)
	}
	return usage
}

func userAdd(ctx context.Context, st *inbox.Store, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	email := fs.String("email", "", "the user's email (login name; @mention handle is the part before @)")
	role := fs.String("role", "staff", "admin or staff")
	replace := fs.Bool("replace", false, "set a new password and role for an existing user (logs them out everywhere)")
	fs.SetOutput(stdout)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" {
		return errors.New("user add: --email is required")
	}
	fmt.Fprintf(stdout, "Password for %s (one line on stdin): ", inbox.NormalizeEmail(*email))
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	fmt.Fprintln(stdout)
	password := strings.TrimRight(line, "\r\n")
	if err := st.AddUser(ctx, *email, password, inbox.Role(*role), *replace); err != nil {
		if errors.Is(err, inbox.ErrUserExists) {
			return errors.New("user add: that user exists; pass --replace to set a new password")
		}
		return err
	}
	fmt.Fprintf(stdout, "User %s (%s) saved.\n", inbox.NormalizeEmail(*email), *role)
	return nil
}

// exportCorrections writes staff corrections in the corpus format, one
// {"text","lang","intent"} a line, oldest first.
func exportCorrections(ctx context.Context, st *inbox.Store, stdout io.Writer) error {
	cs, keys, err := st.Corrections(ctx)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for _, k := range keys {
		c := cs[k]
		if err := enc.Encode(struct {
			Text   string `json:"text"`
			Lang   string `json:"lang"`
			Intent string `json:"intent"`
		}{c.Text, c.Lang, c.Intent}); err != nil {
			return err
		}
	}
	return nil
}

// ensureAdmin creates the ADMIN_EMAIL account once; an existing account
// keeps its password.
func ensureAdmin(ctx context.Context, st *inbox.Store, cfg config, log *slog.Logger) error {
	if cfg.AdminEmail == "" {
		return nil
	}
	err := st.AddUser(ctx, cfg.AdminEmail, cfg.AdminPassword, inbox.Admin, false)
	switch {
	case errors.Is(err, inbox.ErrUserExists):
		return nil
	case err != nil:
		return fmt.Errorf("ADMIN_EMAIL: %w", err)
	}
	log.Info("inbox admin created from ADMIN_EMAIL")
	return nil
}
