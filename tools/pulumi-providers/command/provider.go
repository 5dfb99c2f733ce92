// Package command implements command:local:Command of the Pulumi "command" package (npm @pulumi/command@1.2.1).
//
// Why our own: the Go module proxy available to this project refuses (HTTP 403) the upstream
// github.com/pulumi/pulumi-command/provider module, so the official plugin cannot be built offline. This one is
// written against pulumi-go-provider (which the proxy serves) with the same type token and property names as the
// npm SDK registers, and reports plugin version 1.2.1 so the engine pairs it with the SDK. Commands honour the
// resource's customTimeouts (the engine's per-operation timeout becomes the context deadline) and otherwise
// DefaultTimeout.
package command

import (
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
)

// Name is the package name in type tokens ("command:local:Command").
const Name = "command"

// Provider builds the provider serving local.Command.
func Provider() (p.Provider, error) {
	return infer.NewProviderBuilder().
		WithDisplayName("command (stackguard build)").
		WithResources(infer.Resource(&Command{})).
		Build()
}
