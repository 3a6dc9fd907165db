package hclquote

import "testing"

// TestString: a value quoted for a generated configuration reads back as itself, template
// sequences included.
func TestString(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain", `"plain"`},
		{`C:\ca.pem`, `"C:\\ca.pem"`},
		{`say "hi"`, `"say \"hi\""`},
		{"a\nb", `"a\nb"`},
		{"${var.x}", `"$${var.x}"`},
		{"%{if}", `"%%{if}"`},
		{"100% $5", `"100% $5"`},
		{"héllo", `"héllo"`},
	}
	for _, c := range cases {
		if got := String(c.in); got != c.want {
			t.Errorf("String(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}
