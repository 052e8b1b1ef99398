package pipeline

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/batchsign/batchsign/internal/keyring"
	"github.com/batchsign/batchsign/sigerr"
)

// This file is `batchsign mac generate|verify`: KMS-style HMACs (GenerateMac
// and VerifyMac semantics) over the manifest's messages, computed by a
// MacService (a local keyring or the AWS KMS JSON API) as two more row
// processors of the shared readers, pool, writers and rejects.

// Manifest fields of the mac modes.
const (
	FieldKeyID       = "key_id"       // key id, key ARN, alias or alias ARN
	FieldAlgorithm   = "algorithm"    // HMAC_SHA_224 … HMAC_SHA_512
	FieldMessage     = "message"      // the message, standard base64
	FieldMessageFile = "message_file" // a file holding the message
	FieldMAC         = "mac"          // the MAC to verify, standard base64
)

// MacManifestRecord is the Parquet schema of a mac manifest, for programs
// that write one (as ManifestRecord is for presign, sign and verify).
// Strings are as given (base64 still encoded).
type MacManifestRecord struct {
	ID          string `parquet:"id,optional"`
	KeyID       string `parquet:"key_id,optional"`
	Algorithm   string `parquet:"algorithm,optional"`
	Message     string `parquet:"message,optional"`
	MessageFile string `parquet:"message_file,optional"`
	MAC         string `parquet:"mac,optional"`
}

// macRequest is a mac row's own fields (Row.own), as given.
type macRequest struct {
	keyID, algorithm, message, messageFile, mac string
}

// MacService computes and checks MACs with AWS KMS GenerateMac/VerifyMac
// semantics. keyring.Local and kmsremote.Client implement it (the method
// set of keyring.MacService, restated here so that pipeline depends on
// neither); see keyring.MacService for the contract.
type MacService interface {
	GenerateMac(ctx context.Context, keyID string, alg keyring.MacAlgorithm, message []byte) ([]byte, error)
	VerifyMac(ctx context.Context, keyID string, alg keyring.MacAlgorithm, message, mac []byte) (bool, error)
}

// MacBackend is what the mac modes compute with.
type MacBackend struct {
	// Service computes and checks the MACs; required in the mac modes.
	Service MacService
	// Fatal reports errors that doom the whole run rather than one row
	// (kmsremote.IsFatal for the remote backend): the first one stops the
	// run, which then fails instead of rejecting every row with it. nil
	// means only the run's cancellation is fatal.
	Fatal func(error) bool
}

// macModes declares mac generate and mac verify, under the one scheme
// they have.
func macModes() []modeDef {
	return []modeDef{
		{mode: MacGenerate, scheme: SchemeKMSMac, about: "KMS-style HMACs with GenerateMac semantics",
			validate: (*Config).validateMac,
			newRow:   func(w *worker) rowFunc { return newMacRows(w).generate },
			fields:   []string{FieldID, FieldKeyID, FieldAlgorithm, FieldMessage, FieldMessageFile},
			out: table{"MacGenerateRecord", []Column{
				{Name: "id"}, {Name: "key_id"}, {Name: "algorithm"}, {Name: "mac"},
			}}},
		{mode: MacVerify, scheme: SchemeKMSMac, about: "KMS-style HMACs with VerifyMac semantics",
			validate: (*Config).validateMac, verdicts: true, reasonCode: macReasonCode,
			newRow: func(w *worker) rowFunc { return newMacRows(w).verify },
			fields: []string{FieldID, FieldKeyID, FieldAlgorithm, FieldMessage, FieldMessageFile, FieldMAC},
			out: table{"MacVerifyRecord", []Column{
				{Name: "id"}, {Name: "valid", Kind: BoolColumn}, {Name: "reason"},
			}}},
	}
}

// validateMac is modeDef.validate for the mac modes: no credentials or
// clock needed, a MAC service is.
func (c *Config) validateMac() error {
	if c.Mac.Service == nil {
		return errors.New("no MAC backend: give a keyring or a KMS endpoint")
	}
	return nil
}

// macMessageReadLimit bounds what is read of a message_file: one byte past
// KMS's limit tells "too long" without reading a large file.
const macMessageReadLimit = keyring.MaxMacMessageLen + 1

// macRows is a worker's mac-mode row functions and scratch space.
type macRows struct {
	w        *worker
	fields   *fieldSet // where the rows keep the mac fields
	req      macRequest
	msg, mac []byte // decoded message and MAC
	out      []byte // base64 MAC for the output record
}

func newMacRows(w *worker) *macRows { return &macRows{w: w, fields: newFieldSet()} }

// request checks r and decodes its id, key, algorithm and message (the
// message into m.msg), keeping its fields in m.req.
func (m *macRows) request(r *Row) (keyring.MacAlgorithm, error) {
	f := m.fields
	q := macRequest{
		keyID: f.ownField(r, FieldKeyID), algorithm: f.ownField(r, FieldAlgorithm),
		message: f.ownField(r, FieldMessage), messageFile: f.ownField(r, FieldMessageFile), mac: f.ownField(r, FieldMAC),
	}
	m.req = q
	if err := checkUTF8(FieldID, r.ID); err != nil {
		return 0, err
	}
	if q.keyID == "" {
		return 0, fieldErr(FieldKeyID, sigerr.ErrMissingField)
	}
	if q.algorithm == "" {
		return 0, fieldErr(FieldAlgorithm, detail(sigerr.ErrMissingField, "want HMAC_SHA_224, HMAC_SHA_256, HMAC_SHA_384 or HMAC_SHA_512"))
	}
	alg, err := keyring.ParseMacAlgorithm(q.algorithm)
	if err != nil {
		return 0, fieldErr(FieldAlgorithm, err)
	}
	switch {
	case q.message != "" && q.messageFile != "":
		return 0, fieldErr(FieldMessageFile, detail(ErrConflict, "give either message or message_file, not both"))
	case q.messageFile != "":
		if m.msg, err = readMessageFile(q.messageFile, m.msg[:0]); err != nil {
			return 0, fieldErr(FieldMessageFile, err)
		}
	default:
		// An empty or absent message decodes to nothing, which the
		// service refuses as KMS does (ValidationException).
		if m.msg, err = appendBase64(m.msg[:0], q.message); err != nil {
			return 0, fieldErr(FieldMessage, err)
		}
	}
	return alg, nil
}

// appendBase64 appends the decoding of s (standard base64 with padding, as
// the KMS JSON API writes blobs) to dst.
func appendBase64(dst []byte, s string) ([]byte, error) {
	n := len(dst)
	dst, err := base64.StdEncoding.AppendDecode(dst, []byte(s))
	if err != nil {
		var ce base64.CorruptInputError
		if errors.As(err, &ce) {
			return dst[:n], detail(sigerr.ErrInvalidValue, "not standard base64 (RFC 4648 §4, with padding): bad input at byte "+strconv.FormatInt(int64(ce), 10))
		}
		return dst[:n], detail(sigerr.ErrInvalidValue, "not standard base64")
	}
	return dst, nil
}

// readMessageFile appends the contents of path to dst. A file longer than
// KMS's 4096-byte limit is refused with KMS's ValidationException without
// being read whole.
func readMessageFile(path string, dst []byte) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return dst, err
	}
	defer f.Close()
	tooLong := func(size int64) error {
		return &keyring.KMSError{Code: keyring.ErrKMSValidation, Message: "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to " +
			strconv.Itoa(keyring.MaxMacMessageLen) + " (message_file has " + strconv.FormatInt(size, 10) + " bytes)"}
	}
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > keyring.MaxMacMessageLen {
		return dst, tooLong(fi.Size())
	}
	n := len(dst)
	dst = slices.Grow(dst, macMessageReadLimit)[:n+macMessageReadLimit]
	k, err := io.ReadFull(f, dst[n:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return dst[:n], err
	}
	if k > keyring.MaxMacMessageLen {
		return dst[:n], tooLong(int64(k))
	}
	return dst[:n+k], nil
}

// error turns a service error into the row's reject naming the field
// at fault, or, for an error that concerns the whole run, records it as
// the worker's fatal error (Run stops with it).
func (m *macRows) error(r *Row, err error) error {
	w := m.w
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		(w.cfg.Mac.Fatal != nil && w.cfg.Mac.Fatal(err)) {
		num, _ := r.number()
		w.fatal = &rowFatal{file: r.File, row: num, err: err}
		return w.fatal
	}
	return fieldErr(macErrorField(&m.req, err), err)
}

// rowFatal is a fatal backend error met at a row.
type rowFatal struct {
	file string
	row  int64
	err  error
}

func (e *rowFatal) Error() string {
	where := "row " + strconv.FormatInt(e.row, 10)
	if e.file != "" {
		where = e.file + ": " + where
	}
	return where + ": " + e.err.Error()
}
func (e *rowFatal) Unwrap() error { return e.err }

// macErrorField names the row field a KMS error is about: the key for
// NotFound and the key-state exceptions, the algorithm for
// InvalidKeyUsage, and for ValidationException the parameter it names.
func macErrorField(q *macRequest, err error) string {
	msgField := FieldMessage
	if q.messageFile != "" {
		msgField = FieldMessageFile
	}
	switch keyring.KMSErrorName(err) {
	case string(keyring.ErrKMSInvalidKeyUsage):
		return FieldAlgorithm
	case string(keyring.ErrKMSInvalidMac):
		return FieldMAC
	case string(keyring.ErrKMSValidation):
		text := err.Error()
		switch {
		case strings.Contains(text, "'macAlgorithm'"):
			return FieldAlgorithm
		case strings.Contains(text, "'message'"):
			return msgField
		case strings.Contains(text, "'mac'"):
			return FieldMAC
		}
	}
	return FieldKeyID
}

// generate computes r's MAC: id, key_id, algorithm, mac (base64).
func (m *macRows) generate(r *Row, b *Batch) error {
	w := m.w
	if w.fatal != nil {
		return w.fatal
	}
	alg, err := m.request(r)
	if err != nil {
		return err
	}
	mac, err := w.cfg.Mac.Service.GenerateMac(w.context(), m.req.keyID, alg, m.msg)
	if err != nil {
		return m.error(r, err)
	}
	m.out = base64.StdEncoding.AppendEncode(m.out[:0], mac)
	w.rec = append(w.rec[:0], stringValue(r.ID), stringValue(m.req.keyID), stringValue(alg.String()), bytesValue(m.out))
	b.out = w.enc.AppendRecord(b.out, &w.rec)
	return nil
}

// verify checks r's MAC: id, valid, reason. A MAC that does not match is
// an answer (valid false, reason KMSInvalidMacException), not a reject.
func (m *macRows) verify(r *Row, b *Batch) error {
	w := m.w
	if w.fatal != nil {
		return w.fatal
	}
	alg, err := m.request(r)
	if err != nil {
		return err
	}
	if m.req.mac == "" {
		return fieldErr(FieldMAC, sigerr.ErrMissingField)
	}
	if m.mac, err = appendBase64(m.mac[:0], m.req.mac); err != nil {
		return fieldErr(FieldMAC, err)
	}
	ok, err := w.cfg.Mac.Service.VerifyMac(w.context(), m.req.keyID, alg, m.msg, m.mac)
	invalid := !ok && errors.Is(err, keyring.ErrKMSInvalidMac)
	if !ok && !invalid {
		if err == nil {
			err = errors.New("MAC service answered invalid without a reason")
		}
		return m.error(r, err)
	}
	reason := ""
	if ok {
		b.valid++
	} else {
		reason = string(keyring.ErrKMSInvalidMac)
		b.invalid[sigerr.ErrSignatureMismatch]++
	}
	w.rec = append(w.rec[:0], stringValue(r.ID), boolValue(ok), stringValue(reason))
	b.out = w.enc.AppendRecord(b.out, &w.rec)
	return nil
}

// context returns the run's context (Background outside Run).
func (w *worker) context() context.Context {
	if w.ctx == nil {
		return context.Background()
	}
	return w.ctx
}

// macReasonCode is mac verify's modeDef.reasonCode: a mismatch is the KMS
// exception KMSInvalidMacException.
func macReasonCode(r sigerr.VerifyReason) string {
	if r == sigerr.ErrSignatureMismatch {
		return string(keyring.ErrKMSInvalidMac)
	}
	return r.Code()
}

// MacGenerateRecord is the Parquet schema of mac generate output.
type MacGenerateRecord struct {
	ID        string `parquet:"id"`
	KeyID     string `parquet:"key_id"`
	Algorithm string `parquet:"algorithm"`
	MAC       string `parquet:"mac"` // base64
}

// MacVerifyRecord is the Parquet schema of mac verify output.
type MacVerifyRecord struct {
	ID     string `parquet:"id"`
	Valid  bool   `parquet:"valid"`
	Reason string `parquet:"reason"`
}
