// Command pulumi-resource-random is stackguard's build of the "random" resource plugin (see package random for
// why it is ours and not upstream's).
package main

import (
	"context"
	"fmt"
	"os"

	p "github.com/pulumi/pulumi-go-provider"
	pprovider "github.com/pulumi/pulumi/pkg/v3/resource/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

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
	// As p.RunProvider, plus RestoreNulls: the official state has nulls inside the raw state delta.
	serve := func(host *pprovider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		s, err := p.RawServer(random.Name, version, prov)(host)
		if err != nil {
			return nil, err
		}
		return random.RestoreNulls(s), nil
	}
	if err := pprovider.MainContext(context.Background(), random.Name, serve); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}
