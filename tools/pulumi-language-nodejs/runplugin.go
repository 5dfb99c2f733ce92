package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const (
	runPolicyPackModule = "@pulumi/pulumi/cmd/run-policy-pack"
	runPluginModule     = "@pulumi/pulumi/cmd/run-plugin"
)

// RunPlugin runs a plugin written in Node.js. Since engine v3.221 this is how `--policy-pack <dir>` starts a
// Node.js policy pack (kind "analyzer"): there is no pulumi-analyzer-policy shim any more. The pack runs with
// its own node_modules (cwd = the pack directory) and gets the stack's identity and config through the
// PULUMI_NODEJS_* / PULUMI_CONFIG variables, which the engine only sends later, in Analyzer.ConfigureStack; the
// sdk's PolicyProxy answers that call first and then forwards everything else to the real pack.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx := server.Context()
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	node, err := findNode()
	if err != nil {
		return err
	}
	dir := req.GetInfo().GetProgramDirectory()
	opts, err := parseOptions(req.GetInfo().GetOptions())
	if err != nil {
		return err
	}
	isPolicyPack := req.GetKind() == string(apitype.AnalyzerPlugin)

	if isPolicyPack {
		// Without its own @pulumi/policy, node would resolve run-policy-pack from a parent directory's node_modules
		// and fail later with a TypeScript error; say what is wrong instead.
		fix := "run `npm ci` (or `npm install`) in " + dir
		if _, err := resolveModule(ctx, node, dir, "@pulumi/policy/package.json", fix); err != nil {
			return fmt.Errorf("the policy pack's dependencies are not installed (@pulumi/policy is missing): %s", fix)
		}
	}
	module := runPluginModule
	if isPolicyPack {
		module = runPolicyPackModule
	} else if p := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH"); p != "" {
		module = p
	}
	runPath, err := resolveModule(ctx, node, dir, module, "run `npm ci` (or `npm install`) in "+dir)
	if err != nil {
		if isPolicyPack {
			return fmt.Errorf("the policy pack's dependencies are not installed (%w)", err)
		}
		return err
	}

	env := append(append([]string{}, req.GetEnv()...), opts.env()...)
	args := append(append([]string{}, opts.nodeArgs...), runPath)
	if isPolicyPack {
		// run-policy-pack takes <engine address> <pack dir>: the directory comes last.
		args = append(append(args, req.GetArgs()...), dir)
	} else {
		args = append(append(args, dir), req.GetArgs()...)
	}

	var proxy *sdk.PolicyProxy
	if isPolicyPack {
		proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return fmt.Errorf("could not start the policy pack proxy: %w", err)
		}
		stack, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return fmt.Errorf("could not get the stack configuration for the policy pack: %w", err)
		}
		env = append(env, policyEnv(stack)...)
	}

	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = req.GetPwd()
	if isPolicyPack {
		cmd.Dir = dir // packs always ran from their own directory; their require() calls depend on it
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr

	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not start node for plugin %s: %w", req.GetName(), err)
	}
	if proxy != nil {
		err = proxy.Attach(ctx, cmd) // waits for the pack to exit
	} else {
		err = cmd.Wait()
	}
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return fmt.Errorf("plugin %s exited with non-zero exit code: %d", req.GetName(), exitErr.ExitCode())
		}
		return err
	}
	return closer.Close()
}

// policyEnv turns the engine's stack configuration into what @pulumi/pulumi's runtime settings read.
func policyEnv(stack *pulumirpc.AnalyzerStackConfigureRequest) []string {
	if stack == nil {
		return nil
	}
	var env []string
	add := func(k, v string) {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	add("PULUMI_NODEJS_ORGANIZATION", stack.GetOrganization())
	add("PULUMI_NODEJS_PROJECT", stack.GetProject())
	add("PULUMI_NODEJS_STACK", stack.GetStack())
	add("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(stack.GetDryRun()))
	if cfg := stack.GetConfig(); cfg != nil {
		if b, err := jsonMarshal(cfg); err == nil {
			add("PULUMI_CONFIG", b)
		}
	}
	if keys := stack.GetConfigSecretKeys(); len(keys) > 0 {
		if b, err := jsonMarshal(keys); err == nil {
			add("PULUMI_CONFIG_SECRET_KEYS", b)
		}
	}
	return env
}
