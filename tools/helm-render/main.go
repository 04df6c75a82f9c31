// helm-render renders a Helm chart the way `helm template` does, for machines without a helm binary.
//
// It implements the part of Helm's engine that charts/darkroom uses: Go text/template with the sprig
// functions, Helm's own functions (include, tpl, required, toYaml, fromYaml, toJson, fromJson, lookup),
// the built-in objects (.Values, .Release, .Chart, .Capabilities, .Template), values coalescing (a null
// deletes a key), values.schema.json validation and the YAML check of every rendered document.
// It builds offline from Debian packages (see README.md).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/ioutil"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"github.com/xeipuuv/gojsonschema"
	yamlv2 "gopkg.in/yaml.v2"
	yaml "gopkg.in/yaml.v3"
)

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// apiVersions answers .Capabilities.APIVersions.Has like Helm's VersionSet.
type apiVersions []string

func (a apiVersions) Has(v string) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

type manifest struct {
	Source string                 `json:"source"`
	Object map[string]interface{} `json:"object"`
}

type output struct {
	Manifests []manifest `json:"manifests"`
	Notes     string     `json:"notes"`
}

func main() {
	var valueFiles stringList
	var extraAPIs stringList
	chartDir := flag.String("chart", "", "chart directory")
	releaseName := flag.String("release-name", "release-name", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	isUpgrade := flag.Bool("is-upgrade", false, "render as an upgrade instead of an install")
	kubeVersion := flag.String("kube-version", "v1.31.0", "Kubernetes version for .Capabilities")
	format := flag.String("output", "yaml", "yaml (like helm template) or json")
	flag.Var(&valueFiles, "values", "values file (YAML or JSON); repeatable, later files win")
	flag.Var(&extraAPIs, "api-versions", "extra API versions for .Capabilities.APIVersions; repeatable")
	flag.Parse()
	if *chartDir == "" {
		fail(errors.New("--chart is required"))
	}
	out, err := render(*chartDir, valueFiles, *releaseName, *namespace, *isUpgrade, *kubeVersion, extraAPIs)
	if err != nil {
		fail(err)
	}
	if *format == "json" {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", " ")
		if err := enc.Encode(out); err != nil {
			fail(err)
		}
		return
	}
	for _, m := range out.Manifests {
		text, err := toYAML(m.Object)
		if err != nil {
			fail(err)
		}
		fmt.Printf("---\n# Source: %s\n%s\n", m.Source, text)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "Error: %s\n", err)
	os.Exit(1)
}

func render(chartDir string, valueFiles []string, releaseName, namespace string, isUpgrade bool, kubeVersion string, extraAPIs []string) (*output, error) {
	chartMeta, err := readYAMLMap(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		return nil, fmt.Errorf("Chart.yaml: %w", err)
	}
	chartName, _ := chartMeta["name"].(string)
	if chartName == "" {
		return nil, errors.New("Chart.yaml: name is required")
	}

	values, err := readYAMLMap(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		return nil, fmt.Errorf("values.yaml: %w", err)
	}
	for _, f := range valueFiles {
		user, err := readYAMLMap(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		values = coalesce(user, values)
	}
	if err := validateSchema(chartDir, chartName, values); err != nil {
		return nil, err
	}

	major, minor := splitVersion(kubeVersion)
	apis := apiVersions(append([]string{"v1", "apps/v1", "batch/v1", "policy/v1", "autoscaling/v2", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1"}, extraAPIs...))
	top := map[string]interface{}{
		"Values": values,
		"Release": map[string]interface{}{
			"Name": releaseName, "Namespace": namespace, "IsInstall": !isUpgrade, "IsUpgrade": isUpgrade,
			"Revision": map[bool]int{false: 1, true: 2}[isUpgrade], "Service": "Helm",
		},
		"Chart": map[string]interface{}{
			"Name": chartName, "Version": chartMeta["version"], "AppVersion": chartMeta["appVersion"],
			"Description": chartMeta["description"], "Type": chartMeta["type"], "APIVersion": chartMeta["apiVersion"],
			"KubeVersion": chartMeta["kubeVersion"], "Annotations": chartMeta["annotations"],
		},
		"Capabilities": map[string]interface{}{
			"KubeVersion": map[string]interface{}{"Version": kubeVersion, "GitVersion": kubeVersion, "Major": major, "Minor": minor},
			"APIVersions": apis,
		},
	}

	names, sources, err := readTemplates(chartDir, chartName)
	if err != nil {
		return nil, err
	}
	root := template.New("gotpl").Option("missingkey=zero")
	root.Funcs(funcMap(root))
	for _, name := range names {
		if _, err := root.New(name).Parse(sources[name]); err != nil {
			return nil, fmt.Errorf("parse error in %s: %w", name, err)
		}
	}

	out := &output{Manifests: []manifest{}}
	basePath := path.Join(chartName, "templates")
	for _, name := range names {
		base := path.Base(name)
		if strings.HasPrefix(base, "_") {
			continue
		}
		data := shallowCopy(top)
		data["Template"] = map[string]interface{}{"Name": name, "BasePath": basePath}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			return nil, fmt.Errorf("render error in %s: %w", name, err)
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if strings.EqualFold(base, "NOTES.txt") {
			out.Notes = text
			continue
		}
		docs, err := splitDocuments(name, text)
		if err != nil {
			return nil, err
		}
		for _, doc := range docs {
			out.Manifests = append(out.Manifests, manifest{Source: name, Object: doc})
		}
	}
	return out, nil
}

// funcMap is sprig (without env/expandenv, as in Helm) plus Helm's template functions.
func funcMap(root *template.Template) template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	includeDepth := map[string]int{}
	f["include"] = func(name string, data interface{}) (string, error) {
		if includeDepth[name] > 1000 {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		includeDepth[name]++
		defer func() { includeDepth[name]-- }()
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	f["tpl"] = func(text string, data interface{}) (string, error) {
		clone, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err := clone.New("tpl").Parse(text)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", text, err)
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return "", fmt.Errorf("error calling tpl: %w", err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	f["required"] = func(message string, val interface{}) (interface{}, error) {
		if val == nil {
			return val, errors.New(message)
		}
		if s, ok := val.(string); ok && s == "" {
			return val, errors.New(message)
		}
		return val, nil
	}
	f["toYaml"] = func(v interface{}) string {
		text, err := toYAML(v)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(text, "\n")
	}
	f["fromYaml"] = func(text string) map[string]interface{} {
		m, err := parseYAMLMap([]byte(text))
		if err != nil {
			return map[string]interface{}{"Error": err.Error()}
		}
		return m
	}
	f["fromYamlArray"] = func(text string) []interface{} {
		var v []interface{}
		if err := decodeYAML([]byte(text), &v); err != nil {
			return []interface{}{err.Error()}
		}
		return v
	}
	f["toJson"] = func(v interface{}) string {
		b, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(b)
	}
	f["fromJson"] = func(text string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := json.Unmarshal([]byte(text), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	// No cluster here: lookup finds nothing, like `helm template`.
	f["lookup"] = func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	return f
}

// toYAML converts like Helm (sigs.k8s.io/yaml): through JSON, then YAML with sorted keys.
func toYAML(v interface{}) (string, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	var obj interface{}
	if err := yamlv2.Unmarshal(j, &obj); err != nil {
		return "", err
	}
	out, err := yamlv2.Marshal(obj)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// decodeYAML reads YAML with JSON semantics (numbers become float64), as Helm does.
func decodeYAML(data []byte, target interface{}) error {
	var raw interface{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return err
	}
	j, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	return json.Unmarshal(j, target)
}

func parseYAMLMap(data []byte) (map[string]interface{}, error) {
	m := map[string]interface{}{}
	if len(bytes.TrimSpace(data)) == 0 {
		return m, nil
	}
	if err := decodeYAML(data, &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]interface{}{}
	}
	return m, nil
}

func readYAMLMap(file string) (map[string]interface{}, error) {
	data, err := ioutil.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return parseYAMLMap(data)
}

// coalesce merges user values over chart defaults: maps merge recursively, a null removes the key.
func coalesce(user, defaults map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range defaults {
		out[k] = v
	}
	for k, v := range user {
		if v == nil {
			delete(out, k)
			continue
		}
		um, uok := v.(map[string]interface{})
		dm, dok := out[k].(map[string]interface{})
		if uok && dok {
			out[k] = coalesce(um, dm)
		} else {
			out[k] = v
		}
	}
	return out
}

func validateSchema(chartDir, chartName string, values map[string]interface{}) error {
	schema, err := ioutil.ReadFile(filepath.Join(chartDir, "values.schema.json"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	result, err := gojsonschema.Validate(gojsonschema.NewBytesLoader(schema), gojsonschema.NewGoLoader(values))
	if err != nil {
		return fmt.Errorf("values.schema.json: %w", err)
	}
	if result.Valid() {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "values don't meet the specifications of the schema(s) in the following chart(s):\n%s:\n", chartName)
	for _, e := range result.Errors() {
		fmt.Fprintf(&b, "- %s\n", e)
	}
	return errors.New(strings.TrimSuffix(b.String(), "\n"))
}

func readTemplates(chartDir, chartName string) ([]string, map[string]string, error) {
	dir := filepath.Join(chartDir, "templates")
	sources := map[string]string{}
	err := filepath.Walk(dir, func(file string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, file)
		if err != nil {
			return err
		}
		data, err := ioutil.ReadFile(file)
		if err != nil {
			return err
		}
		sources[path.Join(chartName, "templates", filepath.ToSlash(rel))] = string(data)
		return nil
	})
	names := make([]string, 0, len(sources))
	for n := range sources {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, sources, err
}

// splitDocuments checks every YAML document a template produced, as Helm does before it installs anything.
func splitDocuments(name, text string) ([]map[string]interface{}, error) {
	var docs []map[string]interface{}
	for i, part := range strings.Split("\n"+text, "\n---") {
		if strings.TrimSpace(stripComments(part)) == "" {
			continue
		}
		var obj map[string]interface{}
		if err := decodeYAML([]byte(part), &obj); err != nil {
			return nil, fmt.Errorf("YAML parse error on %s (document %d): %w\n%s", name, i+1, err, part)
		}
		if obj == nil {
			continue
		}
		docs = append(docs, obj)
	}
	return docs, nil
}

func stripComments(text string) string {
	var b strings.Builder
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line)
			b.WriteString("\n")
		}
	}
	return b.String()
}

func splitVersion(v string) (string, string) {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) < 2 {
		return parts[0], "0"
	}
	return parts[0], parts[1]
}

func shallowCopy(m map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}
