package bench

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// Kind is what a request to the emulator was for.
type Kind int

const (
	Other     Kind = iota
	Token          // the token service: a sign-in
	Graph          // Microsoft Graph v1.0, $batch included
	Discovery      // the OpenID configuration or instance discovery MSAL reads before a sign-in
)

func (k Kind) String() string {
	switch k {
	case Token:
		return "token"
	case Graph:
		return "Graph"
	case Discovery:
		return "discovery"
	}
	return "other"
}

// Classify tells a request's kind from its path alone: the emulator serves the token service,
// its discovery documents and Graph under one host, so the host says nothing.
func Classify(r emulator.Request) Kind {
	p := strings.ToLower(r.Path)
	switch {
	case strings.HasSuffix(p, "/oauth2/v2.0/token"):
		return Token
	case strings.HasSuffix(p, "/.well-known/openid-configuration"), strings.HasSuffix(p, "/discovery/instance"):
		return Discovery
	case p == "/v1.0" || strings.HasPrefix(p, "/v1.0/"):
		return Graph
	}
	return Other
}

// Counts are requests by kind. A batch item is no round trip of its own: it counts in
// BatchItems only, while the $batch request that carried it counts in Graph and Total.
type Counts struct {
	Total, Token, Graph, Discovery, Other int
	BatchItems                            int
}

// Count counts reqs by kind.
func Count(reqs []emulator.Request) Counts {
	var c Counts
	for _, r := range reqs {
		if r.InBatch {
			c.BatchItems++
			continue
		}
		c.Total++
		switch Classify(r) {
		case Token:
			c.Token++
		case Graph:
			c.Graph++
		case Discovery:
			c.Discovery++
		default:
			c.Other++
		}
	}
	return c
}

func (c Counts) String() string {
	return fmt.Sprintf("%d requests (%d token, %d Graph, %d discovery, %d other; %d batch items)",
		c.Total, c.Token, c.Graph, c.Discovery, c.Other, c.BatchItems)
}

// topLevel returns the requests that went over the wire, without the batch items.
func topLevel(reqs []emulator.Request) []emulator.Request {
	top := make([]emulator.Request, 0, len(reqs))
	for _, r := range reqs {
		if !r.InBatch {
			top = append(top, r)
		}
	}
	return top
}

// RoundTrips is the length of the longest chain of requests in which each starts once the one
// before it has ended: the round trips the client waited for one after another, each of which
// a network's latency is paid for in full. Requests in flight together pay it once between them.
//
// The longest such chain is the largest set of requests no two of which overlap, found
// greedily: take the request that ends first, then the first-ending one that starts after it,
// and so on (interval scheduling). Batch items are part of their $batch round trip.
func RoundTrips(reqs []emulator.Request) int {
	top := topLevel(reqs)
	sort.SliceStable(top, func(i, j int) bool { return end(top[i]).Before(end(top[j])) })
	n := 0
	var last time.Time
	for _, r := range top {
		if n > 0 && r.Time.Before(last) {
			continue
		}
		n++
		last = end(r)
	}
	return n
}

func end(r emulator.Request) time.Time { return r.Time.Add(r.Duration) }

// Timeline lists the round trips of one command in the order they started, with their start
// and end relative to the first: which calls overlapped and which waited for another. For
// commands of a few requests (-v with -n 1); a large N prints hundreds of lines.
func Timeline(reqs []emulator.Request) []string {
	top := topLevel(reqs)
	if len(top) == 0 {
		return nil
	}
	sort.SliceStable(top, func(i, j int) bool { return top[i].Time.Before(top[j].Time) })
	first := top[0].Time
	out := make([]string, 0, len(top))
	for _, r := range top {
		out = append(out, fmt.Sprintf("%6d-%6d ms  %s %s", r.Time.Sub(first).Milliseconds(), end(r).Sub(first).Milliseconds(),
			r.Method, guid.ReplaceAllString(r.Path, "{id}")))
	}
	return out
}

// SignIns counts the sign-ins (token requests) among one terraform command's requests, and
// how many of them were idle: followed by no Graph request before the next sign-in or the end
// of the command. The provider signs in when it is configured, once per walk, so an idle
// sign-in is a walk that configured the provider and then had nothing to ask the tenant.
//
// Telling walks apart by their sign-ins is an approximation: it holds while each provider
// process signs in exactly once, as a client secret's does (its token outlives the command).
func SignIns(reqs []emulator.Request) (signIns, idle int) {
	top := topLevel(reqs)
	sort.SliceStable(top, func(i, j int) bool { return top[i].Time.Before(top[j].Time) })
	open := false // a sign-in without a Graph request after it yet
	for _, r := range top {
		switch Classify(r) {
		case Token:
			if open {
				idle++
			}
			signIns++
			open = true
		case Graph:
			open = false
		}
	}
	if open {
		idle++
	}
	return signIns, idle
}

var (
	guid    = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	literal = regexp.MustCompile(`'[^']*'`)
)

// Mix groups reqs by method, path and query, object IDs and quoted values replaced by
// placeholders, most frequent first: it shows which calls a phase repeats. Batch items are
// marked as such.
func Mix(reqs []emulator.Request) []string {
	counts := map[string]int{}
	for _, r := range reqs {
		key := r.Method + " " + guid.ReplaceAllString(r.Path, "{id}")
		if r.Query != "" {
			key += "?" + literal.ReplaceAllString(guid.ReplaceAllString(r.Query, "{id}"), "'…'")
		}
		if r.InBatch {
			key += " (batch item)"
		}
		counts[key]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if counts[keys[i]] != counts[keys[j]] {
			return counts[keys[i]] > counts[keys[j]]
		}
		return keys[i] < keys[j]
	})
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = fmt.Sprintf("%5d  %s", counts[k], k)
	}
	return lines
}
