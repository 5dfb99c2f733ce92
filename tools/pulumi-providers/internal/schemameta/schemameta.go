// Package schemameta adds the schema "meta" section that pulumi-go-provider's builder cannot set.
package schemameta

import (
	"context"
	"encoding/json"
	"fmt"

	p "github.com/pulumi/pulumi-go-provider"
)

// WithModuleFormat sets meta.moduleFormat in the provider's schema. Tokens like "random:index/randomId:RandomId"
// (the ones the npm SDK registers) are only valid when the module format strips the last path segment; without it
// the schema binder rejects them ("nested modules under index are not allowed"), e.g. in `pulumi package get-schema`.
func WithModuleFormat(prov p.Provider, format string) p.Provider {
	inner := prov.GetSchema
	prov.GetSchema = func(ctx context.Context, req p.GetSchemaRequest) (p.GetSchemaResponse, error) {
		resp, err := inner(ctx, req)
		if err != nil {
			return resp, err
		}
		var schema map[string]any
		if err := json.Unmarshal([]byte(resp.Schema), &schema); err != nil {
			return resp, fmt.Errorf("parsing the generated schema: %w", err)
		}
		meta, _ := schema["meta"].(map[string]any)
		if meta == nil {
			meta = map[string]any{}
		}
		meta["moduleFormat"] = format
		schema["meta"] = meta
		b, err := json.Marshal(schema)
		if err != nil {
			return resp, err
		}
		resp.Schema = string(b)
		return resp, nil
	}
	return prov
}
