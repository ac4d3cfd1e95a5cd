package graph

import (
	"strings"
	"testing"
)

func TestDOT(t *testing.T) {
	app := with(func(a *StreamingApplication) {
		s := streamlet(t, a, "egress")
		s.Inlets = append(s.Inlets, Port{Name: "users", Schema: Schema{Format: "avro", Name: "User"}, Topic: &TopicSpec{Name: "shared.users", Managed: ptr(false)}})
	})
	bp, problems := Resolve(app)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	dot := DOT(bp)
	for _, want := range []string{
		`digraph "shop" {`,
		`"score" [label="score\nflink ×2"];`,
		`"ingress" -> "score" [label="shop.ingress.out → in"];`,
		`"score" -> "report" [label="shop.score.out → in"];`,
		`"topic shared.users" [shape=ellipse, label="shared.users"];`,
		`"topic shared.users" -> "egress" [label="shared.users → users"];`,
	} {
		if !strings.Contains(dot, want) {
			t.Errorf("DOT lacks %s:\n%s", want, dot)
		}
	}
}
