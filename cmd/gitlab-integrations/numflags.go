package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// numberBounds is the range a numeric flag accepts, ends included.
type numberBounds struct {
	min, max float64
	// text says the range for people: "from 1 to 1000".
	text string
}

// numericBounds are the numeric flags whose range is not "0 or more":
// every other numeric flag (int, float, duration) refuses a negative
// value, so that a flag added later is checked too.
var numericBounds = map[string]numberBounds{
	"concurrency": {1, maxConcurrency, fmt.Sprintf("a number of requests at once from 1 to %d", maxConcurrency)},
	"rate-limit":  {0, maxRateLimit, fmt.Sprintf("a number of requests a second from 0.0003 (one an hour) to %d (0: follow GitLab's RateLimit headers only)", maxRateLimit)},
	"fail-status": {400, 599, "an error status from 400 to 599"},
	"count":       {1, maxFakeCount, fmt.Sprintf("a number of projects from 1 to %d", maxFakeCount)},
}

// maxConcurrency is the most requests a command sends at once: more would
// only meet GitLab's rate limits sooner.
const maxConcurrency = 1000

// checkNumericFlags refuses, before anything is sent, a numeric flag given
// out of its range, naming it.
func checkNumericFlags(cmd *cobra.Command) error {
	var err error
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if err != nil {
			return
		}
		var v float64
		shown := f.Value.String()
		switch f.Value.Type() {
		case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64", "count":
			v, err = strconv.ParseFloat(shown, 64)
			if err != nil {
				err = fmt.Errorf("--%s %s: not a number", f.Name, shown)
				return
			}
		case "duration":
			d, perr := time.ParseDuration(shown)
			if perr != nil {
				err = fmt.Errorf("--%s %s: not a duration", f.Name, shown)
				return
			}
			if d < 0 {
				err = fmt.Errorf("--%s %s: give a duration of 0 or more, such as 20ms", f.Name, shown)
			}
			return
		default:
			return
		}
		b, ok := numericBounds[f.Name]
		if !ok {
			b = numberBounds{min: 0, max: -1, text: "a number of 0 or more"}
		}
		tooSmall := v < b.min
		if f.Name == "rate-limit" && v > 0 && v < 1.0/3600 {
			tooSmall = true
		}
		if tooSmall || (b.max >= b.min && v > b.max) {
			err = fmt.Errorf("--%s %s: give %s", f.Name, shown, b.text)
		}
	})
	return err
}
