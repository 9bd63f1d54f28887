package integrations

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parsePackageDoc reads the package's non-test Go files as go doc does.
func parsePackageDoc(t *testing.T) *doc.Package {
	t.Helper()
	fset := token.NewFileSet()
	// File by file: parser.ParseDir is deprecated since Go 1.25.
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	var files []*ast.File
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		require.NoError(t, err)
		if f.Name.Name == "integrations" {
			files = append(files, f)
		}
	}
	require.NotEmpty(t, files, "package integrations not found")
	p, err := doc.NewFromFiles(fset, files, "github.com/gitlabkit/integrations")
	require.NoError(t, err)
	return p
}

// startsWithName reports whether a doc comment follows the convention: it
// begins with the identifier, optionally after "A", "An" or "The".
func startsWithName(docText, name string) bool {
	for _, article := range []string{"", "A ", "An ", "The "} {
		rest, ok := strings.CutPrefix(docText, article+name)
		if ok && (rest == "" || strings.ContainsAny(rest[:1], " \n,.:;'(")) {
			return true
		}
	}
	return false
}

// TestExportedIdentifiersAreDocumented enforces the project's convention:
// every exported type, function, method, constant and variable of the
// package has a doc comment starting with its name. Grouped constants and
// variables may share the group's comment instead.
func TestExportedIdentifiersAreDocumented(t *testing.T) {
	t.Parallel()
	p := parsePackageDoc(t)
	require.NotEmpty(t, p.Doc, "package comment")
	assert.True(t, strings.HasPrefix(p.Doc, "Package integrations "), "package comment starts with its name")

	var checked int
	check := func(name, text string) {
		checked++
		if strings.TrimSpace(text) == "" {
			t.Errorf("%s has no doc comment", name)
			return
		}
		short := name[strings.LastIndex(name, ".")+1:]
		if !startsWithName(text, short) {
			t.Errorf("the doc comment of %s does not start with %q: %q", name, short, firstLine(text))
		}
	}
	checkValues := func(values []*doc.Value) {
		for _, v := range values {
			for _, spec := range v.Decl.Specs {
				vs := spec.(*ast.ValueSpec)
				for _, n := range vs.Names {
					if !n.IsExported() {
						continue
					}
					own := vs.Doc.Text()
					switch {
					case own != "":
						check(n.Name, own)
					case len(v.Decl.Specs) > 1 && v.Doc != "":
						checked++ // documented by its group's comment
					default:
						check(n.Name, v.Doc)
					}
				}
			}
		}
	}
	checkValues(p.Consts)
	checkValues(p.Vars)
	for _, f := range p.Funcs {
		check(f.Name, f.Doc)
	}
	for _, typ := range p.Types {
		if !ast.IsExported(typ.Name) {
			continue
		}
		check(typ.Name, typ.Doc)
		checkValues(typ.Consts)
		checkValues(typ.Vars)
		for _, f := range typ.Funcs {
			check(f.Name, f.Doc)
		}
		for _, m := range typ.Methods {
			if ast.IsExported(m.Name) {
				check(typ.Name+"."+m.Name, m.Doc)
			}
		}
	}
	t.Logf("doc comments: %d exported identifiers checked", checked)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// TestEveryIntegrationIsDocumented checks what go doc shows for each
// integration: its Client field, its Service, Options and Properties types,
// and a comment on every field of the last two.
func TestEveryIntegrationIsDocumented(t *testing.T) {
	t.Parallel()
	p := parsePackageDoc(t)
	types := map[string]*doc.Type{}
	for _, typ := range p.Types {
		types[typ.Name] = typ
	}

	client := types["Client"]
	require.NotNil(t, client)
	clientFields := structFieldDocs(t, client)

	var fields int
	for _, it := range Catalog() {
		n := it.GoName
		if assert.Contains(t, clientFields, n, "Client.%s", n) {
			assert.True(t, startsWithName(clientFields[n], n), "Client.%s: %q", n, clientFields[n])
		}
		for _, suffix := range []string{"Service", "Options", "Properties"} {
			typ := types[n+suffix]
			if !assert.NotNil(t, typ, "%s%s", n, suffix) {
				continue
			}
			assert.True(t, startsWithName(typ.Doc, n+suffix), "%s%s: %q", n, suffix, firstLine(typ.Doc))
			if it.RemovedIn != "" {
				assert.Contains(t, typ.Doc, "Deprecated: ", "%s%s of a removed integration", n, suffix)
			}
			if suffix == "Service" {
				continue
			}
			for name, text := range structFieldDocs(t, typ) {
				fields++
				assert.True(t, startsWithName(text, name), "%s%s.%s: %q", n, suffix, name, firstLine(text))
			}
		}
		if it.RemovedIn != "" {
			assert.Contains(t, clientFields[n], "Deprecated: ", "Client.%s", n)
		}
	}
	t.Logf("integration docs: %d integrations, %d documented fields", len(Catalog()), fields)
}

// structFieldDocs maps each exported field of a struct type to its comment.
func structFieldDocs(t *testing.T, typ *doc.Type) map[string]string {
	t.Helper()
	require.Len(t, typ.Decl.Specs, 1)
	st, ok := typ.Decl.Specs[0].(*ast.TypeSpec).Type.(*ast.StructType)
	require.True(t, ok, "%s is not a struct", typ.Name)
	out := map[string]string{}
	for _, f := range st.Fields.List {
		for _, n := range f.Names {
			if n.IsExported() {
				out[n.Name] = f.Doc.Text()
			}
		}
	}
	return out
}
