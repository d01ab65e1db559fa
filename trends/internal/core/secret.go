package core

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"
)

// SecretStore reads and adds rows of a store's settings table.
type SecretStore struct {
	// Read returns the value of the oldest row named name ("" when none).
	Read func(ctx context.Context, name string) (string, error)
	// Add inserts a row.
	Add func(ctx context.Context, name, value string, created time.Time) error
}

// SettingAuthorSecret names the generated author secret in the settings table.
const SettingAuthorSecret = "author_secret"

// LoadSecret returns the store's author secret, generating and storing one the
// first time. Two processes starting at once both insert one and then both read
// the oldest, so they agree.
func LoadSecret(ctx context.Context, s SecretStore) ([]byte, bool, error) {
	v, err := s.Read(ctx, SettingAuthorSecret)
	if err != nil {
		return nil, false, err
	}
	if v != "" {
		b, err := hex.DecodeString(v)
		return b, false, err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, false, err
	}
	if err := s.Add(ctx, SettingAuthorSecret, hex.EncodeToString(b), time.Now().UTC().Truncate(time.Second)); err != nil {
		return nil, false, err
	}
	v, err = s.Read(ctx, SettingAuthorSecret)
	if err != nil {
		return nil, false, err
	}
	b, err = hex.DecodeString(v)
	return b, true, err
}

// ReadSetting is SecretStore.Read over the settings table, the same SQL on both
// stores.
func ReadSetting(db *sql.DB) func(ctx context.Context, name string) (string, error) {
	return func(ctx context.Context, name string) (string, error) {
		var v string
		err := db.QueryRowContext(ctx, "SELECT value FROM settings WHERE name = ? ORDER BY created, value LIMIT 1", name).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		return v, err
	}
}
