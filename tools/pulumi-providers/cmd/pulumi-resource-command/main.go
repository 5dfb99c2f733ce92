// Command pulumi-resource-command is stackguard's build of the "command" resource plugin (see package command for
// why it is ours and not upstream's).
package main

import (
	"context"
	"fmt"
	"os"

	p "github.com/pulumi/pulumi-go-provider"

	"stackguard.invalid/tools/pulumi-providers/command"
)

// version must equal the npm @pulumi/command version (its package.json "pulumi.version"): the engine loads the
// plugin whose version matches exactly. Stamped with -ldflags "-X main.version=1.2.1".
var version = "1.2.1"

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "-version" || os.Args[1] == "--version") {
		fmt.Println(version)
		return
	}
	prov, err := command.Provider()
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: building the command provider: %v\n", err)
		os.Exit(1)
	}
	if err := p.RunProvider(context.Background(), command.Name, version, prov); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}
