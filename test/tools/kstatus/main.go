// kstatus reads Kubernetes objects as JSON on stdin (one object, or a List with items) and
// prints, per object, the status that sigs.k8s.io/cli-utils' kstatus computes: the health that
// Flux and Argo CD-style tools read. One JSON line per object:
//
//	{"kind":"HonoTlsConfig","namespace":"ns","name":"n","status":"Current","message":"..."}
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

type result struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Status    string `json:"status"`
	Message   string `json:"message"`
}

func main() {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail("reading stdin: %v", err)
	}
	var obj unstructured.Unstructured
	if err := obj.UnmarshalJSON(in); err != nil {
		fail("stdin is not a Kubernetes object in JSON: %v", err)
	}
	items := []unstructured.Unstructured{obj}
	if obj.IsList() {
		list, err := obj.ToList()
		if err != nil {
			fail("reading the List: %v", err)
		}
		items = list.Items
	}
	out := json.NewEncoder(os.Stdout)
	for i := range items {
		u := &items[i]
		res, err := status.Compute(u)
		if err != nil {
			fail("%s %s/%s: %v", u.GetKind(), u.GetNamespace(), u.GetName(), err)
		}
		_ = out.Encode(result{u.GetKind(), u.GetNamespace(), u.GetName(), res.Status.String(), res.Message})
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "kstatus: "+format+"\n", args...)
	os.Exit(1)
}
