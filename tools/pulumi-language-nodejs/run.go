package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const runModule = "@pulumi/pulumi/cmd/run"

// Run executes the program with `node <@pulumi/pulumi/cmd/run> <flags> <entry point> <args>`, connecting it
// straight to the engine's resource monitor. Program errors are returned in RunResponse.Error (not as gRPC
// errors) so the engine shows them as the program's failure.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	node, err := findNode()
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	programDir := req.GetInfo().GetProgramDirectory()
	if programDir == "" {
		programDir = req.GetPwd()
	}
	opts, err := parseOptions(req.GetInfo().GetOptions())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	runPath := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH") // test hook, same name as upstream
	if runPath == "" {
		runPath = runModule
	}
	runPath, err = resolveModule(ctx, node, programDir, runPath, "run `npm ci` (or `npm install`) in "+programDir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	env, err := runEnv(req)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	env = append(env, opts.env()...)

	args := append(append([]string{}, opts.nodeArgs...), runArgs(req, runPath, h.engine(), h.tracing)...)
	return h.runNode(ctx, node, args, env), nil
}

// runArgs builds the flags understood by @pulumi/pulumi/cmd/run (see its usage text), then the entry point and
// the program's own arguments.
func runArgs(req *pulumirpc.RunRequest, runPath, engineAddress, tracing string) []string {
	args := []string{runPath}
	add := func(flag, value string) {
		if value != "" {
			args = append(args, "--"+flag, value)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", engineAddress)
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	add("root-directory", req.GetInfo().GetRootDirectory())
	add("stack", req.GetStack())
	pwd := req.GetInfo().GetProgramDirectory()
	if pwd == "" {
		pwd = req.GetPwd()
	}
	add("pwd", pwd)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("tracing", tracing)
	entry := req.GetInfo().GetEntryPoint()
	if entry == "" {
		entry = req.GetProgram()
	}
	if entry == "" {
		entry = "." // package.json "main", else index
	}
	args = append(args, entry)
	return append(args, req.GetArgs()...)
}

// runEnv is our environment plus PULUMI_CONFIG (keys in the "<namespace>:config:<name>" form every @pulumi/pulumi
// release understands) and PULUMI_CONFIG_SECRET_KEYS (a JSON array).
func runEnv(req *pulumirpc.RunRequest) ([]string, error) {
	cfg := make(map[string]string, len(req.GetConfig()))
	for k, v := range req.GetConfig() {
		key, err := config.ParseKey(k)
		if err != nil {
			return nil, fmt.Errorf("invalid config key %q: %w", k, err)
		}
		cfg[key.Namespace()+":config:"+key.Name()] = v
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("serializing config: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("serializing secret config keys: %w", err)
	}
	env := os.Environ()
	env = append(env, "PULUMI_CONFIG="+string(cfgJSON), "PULUMI_CONFIG_SECRET_KEYS="+string(secretJSON))
	return env, nil
}

// runNode runs node to completion and translates its exit status into a RunResponse.
func (h *host) runNode(ctx context.Context, node string, args, env []string) *pulumirpc.RunResponse {
	cmdCtx, cancel := context.WithCancel(h.cancelCtx)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel) // the engine hung up: stop the program too
	defer stop()

	cmd := exec.CommandContext(cmdCtx, node, args...)
	cmd.Env = env
	// Interrupt first so the SDK can flush and disconnect; kill if it does not exit within WaitDelay.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	// node may switch its stdio to non-blocking mode; wrapping our files in a plain Writer makes exec copy through
	// a pipe instead of handing node our own descriptors.
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	cmd.Stderr = struct{ io.Writer }{os.Stderr}

	err := cmd.Run()
	_ = os.Stdout.Sync()
	_ = os.Stderr.Sync()
	if err == nil {
		return &pulumirpc.RunResponse{}
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		switch code := exitErr.ExitCode(); code {
		case exitAfterActionableMessage:
			return &pulumirpc.RunResponse{Bail: true}
		case -1:
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program was terminated: %v", exitErr)}
		default:
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", code)}
		}
	}
	return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program (could not start node): %v", err)}
}
