// Command pulumi-language-nodejs is stackguard's own Node.js language host for the Pulumi engine v3.248.0.
//
// Why our own: the Go module proxy available to this project refuses (HTTP 403, whole module)
// github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3, so the upstream host cannot be built
// offline. This host is written against the public gRPC contract in github.com/pulumi/pulumi/sdk/v3 (which the
// proxy does serve) and starts the JavaScript entry points shipped inside the npm package @pulumi/pulumi
// (cmd/run, cmd/run-policy-pack, cmd/run-plugin), exactly as the engine expects of a "nodejs" runtime.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

func main() {
	flags := flag.NewFlagSet("pulumi-language-nodejs", flag.ContinueOnError)
	tracing := flags.String("tracing", "", "Zipkin-compatible tracing endpoint, passed on to the Node.js runtime")
	runtimeName := flags.String("runtime", "nodejs", "runtime to run programs with (only nodejs is supported)")
	showVersion := flags.Bool("version", false, "print the plugin version and exit")
	if err := flags.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if *showVersion {
		fmt.Println(version.Version)
		return
	}
	if *runtimeName != "nodejs" {
		fmt.Fprintf(os.Stderr, "error: unsupported runtime %q: this language host only runs Node.js\n", *runtimeName)
		os.Exit(1)
	}

	// The engine passes its own gRPC address as the only positional argument.
	var engineAddress string
	if args := flags.Args(); len(args) > 0 {
		engineAddress = args[0]
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cancel := make(chan bool)
	go func() {
		<-ctx.Done()
		close(cancel)
	}()

	// If the engine goes away, stop: an orphaned language host would otherwise linger forever.
	if engineAddress != "" {
		if err := rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, stop); err != nil {
			fmt.Fprintf(os.Stderr, "error: could not start the engine health check: %v\n", err)
			os.Exit(1)
		}
	}

	host := newHost(engineAddress, *tracing)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel:  cancel,
		Options: debugOptions(),
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: could not start the language host gRPC server: %v\n", err)
		os.Exit(1)
	}

	// The engine reads the port from our first line of stdout.
	fmt.Printf("%d\n", handle.Port)

	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "error: language host stopped serving: %v\n", err)
		os.Exit(1)
	}
}
