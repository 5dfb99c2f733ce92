package random

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"math/big"

	"github.com/pulumi/pulumi-go-provider/infer"
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

// Create is never called: withOfficialState (handlers.go) serves every RandomId request.
func (r *ID) Create(context.Context, infer.CreateRequest[IDArgs]) (infer.CreateResponse[IDState], error) {
	return infer.CreateResponse[IDState]{}, errServedRaw
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
