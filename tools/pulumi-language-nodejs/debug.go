package main

import (
	"context"
	"fmt"
	"os"

	"google.golang.org/grpc"
)

// debugOptions logs every RPC the engine makes (method and outcome) to stderr when PULUMI_LANGUAGE_NODEJS_DEBUG is
// set: the quickest way to see what a given `pulumi` command asks of the language host.
func debugOptions() []grpc.ServerOption {
	if os.Getenv("PULUMI_LANGUAGE_NODEJS_DEBUG") == "" {
		return nil
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: "+format+"\n", args...)
	}
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(func(
			ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler,
		) (any, error) {
			resp, err := handler(ctx, req)
			logf("%s err=%v", info.FullMethod, err)
			return resp, err
		}),
		grpc.ChainStreamInterceptor(func(
			srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler,
		) error {
			logf("%s started", info.FullMethod)
			err := handler(srv, ss)
			logf("%s err=%v", info.FullMethod, err)
			return err
		}),
	}
}
