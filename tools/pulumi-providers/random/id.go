package random

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"

	"stackguard.invalid/tools/pulumi-providers/internal/diffs"
)

// ID is random:index/randomId:RandomId, as registered by @pulumi/random@4.21.1.
type ID struct{}

// IDArgs are the inputs of RandomId (names from @pulumi/random's randomId.js).
type IDArgs struct {
	ByteLength int               `pulumi:"byteLength"`
	Prefix     *string           `pulumi:"prefix,optional"`
	Keepers    map[string]string `pulumi:"keepers,optional"`
}

// IDState holds the random bytes in every encoding RandomId exposes; each carries the prefix, as upstream.
type IDState struct {
	IDArgs
	Hex    string `pulumi:"hex"`
	B64URL string `pulumi:"b64Url"`
	B64Std string `pulumi:"b64Std"`
	Dec    string `pulumi:"dec"`
}

// Annotate sets the exact token.
func (r *ID) Annotate(a infer.Annotator) {
	a.SetToken("index/randomId", "RandomId")
	a.Describe(r, "Random bytes exposed as hex, base64 and decimal. Any input change replaces it.")
}

// Check rejects a non-positive byteLength, naming the field.
func (r *ID) Check(ctx context.Context, req infer.CheckRequest) (infer.CheckResponse[IDArgs], error) {
	args, failures, err := infer.DefaultCheck[IDArgs](ctx, req.NewInputs)
	if err != nil || len(failures) > 0 {
		return infer.CheckResponse[IDArgs]{Inputs: args, Failures: failures}, err
	}
	if args.ByteLength < 1 {
		failures = append(failures, p.CheckFailure{Property: "byteLength",
			Reason: fmt.Sprintf("byteLength must be at least 1, got %d", args.ByteLength)})
	}
	return infer.CheckResponse[IDArgs]{Inputs: args, Failures: failures}, nil
}

// Create reads byteLength bytes from crypto/rand. The resource id is the unprefixed raw-URL base64 form.
func (r *ID) Create(ctx context.Context, req infer.CreateRequest[IDArgs]) (infer.CreateResponse[IDState], error) {
	state := IDState{IDArgs: req.Inputs}
	if req.DryRun {
		return infer.CreateResponse[IDState]{Output: state}, nil
	}
	b := make([]byte, req.Inputs.ByteLength)
	if _, err := rand.Read(b); err != nil {
		return infer.CreateResponse[IDState]{}, fmt.Errorf("reading crypto/rand: %w", err)
	}
	id, s := encodeID(b, req.Inputs.Prefix)
	s.IDArgs = req.Inputs
	return infer.CreateResponse[IDState]{ID: id, Output: s}, nil
}

func encodeID(b []byte, prefix *string) (string, IDState) {
	pre := ""
	if prefix != nil {
		pre = *prefix
	}
	id := base64.RawURLEncoding.EncodeToString(b)
	return id, IDState{
		Hex:    pre + hex.EncodeToString(b),
		B64URL: pre + id,
		B64Std: pre + base64.StdEncoding.EncodeToString(b),
		Dec:    pre + new(big.Int).SetBytes(b).String(),
	}
}

// Diff replaces on any input change, like the upstream provider.
func (r *ID) Diff(_ context.Context, req infer.DiffRequest[IDArgs, IDState]) (infer.DiffResponse, error) {
	return diffs.Compare(req.State.IDArgs, req.Inputs, func(string) p.DiffKind { return p.UpdateReplace }), nil
}
