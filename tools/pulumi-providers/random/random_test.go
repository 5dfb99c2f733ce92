package random

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/blang/semver"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/integration"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

const passwordURN = presource.URN("urn:pulumi:dev::proj::random:index/randomPassword:RandomPassword::pw")

func server(t *testing.T) integration.Server {
	t.Helper()
	prov, err := Provider()
	if err != nil {
		t.Fatal(err)
	}
	s, err := integration.NewServer(context.Background(), Name, semver.MustParse("4.21.1"), integration.WithProvider(prov))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSchemaUsesTheNpmTokensAndSecretOutputs(t *testing.T) {
	resp, err := server(t).GetSchema(p.GetSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Meta      struct{ ModuleFormat string } `json:"meta"`
		Resources map[string]struct {
			Properties map[string]struct {
				Secret bool `json:"secret"`
			} `json:"properties"`
		} `json:"resources"`
	}
	if err := json.Unmarshal([]byte(resp.Schema), &schema); err != nil {
		t.Fatal(err)
	}
	if schema.Meta.ModuleFormat != "(.*)(?:/[^/]*)" {
		t.Errorf("meta.moduleFormat = %q: tokens like index/randomId would not bind", schema.Meta.ModuleFormat)
	}
	pw, ok := schema.Resources["random:index/randomPassword:RandomPassword"]
	if !ok {
		t.Fatalf("RandomPassword token missing; resources: %v", keys(schema.Resources))
	}
	if !pw.Properties["result"].Secret || !pw.Properties["bcryptHash"].Secret {
		t.Errorf("result and bcryptHash must be secret: %+v", pw.Properties)
	}
	if _, ok := schema.Resources["random:index/randomId:RandomId"]; !ok {
		t.Errorf("RandomId token missing; resources: %v", keys(schema.Resources))
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestPasswordCheckFillsUpstreamDefaultsAndCreateReturnsASecret(t *testing.T) {
	s := server(t)
	checked, err := s.Check(p.CheckRequest{Urn: passwordURN, Inputs: property.NewMap(map[string]property.Value{
		"length": property.New(20.0), "special": property.New(false),
	})})
	if err != nil || len(checked.Failures) > 0 {
		t.Fatalf("check: %v %v", err, checked.Failures)
	}
	if !checked.Inputs.Get("upper").AsBool() || checked.Inputs.Get("special").AsBool() {
		t.Fatalf("defaults wrong: %v", checked.Inputs)
	}
	created, err := s.Create(p.CreateRequest{Urn: passwordURN, Properties: checked.Inputs})
	if err != nil {
		t.Fatal(err)
	}
	result := created.Properties.Get("result")
	if !result.Secret() {
		t.Errorf("result must be secret")
	}
	if got := result.AsString(); len(got) != 20 || strings.ContainsAny(got, defaultSpecialChars) {
		t.Errorf("result %q: want 20 chars without specials", got)
	}
	if hash := created.Properties.Get("bcryptHash"); !hash.Secret() || !strings.HasPrefix(hash.AsString(), "$2a$") {
		t.Errorf("bcryptHash must be a secret bcrypt hash")
	}
}

func TestPasswordCheckNamesTheFieldWhenMinimumsExceedLength(t *testing.T) {
	checked, err := server(t).Check(p.CheckRequest{Urn: passwordURN, Inputs: property.NewMap(map[string]property.Value{
		"length": property.New(4.0), "minUpper": property.New(3.0), "minNumeric": property.New(3.0),
	})})
	if err != nil {
		t.Fatal(err)
	}
	if len(checked.Failures) != 1 || checked.Failures[0].Property != "length" ||
		!strings.Contains(checked.Failures[0].Reason, "minLower+minUpper+minNumeric+minSpecial (6)") {
		t.Fatalf("failures: %+v", checked.Failures)
	}
}

func TestGenerateHonoursMinimumsAndCharacterSets(t *testing.T) {
	spec := passwordSpec{length: 12, lower: true, upper: false, numeric: false, special: true,
		minSpecial: 5, minNumeric: 2, specialChars: "#"}
	for i := 0; i < 50; i++ {
		got, err := spec.generate()
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 12 || strings.Count(got, "#") < 5 || strings.ContainsAny(got, upperChars) {
			t.Fatalf("bad password %q", got)
		}
		digits := 0
		for _, c := range got {
			if c >= '0' && c <= '9' {
				digits++
			}
		}
		if digits < 2 { // minimums apply even to disabled sets, as upstream
			t.Fatalf("want ≥2 digits in %q", got)
		}
	}
	a, _ := passwordSpec{length: 32, lower: true, specialChars: defaultSpecialChars}.generate()
	b, _ := passwordSpec{length: 32, lower: true, specialChars: defaultSpecialChars}.generate()
	if a == b {
		t.Fatalf("two passwords are equal: %q", a)
	}
}

func TestEncodeIDMatchesUpstreamFormats(t *testing.T) {
	prefix := "sg-"
	id, s := encodeID([]byte{0x01, 0xff, 0x10}, &prefix)
	if id != "Af8Q" || s.B64URL != "sg-Af8Q" || s.B64Std != "sg-Af8Q" || s.Hex != "sg-01ff10" || s.Dec != "sg-130832" {
		t.Fatalf("got id=%q state=%+v", id, s)
	}
	id, s = encodeID([]byte{0xfb, 0xff}, nil)
	if id != "-_8" || s.B64Std != "+/8=" {
		t.Fatalf("url-safe vs std alphabet: id=%q std=%q", id, s.B64Std)
	}
}

func TestDiffReplacesOnChangeButTreatsMissingKeepersAsEmpty(t *testing.T) {
	r := &Password{}
	old := PasswordArgs{Length: 16, Keepers: map[string]string{}}
	same, _ := r.Diff(context.Background(), diffReq(old, PasswordArgs{Length: 16}))
	if same.HasChanges {
		t.Fatalf("nil vs empty keepers must not change: %+v", same)
	}
	changed, _ := r.Diff(context.Background(), diffReq(old, PasswordArgs{Length: 17}))
	if !changed.HasChanges || changed.DetailedDiff["length"].Kind != p.UpdateReplace {
		t.Fatalf("length change must replace: %+v", changed)
	}
}

func diffReq(old, new PasswordArgs) inferDiffRequest {
	return inferDiffRequest{State: PasswordState{PasswordArgs: old}, Inputs: new}
}
