package random

import (
	"fmt"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// The state the official pulumi-resource-random 4.21.1 writes, so that a stack can move between it and this build
// in both directions without a diff, a replacement or a decoding failure.
//
// The official plugin is the Pulumi Terraform bridge over terraform-provider-random (plugin framework). Its state is
// the Terraform state under Pulumi names:
//   - inputs: exactly what the program passed (the bridge's Check adds no defaults);
//   - outputs: every attribute of the Terraform resource, camel-cased, defaults filled in ("id" included); attributes
//     that are null in Terraform (keepers, overrideSpecial, prefix when unset) are absent;
//   - "__meta": {"schema_version":"N"} when the resource's schema version is not 0 (RandomPassword: 3; RandomId: 0,
//     so none);
//   - "__pulumi_raw_state_delta": how to rebuild Terraform's raw state from the outputs
//     (pulumi-terraform-bridge pkg/tfbridge/rawstate.go): an object delta {"obj":{"ps":{…}}} with, per attribute,
//     {"map":{}} for a present map and, for an attribute absent from the outputs, the secret replace delta
//     {"replace":{"raw":null}} (the bridge makes every replace delta secret).

// attrKind is the Pulumi type of an attribute.
type attrKind int

const (
	kBool attrKind = iota
	kNumber
	kString
	kStringMap
)

// attr is one attribute of a Terraform resource as the bridge maps it.
type attr struct {
	name     string   // Pulumi name (camelCase of the Terraform name)
	kind     attrKind //
	input    bool     // an argument (else computed only)
	required bool     // a required argument
	def      any      // default of an optional argument (bool or float64), nil when it has none (null in Terraform)
	secret   bool     // always secret (Terraform: Sensitive)
}

// resourceShape is a random resource's attributes and schema version.
type resourceShape struct {
	token         string
	schemaVersion int
	attrs         []attr
}

var passwordShape = resourceShape{
	token:         "random:index/randomPassword:RandomPassword",
	schemaVersion: 3,
	attrs: []attr{
		{name: "bcryptHash", kind: kString, secret: true},
		{name: "id", kind: kString},
		{name: "keepers", kind: kStringMap, input: true},
		{name: "length", kind: kNumber, input: true, required: true},
		{name: "lower", kind: kBool, input: true, def: true},
		{name: "minLower", kind: kNumber, input: true, def: 0.0},
		{name: "minNumeric", kind: kNumber, input: true, def: 0.0},
		{name: "minSpecial", kind: kNumber, input: true, def: 0.0},
		{name: "minUpper", kind: kNumber, input: true, def: 0.0},
		{name: "number", kind: kBool, input: true, def: true},
		{name: "numeric", kind: kBool, input: true, def: true},
		{name: "overrideSpecial", kind: kString, input: true},
		{name: "result", kind: kString, secret: true},
		{name: "special", kind: kBool, input: true, def: true},
		{name: "upper", kind: kBool, input: true, def: true},
	},
}

var idShape = resourceShape{
	token:         "random:index/randomId:RandomId",
	schemaVersion: 0,
	attrs: []attr{
		{name: "b64Std", kind: kString},
		{name: "b64Url", kind: kString},
		{name: "byteLength", kind: kNumber, input: true, required: true},
		{name: "dec", kind: kString},
		{name: "hex", kind: kString},
		{name: "id", kind: kString},
		{name: "keepers", kind: kStringMap, input: true},
		{name: "prefix", kind: kString, input: true},
	},
}

const (
	metaKey  = "__meta"
	deltaKey = "__pulumi_raw_state_delta"
)

// nullSentinel stands for a JSON null inside the raw state delta. pulumi-go-provider drops null map entries when it
// marshals a response, and the official delta is {"replace":{"raw":null}}, so the entry is written as this string
// and turned back into null on the wire by nullRestoringServer (cmd/pulumi-resource-random).
const NullSentinel = "\x00stackguard:null\x00"

func (s resourceShape) attr(name string) (attr, bool) {
	for _, a := range s.attrs {
		if a.name == name {
			return a, true
		}
	}
	return attr{}, false
}

// effective is an argument's value with its default applied; ok is false when it is unset and has no default.
func (s resourceShape) effective(inputs property.Map, a attr) (property.Value, bool) {
	if v, ok := inputs.GetOk(a.name); ok && !v.IsNull() {
		return v, true
	}
	switch d := a.def.(type) {
	case bool:
		return property.New(d), true
	case float64:
		return property.New(d), true
	}
	return property.Value{}, false
}

// outputs builds the official outputs from the inputs and the computed attributes (computed holds every
// non-input attribute; values keep their secretness, secret attributes are always secret).
func (s resourceShape) outputs(inputs property.Map, computed map[string]property.Value) property.Map {
	out := map[string]property.Value{}
	for _, a := range s.attrs {
		var v property.Value
		var ok bool
		if a.input {
			v, ok = s.effective(inputs, a)
		} else {
			v, ok = computed[a.name]
		}
		if !ok {
			continue
		}
		if a.secret {
			v = v.WithSecret(true)
		}
		out[a.name] = v
	}
	if s.schemaVersion != 0 {
		out[metaKey] = property.New(fmt.Sprintf(`{"schema_version":"%d"}`, s.schemaVersion))
	}
	out[deltaKey] = s.rawStateDelta(out)
	return property.NewMap(out)
}

// rawStateDelta is the bridge's delta for these outputs (see the package comment above).
func (s resourceShape) rawStateDelta(out map[string]property.Value) property.Value {
	ps := map[string]property.Value{}
	for _, a := range s.attrs {
		v, present := out[a.name]
		switch {
		case !present || v.IsNull():
			ps[a.name] = property.New(map[string]property.Value{
				"replace": property.New(map[string]property.Value{"raw": property.New(NullSentinel)}),
			}).WithSecret(true)
		case a.kind == kStringMap:
			ps[a.name] = property.New(map[string]property.Value{"map": property.New(map[string]property.Value{})})
		}
	}
	obj := map[string]property.Value{}
	if len(ps) > 0 {
		obj["ps"] = property.New(ps)
	}
	return property.New(map[string]property.Value{"obj": property.New(obj)})
}

// normalizeState rewrites a stored state (the official plugin's, or one written by an earlier build of ours, which
// had no __meta/delta nor an "id" output) into the official shape, keeping every stored value. Unknown keys are
// dropped.
func (s resourceShape) normalizeState(id string, state property.Map) property.Map {
	computed := map[string]property.Value{"id": property.New(id)}
	inputs := map[string]property.Value{}
	for _, a := range s.attrs {
		v, ok := state.GetOk(a.name)
		if !ok || v.IsNull() {
			continue
		}
		if a.input {
			inputs[a.name] = v
		} else {
			computed[a.name] = v
		}
	}
	return s.outputs(property.NewMap(inputs), computed)
}

// changedInputs lists the arguments whose effective value differs between the stored state and the new inputs
// (defaults applied on both sides, secretness ignored, an empty map equal to none). An unknown new value counts
// as a change.
func (s resourceShape) changedInputs(state, inputs property.Map) []string {
	var changed []string
	for _, a := range s.attrs {
		if !a.input {
			continue
		}
		oldV, oldOK := s.effective(state, a)
		newV, newOK := s.effective(inputs, a)
		if newOK && newV.HasComputed() {
			changed = append(changed, a.name)
			continue
		}
		if a.kind == kStringMap {
			oldOK = oldOK && oldV.IsMap() && oldV.AsMap().Len() > 0
			newOK = newOK && newV.IsMap() && newV.AsMap().Len() > 0
		}
		if oldOK != newOK || (oldOK && !plainEqual(oldV, newV)) {
			changed = append(changed, a.name)
		}
	}
	sort.Strings(changed)
	return changed
}

// plainEqual compares two values ignoring secretness and dependencies.
func plainEqual(a, b property.Value) bool {
	return fmt.Sprint(plain(a)) == fmt.Sprint(plain(b))
}

func plain(v property.Value) any {
	switch {
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.AsBool()
	case v.IsNumber():
		return v.AsNumber()
	case v.IsString():
		return v.AsString()
	case v.IsArray():
		var out []any
		for _, e := range v.AsArray().AsSlice() {
			out = append(out, plain(e))
		}
		return out
	case v.IsMap():
		m := v.AsMap().AsMap()
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var out []any
		for _, k := range keys {
			out = append(out, k, plain(m[k]))
		}
		return out
	}
	return fmt.Sprintf("%v", v)
}
