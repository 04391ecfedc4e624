package api

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
)

// Expected outputs are what Node.js v20 prints for
// JSON.stringify(JSON.parse(input)).
func TestJSStringifyTable(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"a":1,"b":[1.5,0.1,-0,1e21,1e-7,123456789012345678901234,0.000001,1.0e2,5e-324,1.7976931348623157e308,1e400,-1e-400,2e20,2.5e-5,9007199254740993]}`,
			`{"a":1,"b":[1.5,0.1,0,1e+21,1e-7,1.2345678901234569e+23,0.000001,100,5e-324,1.7976931348623157e+308,null,0,200000000000000000000,0.000025,9007199254740992]}`},
		{`{"b":1,"2":2,"1":3,"01":4,"4294967295":5,"4294967294":6,"a":7,"b":8,"2":9}`,
			`{"1":3,"2":9,"4294967294":6,"b":8,"01":4,"4294967295":5,"a":7}`},
		{`{"s":"\u00e9\u2028\u2029<>&\/\b\f\n\r\t\u0001\u001f\u007f\ud800x\udc00\ud83d\ude00 é 😀"}`,
			"{\"s\":\"é\u2028\u2029<>&/\\b\\f\\n\\r\\t\\u0001\\u001f\u007f\\ud800x\\udc00😀 é 😀\"}"},
		{"[\"x\",true,false,null,{},[],\"\",{\"__proto__\":1}]", `["x",true,false,null,{},[],"",{"__proto__":1}]`},
		{" { \"a\" : [ 1 , 2 ] } \n", `{"a":[1,2]}`},
		{`"\ud83d"`, `"\ud83d"`},
		{`{"a":"\u0000","b":"\"\\"}`, `{"a":"\u0000","b":"\"\\"}`},
		{`[1E5,1e-10,123e-20,0.00001234,-0.0,1e+0]`, `[100000,1e-10,1.23e-18,0.00001234,0,1]`},
	}
	for _, c := range cases {
		got, err := JSStringify([]byte(c.in))
		if err != nil || string(got) != c.want {
			t.Errorf("JSStringify(%s)\n got %s (%v)\nwant %s", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{`{"a":1,}`, `[01]`, `[1.]`, `[.5]`, `{"a" 1}`, "\"\t\"", `"\x"`, `[1] x`, ``, `nul`, `"\ud8"`,
		strings.Repeat("[", maxJSDepth+2) + strings.Repeat("]", maxJSDepth+2)} {
		if _, err := JSStringify([]byte(bad)); err == nil {
			t.Errorf("JSStringify(%q) accepted invalid JSON", bad)
		}
	}
}

// randomJSON writes a random JSON text exercising what JSStringify must get
// right: whitespace, escapes, surrogates, numbers, duplicate and index keys.
func randomJSON(r *rand.Rand, b *bytes.Buffer, depth int) {
	ws := func() {
		for range r.IntN(3) {
			b.WriteByte(" \t\n\r"[r.IntN(4)])
		}
	}
	ws()
	switch k := r.IntN(10); {
	case k < 2 && depth < 4:
		b.WriteByte('{')
		keys := []string{`"a"`, `"b"`, `"1"`, `"10"`, `"01"`, `"\u0061"`, `"4294967294"`, `"4294967295"`, `"é"`, `"-1"`}
		for i := range r.IntN(6) {
			if i > 0 {
				b.WriteByte(',')
			}
			ws()
			b.WriteString(keys[r.IntN(len(keys))])
			ws()
			b.WriteByte(':')
			randomJSON(r, b, depth+1)
		}
		b.WriteByte('}')
	case k < 4 && depth < 4:
		b.WriteByte('[')
		for i := range r.IntN(5) {
			if i > 0 {
				b.WriteByte(',')
			}
			randomJSON(r, b, depth+1)
		}
		b.WriteByte(']')
	case k < 7:
		parts := []string{"a", "é", "😀", `\u00e9`, `\ud83d\ude00`, `\ud800`, `\udfff`, `\u2028`, `\u0007`, `\n`, `\/`, `\"`, `\\`, "<&>", `\u007f`, `\b`, `\uD83D`, " "}
		b.WriteByte('"')
		for range r.IntN(6) {
			b.WriteString(parts[r.IntN(len(parts))])
		}
		b.WriteByte('"')
	case k < 9:
		if r.IntN(2) == 0 {
			b.WriteByte('-')
		}
		b.WriteString([]string{"0", "1", "12345678901234567890123", "9007199254740993", "3"}[r.IntN(5)])
		if r.IntN(2) == 0 {
			fmt.Fprintf(b, ".%d", r.IntN(100000))
		}
		if r.IntN(2) == 0 {
			fmt.Fprintf(b, "e%s%d", []string{"", "+", "-"}[r.IntN(3)], r.IntN(400))
		}
	default:
		b.WriteString([]string{"true", "false", "null"}[r.IntN(3)])
	}
	ws()
}

// Cross-check against Node.js itself when it is installed.
func TestJSStringifyAgainstNode(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed: the table test stands alone")
	}
	r := rand.New(rand.NewPCG(1, 2))
	var inputs []string
	var lines bytes.Buffer
	for range 2000 {
		var b bytes.Buffer
		randomJSON(r, &b, 0)
		inputs = append(inputs, b.String())
		lines.WriteString(base64.StdEncoding.EncodeToString(b.Bytes()) + "\n")
	}
	script := `const out=require("fs").readFileSync(0,"utf8").trim().split("\n").map(l=>{
	  try{return Buffer.from(JSON.stringify(JSON.parse(Buffer.from(l,"base64").toString("utf8"))),"utf8").toString("base64")}
	  catch(e){return "ERR"}});process.stdout.write(out.join("\n"))`
	cmd := exec.Command(node, "-e", script)
	cmd.Stdin = &lines
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	want := strings.Split(string(out), "\n")
	if len(want) != len(inputs) {
		t.Fatalf("node gave %d answers for %d inputs", len(want), len(inputs))
	}
	for i, in := range inputs {
		got, err := JSStringify([]byte(in))
		if want[i] == "ERR" {
			if err == nil {
				t.Errorf("%q: node rejects, JSStringify accepts", in)
			}
			continue
		}
		w, _ := base64.StdEncoding.DecodeString(want[i])
		if err != nil || !bytes.Equal(got, w) {
			t.Errorf("%q:\n got %s (%v)\nwant %s", in, got, err, w)
		}
	}
}
