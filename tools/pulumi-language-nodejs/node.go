package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
	"unicode"

	"google.golang.org/protobuf/types/known/structpb"
)

// Exit code the @pulumi/pulumi runner uses after it has already shown the user an actionable message; the host
// then asks the engine to bail out without printing anything more.
const exitAfterActionableMessage = 32

// findNode returns the node executable on PATH, or an error that says how to fix its absence.
func findNode() (string, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return "", errors.New("could not find `node` on $PATH: install Node.js 20 and make sure `node` is on PATH")
	}
	return node, nil
}

// resolveModule asks node to resolve module (e.g. "@pulumi/pulumi/cmd/run") from dir, the way the program itself
// would load it. The module name travels as an argument, never spliced into the script.
func resolveModule(ctx context.Context, node, dir, module, fix string) (string, error) {
	const script = `const m = process.argv[1];
try { console.log(require.resolve(m)); }
catch (e) { console.error(e && e.code === "MODULE_NOT_FOUND" ? "MODULE_NOT_FOUND" : String(e && e.message)); process.exit(1); }`
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(cctx, node, "-e", script, module)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "MODULE_NOT_FOUND" || msg == "" {
			return "", fmt.Errorf("cannot find %s from %s: it looks like @pulumi/pulumi is not installed; %s", module, dir, fix)
		}
		return "", fmt.Errorf("cannot resolve %s from %s: %s", module, dir, msg)
	}
	return strings.TrimSpace(string(out)), nil
}

// nodeOptions are the `runtime.options` of Pulumi.yaml / PulumiPolicy.yaml that matter to a Node.js host.
type nodeOptions struct {
	typescript   bool     // run through ts-node (default true)
	tsconfigPath string   // PULUMI_NODEJS_TSCONFIG_PATH
	nodeArgs     []string // extra node arguments, e.g. --max-old-space-size=4096
}

// parseOptions validates runtime options, naming the field at fault.
func parseOptions(opts *structpb.Struct) (nodeOptions, error) {
	out := nodeOptions{typescript: true}
	m := opts.AsMap()
	if v, ok := m["typescript"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return out, fmt.Errorf("runtime.options.typescript must be true or false, got %v", v)
		}
		out.typescript = b
	}
	if v, ok := m["tsconfig"]; ok {
		s, isString := v.(string)
		if !isString {
			return out, fmt.Errorf("runtime.options.tsconfig must be a path string, got %v", v)
		}
		out.tsconfigPath = s
	}
	if v, ok := m["nodeargs"]; ok {
		s, isString := v.(string)
		if !isString {
			return out, fmt.Errorf("runtime.options.nodeargs must be a string, got %v", v)
		}
		args, err := splitArgs(s)
		if err != nil {
			return out, fmt.Errorf("runtime.options.nodeargs: %w", err)
		}
		out.nodeArgs = args
	}
	return out, nil
}

// env returns the variables the @pulumi/pulumi runners read to enable TypeScript.
// PULUMI_NODEJS_TRANSPILE_ONLY is not set here: it passes through from the caller's environment untouched.
func (o nodeOptions) env() []string {
	var env []string
	if o.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if o.tsconfigPath != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+o.tsconfigPath)
	}
	return env
}

// splitArgs splits a shell-like argument string, honouring single quotes, double quotes and backslashes.
func splitArgs(s string) ([]string, error) {
	var args []string
	var cur strings.Builder
	inArg := false
	var quote rune
	escaped := false
	for _, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case r == '\\' && quote != '\'':
			escaped, inArg = true, true
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inArg = r, true
		case unicode.IsSpace(r):
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteRune(r)
			inArg = true
		}
	}
	if quote != 0 || escaped {
		return nil, fmt.Errorf("unterminated quote or escape in %q", s)
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args, nil
}
