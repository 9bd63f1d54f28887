package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"go.yaml.in/yaml/v3"

	"github.com/gitlabkit/integrations/internal/safetext"
)

// table is data as rows of text, for --output table and csv.
type table struct {
	header []string
	rows   [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// render writes data in the format: json and yaml from data, table and csv
// from t.
func render(w io.Writer, format string, data any, t *table) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(data); err != nil {
			return fmt.Errorf("writing JSON: %w", err)
		}
		return nil
	case "yaml":
		node, err := yamlInJSONOrder(data)
		if err != nil {
			return fmt.Errorf("writing YAML: %w", err)
		}
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(node); err != nil {
			return fmt.Errorf("writing YAML: %w", err)
		}
		if err := enc.Close(); err != nil {
			return fmt.Errorf("writing YAML: %w", err)
		}
		return nil
	case "csv":
		// Every cell may hold GitLab's text: no formula for spreadsheets,
		// no control character for a terminal.
		cw := csv.NewWriter(w)
		if err := cw.Write(t.header); err != nil {
			return fmt.Errorf("writing CSV: %w", err)
		}
		for _, r := range t.rows {
			cells := make([]string, len(r))
			for i, c := range r {
				cells[i] = safetext.CSVCell(c)
			}
			if err := cw.Write(cells); err != nil {
				return fmt.Errorf("writing CSV: %w", err)
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return fmt.Errorf("writing CSV: %w", err)
		}
		return nil
	default:
		// Through a buffer, to drop the padding an empty last cell leaves
		// at the end of a line.
		var buf bytes.Buffer
		tw := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(t.header, "\t"))
		for _, r := range t.rows {
			cells := make([]string, len(r))
			for i, c := range r {
				cells[i] = tableCell(c)
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("writing the table: %w", err)
		}
		for line := range strings.Lines(buf.String()) {
			if _, err := io.WriteString(w, strings.TrimRight(line, " \n")+"\n"); err != nil {
				return fmt.Errorf("writing the table: %w", err)
			}
		}
		return nil
	}
}

// yamlInJSONOrder is data as YAML with the keys of its JSON, in the same
// order: the JSON read back as a YAML document (YAML holds JSON), in block
// style.
func yamlInJSONOrder(data any) (*yaml.Node, error) {
	js, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(js, &doc); err != nil {
		return nil, err
	}
	blockStyle(&doc)
	return &doc, nil
}

// blockStyle drops the flow style and quotes JSON gave every node: the
// encoder quotes what needs it.
func blockStyle(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		blockStyle(c)
	}
}

// tableCell writes a cell of a table for a terminal: tabs and line breaks
// become spaces (they would break the columns), every other control
// character is escaped (\x1b), so that no text from GitLab drives the
// terminal.
func tableCell(s string) string {
	return safetext.Terminal(strings.NewReplacer("\t", " ", "\n", " ", "\r\n", " ").Replace(s))
}

// dataFormats are the formats of every command that prints data.
var dataFormats = []string{"table", "json", "yaml", "csv"}

// cell writes a value in one table cell: lists comma-separated, nothing
// for nil.
func cell(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case []string:
		return strings.Join(t, ",")
	case []any:
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i] = cell(x)
		}
		return strings.Join(parts, ",")
	case map[string]any:
		b, err := json.Marshal(t)
		if err != nil {
			return fmt.Sprint(t)
		}
		return string(b)
	default:
		return fmt.Sprint(t)
	}
}

// yesNo writes a flag in a table.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
