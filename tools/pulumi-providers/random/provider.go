// Package random implements the resources of the Pulumi "random" package (npm @pulumi/random@4.21.1) that
// stackguard uses.
//
// Why our own: the Go module proxy available to this project refuses (HTTP 403) the upstream
// github.com/pulumi/pulumi-random/provider/v4 module, so the official plugin cannot be built offline. This one is
// written against pulumi-go-provider (which the proxy serves) with the same type tokens, property names and
// secret outputs as the npm SDK registers, and reports plugin version 4.21.1 so the engine pairs it with the SDK.
// Since both register as random 4.21.1 the engine cannot tell them apart, so this one reads and writes exactly the
// official plugin's state (official.go): a stack moves between the two without a diff.
package random

import (
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"

	"stackguard.invalid/tools/pulumi-providers/internal/schemameta"
)

// Name is the package name in type tokens ("random:index/...").
const Name = "random"

// Provider builds the provider serving RandomPassword and RandomId.
func Provider() (p.Provider, error) {
	prov, err := infer.NewProviderBuilder().
		WithDisplayName("random (stackguard build)").
		WithResources(
			infer.Resource(&Password{}),
			infer.Resource(&ID{}),
		).
		Build()
	if err != nil {
		return prov, err
	}
	// "index/randomPassword" → module "index", as in the upstream schema.
	return withOfficialState(schemameta.WithModuleFormat(prov, "(.*)(?:/[^/]*)")), nil
}
