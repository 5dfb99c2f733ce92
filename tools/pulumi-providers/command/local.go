package command

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"

	"stackguard.invalid/tools/pulumi-providers/internal/diffs"
)

// Command is command:local:Command, as registered by @pulumi/command@1.2.1.
type Command struct{}

// CommandArgs are the inputs of local.Command (names from @pulumi/command's local/command.js).
type CommandArgs struct {
	Create                 *string           `pulumi:"create,optional"`
	Update                 *string           `pulumi:"update,optional"`
	Delete                 *string           `pulumi:"delete,optional"`
	Dir                    *string           `pulumi:"dir,optional"`
	Environment            map[string]string `pulumi:"environment,optional"`
	Interpreter            []string          `pulumi:"interpreter,optional"`
	Stdin                  *string           `pulumi:"stdin,optional"`
	Triggers               []any             `pulumi:"triggers,optional"`
	AddPreviousOutputInEnv *bool             `pulumi:"addPreviousOutputInEnv,optional"`
	Logging                *string           `pulumi:"logging,optional"`
	AssetPaths             []string          `pulumi:"assetPaths,optional"`
	ArchivePaths           []string          `pulumi:"archivePaths,optional"`
}

// CommandState is the stored state: the inputs plus the last command's output. Secretness follows the inputs:
// a secret input makes stdout/stderr secret (infer's default dependency wiring).
type CommandState struct {
	CommandArgs
	Stdout string `pulumi:"stdout"`
	Stderr string `pulumi:"stderr"`
}

// Annotate sets the exact token and the upstream defaults.
func (c *Command) Annotate(a infer.Annotator) {
	a.SetToken("local", "Command")
	a.Describe(c, "Runs local commands on create, update and delete. A change to triggers replaces it.")
}

// Annotate declares addPreviousOutputInEnv's upstream default (true).
func (a *CommandArgs) Annotate(an infer.Annotator) {
	an.SetDefault(&a.AddPreviousOutputInEnv, true)
}

// Check rejects what this build does not support, naming the field, before anything runs.
func (c *Command) Check(ctx context.Context, req infer.CheckRequest) (infer.CheckResponse[CommandArgs], error) {
	args, failures, err := infer.DefaultCheck[CommandArgs](ctx, req.NewInputs)
	if err != nil || len(failures) > 0 {
		return infer.CheckResponse[CommandArgs]{Inputs: args, Failures: failures}, err
	}
	if len(args.AssetPaths) > 0 || len(args.ArchivePaths) > 0 {
		prop := "assetPaths"
		if len(args.ArchivePaths) > 0 {
			prop = "archivePaths"
		}
		failures = append(failures, p.CheckFailure{Property: prop,
			Reason: prop + " is not supported by stackguard's command provider build: remove it"})
	}
	if args.Interpreter != nil && len(args.Interpreter) == 0 {
		failures = append(failures, p.CheckFailure{Property: "interpreter",
			Reason: `interpreter must name a program, e.g. ["/bin/sh", "-c"]`})
	}
	if l := args.Logging; l != nil {
		switch *l {
		case "stdout", "stderr", "stdoutAndStderr", "none":
		default:
			failures = append(failures, p.CheckFailure{Property: "logging",
				Reason: fmt.Sprintf("logging must be one of stdout, stderr, stdoutAndStderr, none; got %q", *l)})
		}
	}
	return infer.CheckResponse[CommandArgs]{Inputs: args, Failures: failures}, nil
}

func (a CommandArgs) invocation(label string, script string, previous *CommandState) invocation {
	env := map[string]string{}
	for k, v := range a.Environment {
		env[k] = v
	}
	if previous != nil && (a.AddPreviousOutputInEnv == nil || *a.AddPreviousOutputInEnv) {
		env["PULUMI_COMMAND_STDOUT"] = previous.Stdout
		env["PULUMI_COMMAND_STDERR"] = previous.Stderr
	}
	in := invocation{label: label, script: script, interpreter: a.Interpreter, env: env, stdin: a.Stdin}
	if a.Dir != nil {
		in.dir = *a.Dir
	}
	return in
}

// Create runs `create` (if any). Nothing runs during preview.
func (c *Command) Create(
	ctx context.Context, req infer.CreateRequest[CommandArgs],
) (infer.CreateResponse[CommandState], error) {
	state := CommandState{CommandArgs: req.Inputs}
	if req.DryRun {
		return infer.CreateResponse[CommandState]{Output: state}, nil
	}
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		return infer.CreateResponse[CommandState]{}, err
	}
	// As the official provider (resource.NewUniqueHex(name, 8, 0)): the name and 8 hex digits, no separator.
	id := req.Name + hex.EncodeToString(suffix)
	if req.Inputs.Create != nil {
		var err error
		state.Stdout, state.Stderr, err = req.Inputs.invocation("create", *req.Inputs.Create, nil).run(ctx)
		if err != nil {
			return infer.CreateResponse[CommandState]{}, err
		}
	}
	return infer.CreateResponse[CommandState]{ID: id, Output: state}, nil
}

// Update runs `update`, or `create` again when no update command is given (upstream behaviour).
func (c *Command) Update(
	ctx context.Context, req infer.UpdateRequest[CommandArgs, CommandState],
) (infer.UpdateResponse[CommandState], error) {
	state := CommandState{CommandArgs: req.Inputs, Stdout: req.State.Stdout, Stderr: req.State.Stderr}
	if req.DryRun {
		return infer.UpdateResponse[CommandState]{Output: state}, nil
	}
	script, label := req.Inputs.Update, "update"
	if script == nil {
		script, label = req.Inputs.Create, "create"
	}
	if script != nil {
		var err error
		state.Stdout, state.Stderr, err = req.Inputs.invocation(label, *script, &req.State).run(ctx)
		if err != nil {
			return infer.UpdateResponse[CommandState]{}, err
		}
	}
	return infer.UpdateResponse[CommandState]{Output: state}, nil
}

// Delete runs `delete` (if any), with the last outputs in PULUMI_COMMAND_STDOUT/STDERR.
func (c *Command) Delete(ctx context.Context, req infer.DeleteRequest[CommandState]) (infer.DeleteResponse, error) {
	if req.State.Delete == nil {
		return infer.DeleteResponse{}, nil
	}
	_, _, err := req.State.CommandArgs.invocation("delete", *req.State.Delete, &req.State).run(ctx)
	return infer.DeleteResponse{}, err
}

// Diff updates in place on any change except triggers, which replace (the SDK also asks for
// replaceOnChanges: ["triggers[*]"]).
func (c *Command) Diff(
	_ context.Context, req infer.DiffRequest[CommandArgs, CommandState],
) (infer.DiffResponse, error) {
	return diffs.Compare(req.State.CommandArgs, req.Inputs, func(prop string) p.DiffKind {
		if prop == "triggers" {
			return p.UpdateReplace
		}
		return p.Update
	}), nil
}

// WireDependencies makes every output, stdout and stderr included, secret as soon as any input is: a command fed a
// secret through `environment` or `stdin` may well print it.
func (c *Command) WireDependencies(f infer.FieldSelector, args *CommandArgs, state *CommandState) {
	f.OutputField(state).DependsOn(f.InputField(args))
}
