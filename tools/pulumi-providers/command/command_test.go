package command

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/blang/semver"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi-go-provider/integration"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

const commandURN = presource.URN("urn:pulumi:dev::proj::command:local:Command::c")

func server(t *testing.T) integration.Server {
	t.Helper()
	prov, err := Provider()
	if err != nil {
		t.Fatal(err)
	}
	s, err := integration.NewServer(context.Background(), Name, semver.MustParse("1.2.1"), integration.WithProvider(prov))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func str(s string) *string { return &s }

func TestRunCapturesOutputWithEnvStdinAndDir(t *testing.T) {
	dir := t.TempDir()
	in := invocation{label: "create", script: `read line; echo "$GREETING $line $(basename "$PWD")"; echo oops >&2`,
		dir: dir, env: map[string]string{"GREETING": "hi"}, stdin: str("there\n")}
	out, errOut, err := in.run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if out != "hi there "+filepath.Base(dir) || errOut != "oops" {
		t.Fatalf("stdout=%q stderr=%q", out, errOut)
	}
}

func TestRunHonoursTheDeadlineAndKillsTheProcessGroup(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "survived")
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	in := invocation{label: "create", script: "(sleep 2; touch " + marker + ") & sleep 30"}
	start := time.Now()
	_, _, err := in.run(ctx)
	if err == nil || !strings.Contains(err.Error(), "create command timed out") {
		t.Fatalf("want a timeout error, got %v", err)
	}
	if time.Since(start) > 8*time.Second {
		t.Fatalf("took %s: the deadline was not enforced", time.Since(start))
	}
	time.Sleep(2500 * time.Millisecond)
	if _, err := os.Stat(marker); err == nil {
		t.Fatalf("a child of the command outlived the timeout")
	}
}

func TestRunReportsExitCodeAndStderrTailButNotTheScript(t *testing.T) {
	in := invocation{label: "delete", script: "echo s3cr3t-in-script >/dev/null; echo boom >&2; exit 3"}
	_, _, err := in.run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "delete command exited with code 3: boom") {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), "s3cr3t-in-script") {
		t.Fatalf("the error leaks the script: %v", err)
	}
}

func TestCreateThroughTheProviderUsesCustomTimeoutsAndMarksOutputsSecretWithSecretInputs(t *testing.T) {
	s := server(t)
	inputs := property.NewMap(map[string]property.Value{
		"create":      property.New("echo $TOKEN"),
		"environment": property.New(map[string]property.Value{"TOKEN": property.New("canary-token-42").WithSecret(true)}),
	})
	checked, err := s.Check(p.CheckRequest{Urn: commandURN, Inputs: inputs})
	if err != nil || len(checked.Failures) > 0 {
		t.Fatalf("check: %v %v", err, checked.Failures)
	}
	created, err := s.Create(p.CreateRequest{Urn: commandURN, Properties: checked.Inputs})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^c[0-9a-f]{8}$`).MatchString(created.ID) {
		t.Errorf("id %q: the official provider's ids are the name and 8 hex digits (resource.NewUniqueHex)", created.ID)
	}
	stdout := created.Properties.Get("stdout")
	if stdout.AsString() != "canary-token-42" || !stdout.Secret() {
		t.Fatalf("stdout must be the secret canary: %v (secret=%v)", stdout.AsString(), stdout.Secret())
	}

	slow, _ := s.Check(p.CheckRequest{Urn: commandURN, Inputs: property.NewMap(map[string]property.Value{
		"create": property.New("sleep 20"),
	})})
	start := time.Now()
	_, err = s.Create(p.CreateRequest{Urn: commandURN, Properties: slow.Inputs, Timeout: 1})
	if err == nil || !strings.Contains(err.Error(), "timed out") || time.Since(start) > 10*time.Second {
		t.Fatalf("customTimeouts (1s) not honoured: %v after %s", err, time.Since(start))
	}
}

func TestCheckNamesUnsupportedFields(t *testing.T) {
	checked, err := server(t).Check(p.CheckRequest{Urn: commandURN, Inputs: property.NewMap(map[string]property.Value{
		"create":       property.New("true"),
		"archivePaths": property.New([]property.Value{property.New("**")}),
		"logging":      property.New("loud"),
	})})
	if err != nil {
		t.Fatal(err)
	}
	props := map[string]bool{}
	for _, f := range checked.Failures {
		props[f.Property] = true
	}
	if !props["archivePaths"] || !props["logging"] {
		t.Fatalf("failures: %+v", checked.Failures)
	}
}

func TestDiffReplacesOnTriggersAndUpdatesOtherwise(t *testing.T) {
	c := &Command{}
	old := CommandArgs{Create: str("a"), Triggers: []any{"1"}}
	upd, _ := c.Diff(context.Background(), infer.DiffRequest[CommandArgs, CommandState]{
		State: CommandState{CommandArgs: old}, Inputs: CommandArgs{Create: str("b"), Triggers: []any{"1"}}})
	if upd.DetailedDiff["create"].Kind != p.Update || len(upd.DetailedDiff) != 1 {
		t.Fatalf("create change: %+v", upd)
	}
	rep, _ := c.Diff(context.Background(), infer.DiffRequest[CommandArgs, CommandState]{
		State: CommandState{CommandArgs: old}, Inputs: CommandArgs{Create: str("a"), Triggers: []any{"2"}}})
	if rep.DetailedDiff["triggers"].Kind != p.UpdateReplace {
		t.Fatalf("triggers change: %+v", rep)
	}
}

func TestUpdateRunsCreateAgainWithPreviousOutputInEnv(t *testing.T) {
	c := &Command{}
	resp, err := c.Update(context.Background(), infer.UpdateRequest[CommandArgs, CommandState]{
		State:  CommandState{CommandArgs: CommandArgs{Create: str("echo one")}, Stdout: "one"},
		Inputs: CommandArgs{Create: str(`echo "was:$PULUMI_COMMAND_STDOUT"`)},
	})
	if err != nil || resp.Output.Stdout != "was:one" {
		t.Fatalf("stdout=%q err=%v", resp.Output.Stdout, err)
	}
}
