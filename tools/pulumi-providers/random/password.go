package random

import (
	"context"
	"errors"

	"github.com/pulumi/pulumi-go-provider/infer"
)

var errServedRaw = errors.New("internal: random resources are served by withOfficialState")

// Password is random:index/randomPassword:RandomPassword, as registered by @pulumi/random@4.21.1.
type Password struct{}

// PasswordArgs are the inputs of RandomPassword (names from @pulumi/random's randomPassword.js).
type PasswordArgs struct {
	Length          int               `pulumi:"length"`
	Special         *bool             `pulumi:"special,optional"`
	Upper           *bool             `pulumi:"upper,optional"`
	Lower           *bool             `pulumi:"lower,optional"`
	Numeric         *bool             `pulumi:"numeric,optional"`
	Number          *bool             `pulumi:"number,optional"`
	MinLower        *int              `pulumi:"minLower,optional"`
	MinUpper        *int              `pulumi:"minUpper,optional"`
	MinNumeric      *int              `pulumi:"minNumeric,optional"`
	MinSpecial      *int              `pulumi:"minSpecial,optional"`
	OverrideSpecial *string           `pulumi:"overrideSpecial,optional"`
	Keepers         map[string]string `pulumi:"keepers,optional"`
}

// PasswordState is the stored state: the inputs plus the secret result and its bcrypt hash.
type PasswordState struct {
	PasswordArgs
	Result     string `pulumi:"result" provider:"secret"`
	BcryptHash string `pulumi:"bcryptHash" provider:"secret"`
}

// Annotate sets the exact token and the upstream defaults (every character set on, no minimums).
func (r *Password) Annotate(a infer.Annotator) {
	a.SetToken("index/randomPassword", "RandomPassword")
	a.Describe(r, "A cryptographically random password, kept secret in state. Any input change replaces it.")
}

// Annotate documents the upstream defaults in the schema (the official Check, like ours, does not add them to
// the inputs; they appear in the outputs).
func (a *PasswordArgs) Annotate(an infer.Annotator) {
	an.SetDefault(&a.Special, true)
	an.SetDefault(&a.Upper, true)
	an.SetDefault(&a.Lower, true)
	an.SetDefault(&a.Numeric, true)
	an.SetDefault(&a.MinLower, 0)
	an.SetDefault(&a.MinUpper, 0)
	an.SetDefault(&a.MinNumeric, 0)
	an.SetDefault(&a.MinSpecial, 0)
}

// Create is never called: withOfficialState (handlers.go) serves every RandomPassword request, because the
// official state cannot be expressed as a typed infer state. The type above only describes the schema.
func (r *Password) Create(
	context.Context, infer.CreateRequest[PasswordArgs],
) (infer.CreateResponse[PasswordState], error) {
	return infer.CreateResponse[PasswordState]{}, errServedRaw
}
