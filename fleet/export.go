package fleet

import "strings"

// envName turns parts of a name into an environment variable name:
// upper case, every run of other characters than letters and digits
// becoming one "_".
func envName(parts ...string) string {
	var b strings.Builder
	under := false
	for _, part := range parts {
		for _, c := range strings.ToUpper(part) {
			if 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
				if under && b.Len() > 0 {
					b.WriteByte('_')
				}
				under = false
				b.WriteRune(c)
				continue
			}
			under = true
		}
		under = true
	}
	return b.String()
}
