package integrations

import (
	"go/ast"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestIgnoredParametersAreDeprecated checks every options field of every
// integration: a parameter current GitLab ignores carries a Deprecated:
// paragraph (so that staticcheck and editors flag its use) that says what
// to do instead; no other field does.
func TestIgnoredParametersAreDeprecated(t *testing.T) {
	t.Parallel()
	p := parsePackageDoc(t)
	fields := map[string]map[string]string{}
	for _, typ := range p.Types {
		if strings.HasSuffix(typ.Name, "Options") {
			fields[typ.Name] = structFieldDocs(t, typ)
		}
	}
	deprecated, checked := 0, 0
	for _, it := range Catalog() {
		docs := fields[it.GoName+"Options"]
		require.NotNil(t, docs, it.GoName)
		for _, prm := range it.Parameters {
			text, ok := docs[prm.GoName]
			require.True(t, ok, "%s.%s", it.Slug, prm.Name)
			checked++
			_, dep, found := strings.Cut(text, "\nDeprecated: ")
			if !prm.Ignored {
				assert.False(t, found, "%s.%s is not ignored but deprecated", it.Slug, prm.Name)
				continue
			}
			deprecated++
			if assert.True(t, found, "%s.%s: no Deprecated: paragraph", it.Slug, prm.Name) {
				assert.Contains(t, dep, "ignores this parameter", it.Slug+"."+prm.Name)
				assert.Greater(t, len(strings.TrimSpace(dep[strings.Index(dep, "sent.")+5:])), 10,
					"%s.%s: the paragraph says what to do instead", it.Slug, prm.Name)
			}
		}
	}
	assert.Equal(t, 16, deprecated)
	t.Logf("%d options fields of %d integrations checked", checked, len(Catalog()))
}

// researchWording is how the research behind the description talks, which
// a user reading go doc should never meet.
var researchWording = regexp.MustCompile(`(?i)project_integrations\.md|declared_params|declared param|never declared|\bseed\b|` +
	`version read|snapshot|\bGrape\b|helper file|openapi|\bInSeed\b`)

// TestDocsSpeakToUsers reads every doc comment of the package (package,
// types, functions, methods, fields, constants) for research wording.
func TestDocsSpeakToUsers(t *testing.T) {
	t.Parallel()
	p := parsePackageDoc(t)
	texts := map[string]string{"package": p.Doc}
	for _, f := range p.Funcs {
		texts[f.Name] = f.Doc
	}
	for _, typ := range p.Types {
		texts[typ.Name] = typ.Doc
		for _, f := range typ.Funcs {
			texts[f.Name] = f.Doc
		}
		for _, m := range typ.Methods {
			texts[typ.Name+"."+m.Name] = m.Doc
		}
		if spec, ok := typ.Decl.Specs[0].(*ast.TypeSpec); ok {
			if _, isStruct := spec.Type.(*ast.StructType); isStruct {
				for name, text := range structFieldDocs(t, typ) {
					texts[typ.Name+"."+name] = text
				}
			}
		}
	}
	for _, v := range append(p.Consts, p.Vars...) {
		texts["const/var "+strings.Join(v.Names, ",")] = v.Doc
	}
	for name, text := range texts {
		if m := researchWording.FindString(text); m != "" {
			t.Errorf("%s: research wording %q in %q", name, m, text)
		}
	}
	for _, it := range Catalog() {
		for _, s := range []string{it.Summary, it.Note} {
			assert.NotRegexp(t, researchWording, s, it.Slug)
		}
		for _, prm := range it.Parameters {
			for _, s := range []string{prm.Description, prm.Note} {
				assert.NotRegexp(t, researchWording, s, it.Slug+"."+prm.Name)
			}
		}
	}
	t.Logf("%d doc comments and %d integrations' catalog text read", len(texts), len(Catalog()))
}

// TestPackageDocNamesTheFirstTypes checks that the package comment points a
// newcomer at the types to know first.
func TestPackageDocNamesTheFirstTypes(t *testing.T) {
	t.Parallel()
	p := parsePackageDoc(t)
	for _, name := range []string{"[Client]", "[NewClient]", "[Scope]", "[Project]", "[Group]", "[Service]", "[Settings]",
		"[Integration]", "[Error]", "[ValidationError]", "[DynamicService]", "[Values]", "[Catalog]", "[IntegrationInfo]",
		"integrationstest"} {
		assert.Contains(t, p.Doc, name)
	}
}
