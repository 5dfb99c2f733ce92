package random

import (
	"context"
	"fmt"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"golang.org/x/crypto/bcrypt"

	"stackguard.invalid/tools/pulumi-providers/internal/diffs"
)

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

// Annotate declares the upstream defaults so that Check fills them in as the official provider does.
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

// Check applies defaults, then rejects requests that could never produce a password, naming the field.
func (r *Password) Check(ctx context.Context, req infer.CheckRequest) (infer.CheckResponse[PasswordArgs], error) {
	args, failures, err := infer.DefaultCheck[PasswordArgs](ctx, req.NewInputs)
	if err != nil || len(failures) > 0 {
		return infer.CheckResponse[PasswordArgs]{Inputs: args, Failures: failures}, err
	}
	spec := args.spec()
	fail := func(prop, reason string) {
		failures = append(failures, p.CheckFailure{Property: prop, Reason: reason})
	}
	if spec.length < 1 {
		fail("length", fmt.Sprintf("length must be at least 1, got %d", spec.length))
	}
	for name, v := range map[string]int{"minLower": spec.minLower, "minUpper": spec.minUpper,
		"minNumeric": spec.minNumeric, "minSpecial": spec.minSpecial} {
		if v < 0 {
			fail(name, fmt.Sprintf("%s must not be negative, got %d", name, v))
		}
	}
	if sum := spec.minLower + spec.minUpper + spec.minNumeric + spec.minSpecial; sum > spec.length {
		fail("length", fmt.Sprintf("length (%d) must be at least minLower+minUpper+minNumeric+minSpecial (%d)",
			spec.length, sum))
	}
	if !spec.lower && !spec.upper && !spec.numeric && !spec.special {
		fail("special", "no character set enabled: set at least one of lower, upper, numeric, special to true")
	}
	return infer.CheckResponse[PasswordArgs]{Inputs: args, Failures: failures}, nil
}

func (a PasswordArgs) spec() passwordSpec {
	b := func(v *bool) bool { return v == nil || *v }
	n := func(v *int) int {
		if v == nil {
			return 0
		}
		return *v
	}
	special := defaultSpecialChars
	if a.OverrideSpecial != nil && *a.OverrideSpecial != "" {
		special = *a.OverrideSpecial
	}
	return passwordSpec{
		length: a.Length, lower: b(a.Lower), upper: b(a.Upper),
		numeric: b(a.Numeric) && b(a.Number), // "number" is the deprecated spelling of "numeric"
		special: b(a.Special), minLower: n(a.MinLower), minUpper: n(a.MinUpper),
		minNumeric: n(a.MinNumeric), minSpecial: n(a.MinSpecial), specialChars: special,
	}
}

// Create generates the password (not during preview, where the outputs stay unknown).
func (r *Password) Create(
	ctx context.Context, req infer.CreateRequest[PasswordArgs],
) (infer.CreateResponse[PasswordState], error) {
	state := PasswordState{PasswordArgs: req.Inputs}
	if req.DryRun {
		return infer.CreateResponse[PasswordState]{Output: state}, nil
	}
	result, err := req.Inputs.spec().generate()
	if err != nil {
		return infer.CreateResponse[PasswordState]{}, err
	}
	// bcrypt only ever reads the first 72 bytes; x/crypto refuses longer input, so hash exactly what bcrypt uses.
	hashInput := []byte(result)
	if len(hashInput) > 72 {
		hashInput = hashInput[:72]
	}
	hash, err := bcrypt.GenerateFromPassword(hashInput, bcrypt.DefaultCost)
	if err != nil {
		return infer.CreateResponse[PasswordState]{}, fmt.Errorf("computing bcryptHash: %w", err)
	}
	state.Result, state.BcryptHash = result, string(hash)
	return infer.CreateResponse[PasswordState]{ID: "none", Output: state}, nil
}

// Diff replaces on any input change, like the upstream provider (every argument is ForceNew there).
func (r *Password) Diff(
	_ context.Context, req infer.DiffRequest[PasswordArgs, PasswordState],
) (infer.DiffResponse, error) {
	return diffs.Compare(req.State.PasswordArgs, req.Inputs, func(string) p.DiffKind { return p.UpdateReplace }), nil
}

// WireDependencies keeps result and bcryptHash secret whatever the inputs, and makes every output secret as soon as
// any input is (a secret keeper must not leak through the mirrored inputs in state).
func (r *Password) WireDependencies(f infer.FieldSelector, args *PasswordArgs, state *PasswordState) {
	f.OutputField(state).DependsOn(f.InputField(args))
	f.OutputField(&state.Result).AlwaysSecret()
	f.OutputField(&state.BcryptHash).AlwaysSecret()
}
