package escucha

import (
	"errors"
	"fmt"
)

// Error kinds. One table (in dashboards) maps them to HTTP statuses.
const (
	EInvalid      = "invalid"      // bad input: cannot be processed, retrying will not help
	ENotFound     = "not_found"    // the thing asked for does not exist
	EUnauthorized = "unauthorized" // no or bad credentials
	EForbidden    = "forbidden"    // credentials fine, role not allowed
	EUnavailable  = "unavailable"  // a service is down: retry with backoff
	EInternal     = "internal"
)

// Error is a domain error with a kind that callers can inspect with ErrorKind.
type Error struct {
	Kind string
	Msg  string
	Err  error
}

func (e *Error) Error() string { return e.Msg }

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of the given kind; a %w in format is kept for errors.Is/As.
func Errorf(kind, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Kind: kind, Msg: err.Error(), Err: errors.Unwrap(err)}
}

// ErrorKind returns the kind of the first *Error in err's chain, EInternal otherwise.
func ErrorKind(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	if err == nil {
		return ""
	}
	return EInternal
}

// IsPermanent reports whether retrying err cannot help (the message is poison and
// belongs in the dead-letter topic).
func IsPermanent(err error) bool { return ErrorKind(err) == EInvalid }
