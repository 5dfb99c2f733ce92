// Command pulumi-resource-random is stackguard's build of the "random" resource plugin (see package random for
// why it is ours and not upstream's).
package main

import (
	"context"
	"fmt"
	"os"

	p "github.com/pulumi/pulumi-go-provider"

	"stackguard.invalid/tools/pulumi-providers/random"
)

// version must equal the npm @pulumi/random version (its package.json "pulumi.version"): the engine loads the
// plugin whose version matches exactly. Stamped with -ldflags "-X main.version=4.21.1".
var version = "4.21.1"

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "-version" || os.Args[1] == "--version") {
		fmt.Println(version)
		return
	}
	prov, err := random.Provider()
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: building the random provider: %v\n", err)
		os.Exit(1)
	}
	if err := p.RunProvider(context.Background(), random.Name, version, prov); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}
