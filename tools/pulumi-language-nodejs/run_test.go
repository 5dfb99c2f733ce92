package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// fakeRunner stands in for @pulumi/pulumi/cmd/run: it records argv, cwd and the PULUMI_* environment in a file and
// exits with FAKE_EXIT.
const fakeRunner = `const fs = require("fs");
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("PULUMI_")));
fs.writeFileSync(process.env.FAKE_OUT, JSON.stringify({ argv: process.argv.slice(2), env }));
process.exit(Number(process.env.FAKE_EXIT || 0));
`

func setupFake(t *testing.T, exit string) (dir, out string) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not on PATH")
	}
	dir = t.TempDir()
	runner := filepath.Join(dir, "fake-run.js")
	if err := os.WriteFile(runner, []byte(fakeRunner), 0o644); err != nil {
		t.Fatal(err)
	}
	out = filepath.Join(dir, "out.json")
	t.Setenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH", runner)
	t.Setenv("FAKE_OUT", out)
	t.Setenv("FAKE_EXIT", exit)
	return dir, out
}

func TestRunPassesArgsConfigAndSecretKeysToTheRunner(t *testing.T) {
	dir, out := setupFake(t, "0")
	h := newHost("127.0.0.1:1234", "")
	resp, err := h.Run(context.Background(), &pulumirpc.RunRequest{
		Project: "proj", Stack: "dev", Organization: "org", DryRun: true, Parallel: 16,
		MonitorAddress: "127.0.0.1:5678", Args: []string{"extra"},
		Config:           map[string]string{"proj:token": "canary", "aws:region": "eu-west-1"},
		ConfigSecretKeys: []string{"proj:token"},
		Info:             &pulumirpc.ProgramInfo{RootDirectory: dir, ProgramDirectory: dir, EntryPoint: "index.ts"},
	})
	if err != nil || resp.Error != "" || resp.Bail {
		t.Fatalf("run: %v %+v", err, resp)
	}
	var got struct {
		Argv []string          `json:"argv"`
		Env  map[string]string `json:"env"`
	}
	b, _ := os.ReadFile(out)
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := "--monitor 127.0.0.1:5678 --engine 127.0.0.1:1234 --organization org --project proj --root-directory " + dir +
		" --stack dev --pwd " + dir + " --dry-run --parallel 16 index.ts extra"
	if strings.Join(got.Argv, " ") != want {
		t.Fatalf("argv:\n got %s\nwant %s", strings.Join(got.Argv, " "), want)
	}
	var cfg map[string]string
	_ = json.Unmarshal([]byte(got.Env["PULUMI_CONFIG"]), &cfg)
	if cfg["proj:config:token"] != "canary" || cfg["aws:config:region"] != "eu-west-1" {
		t.Fatalf("PULUMI_CONFIG: %s", got.Env["PULUMI_CONFIG"])
	}
	if got.Env["PULUMI_CONFIG_SECRET_KEYS"] != `["proj:token"]` || got.Env["PULUMI_NODEJS_TYPESCRIPT"] != "true" {
		t.Fatalf("env: %v", got.Env)
	}
}

func TestRunMapsExitCodes(t *testing.T) {
	for exit, check := range map[string]func(*pulumirpc.RunResponse) bool{
		"32": func(r *pulumirpc.RunResponse) bool { return r.Bail && r.Error == "" },
		"3": func(r *pulumirpc.RunResponse) bool {
			return !r.Bail && strings.Contains(r.Error, "non-zero exit code: 3")
		},
	} {
		dir, _ := setupFake(t, exit)
		resp, err := newHost("", "").Run(context.Background(), &pulumirpc.RunRequest{
			Info: &pulumirpc.ProgramInfo{ProgramDirectory: dir, EntryPoint: "."}})
		if err != nil || !check(resp) {
			t.Errorf("exit %s: %+v %v", exit, resp, err)
		}
	}
}

func TestRunExplainsAMissingSDK(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not on PATH")
	}
	dir := t.TempDir()
	resp, err := newHost("", "").Run(context.Background(), &pulumirpc.RunRequest{
		Info: &pulumirpc.ProgramInfo{ProgramDirectory: dir, EntryPoint: "."}})
	if err != nil || !strings.Contains(resp.Error, "@pulumi/pulumi is not installed") || !strings.Contains(resp.Error, "npm ci") {
		t.Fatalf("got %+v %v", resp, err)
	}
}

func TestGetRequiredPluginsAndPackagesAgree(t *testing.T) {
	dir := t.TempDir()
	writeJSON(t, filepath.Join(dir, "node_modules/@pulumi/random/package.json"),
		`{"name":"@pulumi/random","version":"4.21.1","pulumi":{"resource":true,"name":"random","version":"4.21.1"}}`)
	h := newHost("", "")
	plugins, err := h.GetRequiredPlugins(context.Background(), &pulumirpc.GetRequiredPluginsRequest{
		Info: &pulumirpc.ProgramInfo{ProgramDirectory: dir}})
	if err != nil || len(plugins.Plugins) != 1 || plugins.Plugins[0].Name != "random" || plugins.Plugins[0].Version != "v4.21.1" {
		t.Fatalf("plugins: %+v %v", plugins, err)
	}
	pkgs, err := h.GetRequiredPackages(context.Background(), &pulumirpc.GetRequiredPackagesRequest{
		Info: &pulumirpc.ProgramInfo{ProgramDirectory: dir}})
	if err != nil || len(pkgs.Packages) != 1 || pkgs.Packages[0].Kind != "resource" || pkgs.Packages[0].Version != "v4.21.1" {
		t.Fatalf("packages: %+v %v", pkgs, err)
	}
}
