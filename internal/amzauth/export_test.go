package amzauth

// Exported for the tests of package amzauth_test.
const (
	UnsignedPayload = unsignedPayload
	MaxExpires      = maxExpires
)
