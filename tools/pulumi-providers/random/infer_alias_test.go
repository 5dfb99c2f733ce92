package random

import "github.com/pulumi/pulumi-go-provider/infer"

type inferDiffRequest = infer.DiffRequest[PasswordArgs, PasswordState]
