package random

import (
	"context"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

// RestoreNulls wraps the provider's gRPC server so that NullSentinel values in responses go out as JSON nulls.
// pulumi-go-provider marshals responses skipping null map entries, and the official raw state delta of an unset
// attribute is {"replace":{"raw":null}}: without this the entry would read {"replace":{}}.
func RestoreNulls(s pulumirpc.ResourceProviderServer) pulumirpc.ResourceProviderServer {
	return nullRestoring{s}
}

type nullRestoring struct{ pulumirpc.ResourceProviderServer }

func (s nullRestoring) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	resp, err := s.ResourceProviderServer.Create(ctx, req)
	if resp != nil {
		restoreStruct(resp.Properties)
	}
	return resp, err
}

func (s nullRestoring) Read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	resp, err := s.ResourceProviderServer.Read(ctx, req)
	if resp != nil {
		restoreStruct(resp.Properties)
		restoreStruct(resp.Inputs)
	}
	return resp, err
}

func (s nullRestoring) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	resp, err := s.ResourceProviderServer.Update(ctx, req)
	if resp != nil {
		restoreStruct(resp.Properties)
	}
	return resp, err
}

func restoreStruct(st *structpb.Struct) {
	if st == nil {
		return
	}
	for k, v := range st.Fields {
		st.Fields[k] = restoreValue(v)
	}
}

func restoreValue(v *structpb.Value) *structpb.Value {
	switch k := v.GetKind().(type) {
	case *structpb.Value_StringValue:
		if k.StringValue == NullSentinel {
			return structpb.NewNullValue()
		}
	case *structpb.Value_StructValue:
		restoreStruct(k.StructValue)
	case *structpb.Value_ListValue:
		for i, e := range k.ListValue.GetValues() {
			k.ListValue.Values[i] = restoreValue(e)
		}
	}
	return v
}
